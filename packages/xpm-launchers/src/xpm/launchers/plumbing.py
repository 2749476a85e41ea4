"""What xpm.launchers shares with the packages above it (the CLI), not with users.

A seam: sibling packages import these names from `xpm.launchers.plumbing`, which
tests/test_architecture.py allows. The names belong lower, in xpm.core's own plumbing
module, once that exists; they live here because xpm.launchers is the lowest package
that reads YAML.
"""

from .errors import YamlFileError, YamlSyntaxError
from .suggest import close_matches, did_you_mean
from .yamlnodes import compose_yaml, read_yaml_file

__all__ = [
    "YamlFileError",
    "YamlSyntaxError",
    "close_matches",
    "compose_yaml",
    "did_you_mean",
    "read_yaml_file",
]
