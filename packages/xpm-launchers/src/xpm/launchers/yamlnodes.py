"""YAML parsed to nodes, which keep the line of every value for messages.

`launchers.yaml`, experiment files and the CLI's settings are all read through
`compose_yaml`, so a syntax error names its line the same way everywhere; each reader
then walks the nodes and blames the node it cannot use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import YamlSyntaxError

if TYPE_CHECKING:
    import yaml


def compose_yaml(text: str) -> yaml.Node | None:
    """Return the root node of the YAML document `text`, or None when it is empty.

    Nodes carry `start_mark.line` (from 0), which the caller turns into file:line.

    Raises:
        YamlSyntaxError: `text` is not valid YAML; `line` (from 1) is where the parser
            stopped, when it knows.
    """
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise YamlSyntaxError(problem, line=None if mark is None else mark.line + 1) from None
    except yaml.YAMLError as error:
        raise YamlSyntaxError(str(error)) from None
