"""The errors xpm.cli raises, and how the command line turns errors into exit codes.

Exit codes follow click: 0 for success, 1 for an `XpmError` (the user's input or
environment is wrong and the message says how), 2 for a usage or configuration error
(a bad option, an invalid experiment file), and 1 with a traceback for anything
unexpected, which is a bug in xpm.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, ClassVar, Final

import click

from xpm.core import XpmError

EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 2

BUG_NOTICE: Final = "this is a bug in xpm, please report it"


@dataclass(frozen=True)
class Source:
    """Where a configuration value was written: a YAML file and line, or a CLI option.

    Attributes:
        origin: the YAML file's path, or a description such as `option -c lr=0.1`.
        line: the 1-based line in `origin`, or None when `origin` is not a file.
    """

    origin: str
    line: int | None = None

    def __str__(self) -> str:
        return self.origin if self.line is None else f"{self.origin}:{self.line}"


class ConfigurationError(XpmError, ValueError):
    """An experiment file, or a `-c key=value` override, does not fit its configuration.

    Raised while loading `xpm run-experiment FILE.yaml`: a key is unknown, a value has
    the wrong type, a required key is missing, a parent file cannot be read, or files
    inherit from each other in a cycle. `source` gives the file and line where the
    offending value (or the mapping missing a key) was written and `path` the dotted
    key; fix the value there, or pass `-c path=value`.

    Attributes:
        problem: what is wrong, e.g. `expected int, got 'ten' (str)`.
        source: where the offending value was written.
        path: the dotted key path (`optimizer.lr`, `layers[2]`), empty for the file.
        suggestions: close matches for a misspelled key or choice.
    """

    exit_code: ClassVar[int] = EXIT_USAGE

    def __init__(
        self,
        problem: str,
        *,
        source: Source,
        path: str = "",
        suggestions: Sequence[str] = (),
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.source = source
        self.path = path
        self.suggestions = tuple(suggestions)

    def __str__(self) -> str:
        where = f"{self.source}: {self.path}: " if self.path else f"{self.source}: "
        return f"{where}{self.problem}{_hint(self.suggestions)}"


class ConfigurationTypeError(XpmError, TypeError):
    """A `@configuration` class uses an annotation that experiment files cannot fill.

    Raised when an experiment file is validated against the class, also when an
    annotation names a type that cannot be found (`field` is then empty). Supported
    types are int, float, str, bool, Path, Enum, Literal, Optional, list[T],
    dict[str, T] and nested `@configuration` classes; change the named field's
    annotation.
    """

    exit_code: ClassVar[int] = EXIT_USAGE

    def __init__(self, owner: str, field: str, annotation: object) -> None:
        super().__init__(owner, field, annotation)
        self.owner = owner
        self.field = field
        self.annotation = annotation

    def __str__(self) -> str:
        if not self.field:
            return (
                f"{self.owner}: cannot resolve the annotation {self.annotation!r};"
                " define the types it names at module level"
            )
        return (
            f"{self.owner}.{self.field}: unsupported type {self.annotation!r}; use int,"
            " float, str, bool, Path, an Enum, Literal, Optional, list[T],"
            " dict[str, T] or a @configuration class"
        )


class FilterSyntaxError(XpmError, ValueError):
    """A job filter (`xpm jobs list --filter EXPR`) cannot be parsed.

    The message shows the filter with a caret under `column` and says what was expected
    there; fix the expression, e.g. `@state = "done" and model = "bm25"`.

    Attributes:
        text: the whole filter expression.
        column: the 1-based column of the problem.
        problem: what is wrong at that column.
    """

    exit_code: ClassVar[int] = EXIT_USAGE

    def __init__(self, text: str, column: int, problem: str) -> None:
        super().__init__(text, column, problem)
        self.text = text
        self.column = column
        self.problem = problem

    def __str__(self) -> str:
        line = self.text.replace("\n", " ").replace("\r", " ").replace("\t", " ")
        caret = " " * (self.column - 1) + "^"
        return f"invalid job filter at column {self.column}: {self.problem}\n  {line}\n  {caret}"


class ForwardOptionError(XpmError, TypeError):
    """`forwardoption` was given a parameter that cannot become a click option.

    Raised when the decorator is applied: the path stops at a configuration class or a
    nested configuration, names a constant, or the parameter's type has no
    command-line form. Forward a scalar parameter (int, float, str, bool, Path, Enum,
    Literal, or a list of those), or write the option with `click.option`.

    Attributes:
        path: the parameter, `Learner.optimizer`.
        problem: why it cannot be forwarded.
    """

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.path = path
        self.problem = problem

    def __str__(self) -> str:
        return f"cannot forward {self.path} as an option: {self.problem}"


class UnknownParameterError(XpmError, AttributeError):
    """`arguments(Cls).name` names no parameter of the configuration class.

    Raised on the attribute access; the message lists the parameters and the closest
    names. Fix the spelling.

    Attributes:
        owner: the configuration class's name.
        name: the name that was asked for.
        known: the class's parameter names.
        suggestions: the closest names.
    """

    def __init__(
        self, owner: str, name: str, known: Sequence[str], suggestions: Sequence[str]
    ) -> None:
        super().__init__(owner, name)
        self.owner = owner
        self.name = name
        self.known = tuple(known)
        self.suggestions = tuple(suggestions)

    def __str__(self) -> str:
        known = ", ".join(self.known) or "none"
        hint = _hint(self.suggestions)
        listing = f"(its parameters: {known})"
        return f"{self.owner} has no parameter {self.name!r} {listing}{hint}"


def exit_code(error: XpmError) -> int:
    """Return the exit code for `error`: 2 for usage and configuration errors, or 1."""
    code = getattr(error, "exit_code", EXIT_ERROR)
    return code if isinstance(code, int) else EXIT_ERROR


def run_program(
    group: click.Command,
    args: Sequence[str] | None = None,
    *,
    stderr: IO[str] | None = None,
) -> int:
    """Run `group` as the `xpm` program and return its exit code instead of exiting.

    This is the process boundary, the one place that catches every exception: an
    `XpmError` prints `Error: <message>` without a traceback, click's usage errors keep
    click's own message, and any other exception prints its traceback followed by a
    line asking to report the bug.
    """
    err = stderr if stderr is not None else sys.stderr
    try:
        result = group.main(
            args=list(args) if args is not None else None,
            prog_name=group.name,
            standalone_mode=False,
        )
    except XpmError as error:
        click.echo(f"Error: {error}", file=err)
        return exit_code(error)
    except click.exceptions.Abort:
        click.echo("Aborted!", file=err)
        return EXIT_ERROR
    except click.ClickException as error:
        error.show(file=err)
        return error.exit_code
    except Exception:
        traceback.print_exc(file=err)
        click.echo(f"Error: {BUG_NOTICE}", file=err)
        return EXIT_ERROR
    # Non-standalone click returns the exit code of `--help`/`--version` (an Exit), or
    # the command's return value, which is None for every xpm command.
    return result if isinstance(result, int) else EXIT_OK


class SettingsError(ConfigurationError):
    """The settings file (`settings.yaml` in xpm's configuration folder) is invalid.

    Raised when a command needs the list of workspaces: the file is not YAML, a key is
    unknown, a value has the wrong type, or two workspaces share an id. `source` names
    the file and line, `path` the key (`workspaces[1].path`); fix the file there. The
    folder is `$XPM_CONFIG_DIR`, else `~/.config/xpm`.
    """


class UnknownWorkspaceError(XpmError, LookupError):
    """`--workspace ID` names no workspace of the settings file.

    The message lists the known ids and the closest ones; add the workspace to the
    settings file, fix the spelling, or pass `--workdir DIR` instead.

    Attributes:
        id: the id that was asked for.
        settings: the settings file that was read.
        known: the ids it lists.
    """

    exit_code: ClassVar[int] = EXIT_USAGE

    def __init__(self, id: str, settings: str, known: Sequence[str]) -> None:
        super().__init__(id, settings, known)
        self.id = id
        self.settings = settings
        self.known = tuple(known)

    def __str__(self) -> str:
        if not self.known:
            return (
                f"no workspace {self.id!r}: {self.settings} lists no workspace;"
                " add one there or pass --workdir DIR"
            )
        hint = _did_you_mean(self.id, self.known)
        listing = ", ".join(self.known)
        return f"no workspace {self.id!r} in {self.settings} (known: {listing}){hint}"


class UnknownJobError(XpmError, LookupError):
    """A job name given to `xpm jobs show/log` matches no job folder of the workspace.

    Jobs are named `<type id>/<identifier>`; any unique prefix of that name, or of the
    identifier alone, is enough, as is the monitor's short name (`learn/c53cbcfe`). Run
    `xpm jobs list` to see the names, and check that the command reads the right
    workspace (`--workdir`, `--workspace`).

    Attributes:
        name: the name or prefix that was given.
        workdir: the workspace folder that was searched.
    """

    exit_code: ClassVar[int] = EXIT_USAGE

    def __init__(self, name: str, workdir: str) -> None:
        super().__init__(name, workdir)
        self.name = name
        self.workdir = workdir

    def __str__(self) -> str:
        return (
            f"no job matches {self.name!r} in the workspace {self.workdir};"
            " `xpm jobs list` shows the jobs there"
        )


class AmbiguousJobError(XpmError, LookupError):
    """A job prefix given to `xpm jobs show/log` matches more than one job.

    The message lists the candidates; type more characters of the one you mean.

    Attributes:
        name: the prefix that was given.
        candidates: the job names it matches, sorted.
    """

    exit_code: ClassVar[int] = EXIT_USAGE
    shown: ClassVar[int] = 10

    def __init__(self, name: str, candidates: Sequence[str]) -> None:
        super().__init__(name, candidates)
        self.name = name
        self.candidates = tuple(candidates)

    def __str__(self) -> str:
        lines = [f"{self.name!r} matches {len(self.candidates)} jobs; type more of the name:"]
        lines += [f"  {c}" for c in self.candidates[: self.shown]]
        if len(self.candidates) > self.shown:
            lines.append(f"  ... and {len(self.candidates) - self.shown} more")
        return "\n".join(lines)


class UnknownExperimentError(XpmError, LookupError):
    """`--experiment ID` names no experiment of the workspace.

    The message lists the closest names; `xpm experiments list` shows them all.

    Attributes:
        name: the experiment that was asked for.
        workdir: the workspace folder.
        known: the experiments the workspace holds.
    """

    exit_code: ClassVar[int] = EXIT_USAGE

    def __init__(self, name: str, workdir: str, known: Sequence[str]) -> None:
        super().__init__(name, workdir, known)
        self.name = name
        self.workdir = workdir
        self.known = tuple(known)

    def __str__(self) -> str:
        hint = _did_you_mean(self.name, self.known)
        return (
            f"no experiment {self.name!r} in the workspace {self.workdir}{hint}"
            " (`xpm experiments list` shows them)"
        )


class ExperimentCodeError(XpmError, TypeError):
    """The Python code an experiment file names cannot run the experiment.

    Raised by `xpm run-experiment` before any job is submitted: the file or module
    cannot be found or imported, it defines no `run` function, or `run` does not take
    `(helper: ExperimentHelper, cfg: <a @configuration class>)`. The message says which
    and shows the expected signature.

    Attributes:
        where: the Python file or module.
        problem: what is wrong.
    """

    exit_code: ClassVar[int] = EXIT_USAGE

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(where, problem)
        self.where = where
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


def _did_you_mean(name: str, known: Sequence[str]) -> str:
    from xpm.launchers.plumbing import close_matches

    return _hint(close_matches(name, known))


def _hint(suggestions: Sequence[str]) -> str:
    """Return ". Did you mean 'a' or 'b'?" to end a message, or "" without suggestions."""
    from xpm.launchers.plumbing import did_you_mean

    return f". {did_you_mean(suggestions, capital=True)}" if suggestions else ""


# `run_command`, the former name of `run_program`, still imports.
TYPE_CHECKING = False
if TYPE_CHECKING:
    run_command = run_program
else:

    def __getattr__(name: str) -> object:
        if name == "run_command":
            return run_program
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
