"""Render the sbatch script of a job, and read what `sbatch --parsable` prints.

Everything here is pure: the SLURM launcher writes the text to the job folder and runs
`sbatch_command(path)`. SLURM reads `#SBATCH` lines like a command line, so values with
spaces are double-quoted; values holding a double quote or a line break are refused.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import PurePath

from xpm.core import ValidationError

_JOB_ID = re.compile(r"[0-9]+(_[0-9]+)?")
_UNSAFE = re.compile(r'["\x00-\x1f\x7f]')
_VARIABLE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class SlurmOptions:
    """sbatch options of a launcher; None leaves the cluster's default.

    Each field is the sbatch option of the same name (`mem_per_gpu` is `--mem-per-gpu`).
    Values are written as given: `time` is a SLURM time (`"2-00:00:00"`, see
    `slurm_time`), `mem` a SLURM size (`"16G"`). `extra` holds raw sbatch arguments
    (`"--signal=B:USR1@60"`), written last, one per `#SBATCH` line.
    """

    nodes: int | None = None
    time: str | None = None
    account: str | None = None
    qos: str | None = None
    partition: str | None = None
    constraint: str | None = None
    mem: str | None = None
    exclude: str | None = None
    mem_per_gpu: str | None = None
    cpus_per_task: int | None = None
    nodelist: str | None = None
    ntasks_per_node: int | None = None
    gpus: int | str | None = None
    gpus_per_node: int | str | None = None
    extra: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name, value in self._options():
            _check_value(name, str(value))
        for argument in self.extra:
            if not argument.startswith("-"):
                raise ValidationError(
                    f"{argument!r} is not an sbatch option: start it with - or --",
                    path="extra",
                    value=argument,
                )
            _check_value("extra", argument)

    def arguments(self) -> list[str]:
        """Return the options as sbatch arguments (`--partition=gpu`), extra last."""
        options = [f"--{name.replace('_', '-')}={value}" for name, value in self._options()]
        return options + list(self.extra)

    def _options(self) -> Iterator[tuple[str, int | str]]:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name != "extra" and value is not None:
                yield field.name, value


@dataclass(frozen=True)
class ArraySpec:
    """The task indices of a job array, and how many may run at once (`throttle`)."""

    indices: tuple[int, ...]
    throttle: int | None = None

    def __post_init__(self) -> None:
        if not self.indices or min(self.indices) < 0:
            raise ValidationError(
                "a job array needs at least one index, none negative",
                path="array.indices",
                value=self.indices,
            )
        if self.throttle is not None and self.throttle < 1:
            raise ValidationError("must be at least 1", path="array.throttle", value=self.throttle)

    def __str__(self) -> str:
        """Return the `--array` value: consecutive indices as ranges (`0-3,7,9%2`)."""
        ranges: list[str] = []
        ordered = sorted(set(self.indices))
        start = previous = ordered[0]
        for index in [*ordered[1:], None]:
            if index is not None and index == previous + 1:
                previous = index
                continue
            ranges.append(str(start) if start == previous else f"{start}-{previous}")
            if index is not None:
                start = previous = index
        throttle = f"%{self.throttle}" if self.throttle is not None else ""
        return ",".join(ranges) + throttle


def slurm_time(seconds: int) -> str:
    """Return `seconds` as a SLURM time limit, `D-HH:MM:SS` (SLURM counts minutes).

    Raises:
        ValidationError: `seconds` is negative.
    """
    if seconds < 0:
        raise ValidationError("cannot be negative", path="time", value=seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}-{hours:02d}:{minutes:02d}:{secs:02d}"


_SLURM_TIME = re.compile(
    r"(?:(?P<days>[0-9]+)-(?P<dh>[0-9]+)(?::(?P<dm>[0-9]+)(?::(?P<ds>[0-9]+))?)?"
    r"|(?P<a>[0-9]+)(?::(?P<b>[0-9]+)(?::(?P<c>[0-9]+))?)?)"
)


def slurm_seconds(text: str) -> int | None:
    """Return the seconds of a SLURM time limit (`"90"` minutes, `"1:30:00"`, `"2-12"`,
    `"1-00:00:00"`); None for `"INFINITE"`, `"UNLIMITED"` or a text SLURM would refuse."""
    match = _SLURM_TIME.fullmatch(text.strip())
    if match is None:
        return None
    parts = match.groupdict()
    if parts["days"] is not None:
        days, hours = int(parts["days"]), int(parts["dh"])
        minutes, seconds = int(parts["dm"] or 0), int(parts["ds"] or 0)
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    a, b, c = parts["a"], parts["b"], parts["c"]
    if c is not None:  # HH:MM:SS
        return (int(a) * 60 + int(b)) * 60 + int(c)
    if b is not None:  # MM:SS
        return int(a) * 60 + int(b)
    return int(a) * 60  # minutes


_SIZE_UNITS = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}


def slurm_megabytes(text: str) -> int | None:
    """Return the megabytes of a SLURM memory size (`"100M"`, `"16G"`, `"512"` = MB)."""
    match = re.fullmatch(r"\s*([0-9]+)\s*([KMGTkmgt]?)[Bb]?\s*", text)
    if match is None:
        return None
    return max(1, round(int(match.group(1)) * _SIZE_UNITS[(match.group(2) or "M").upper()]))


def render_sbatch_script(
    *,
    options: SlurmOptions,
    job_name: str,
    job_folder: PurePath,
    command: Sequence[str],
    dependencies: Sequence[str] = (),
    array: ArraySpec | None = None,
    stdout: PurePath | None = None,
    stderr: PurePath | None = None,
    environ: Mapping[str, str] | None = None,
    ignored_signals: Sequence[str] = (),
) -> str:
    """Return the text of the sbatch script that runs `command` in `job_folder`.

    The job runs in `job_folder` and writes `slurm-<job id>.out` and `.err` there
    (`slurm-<array id>_<task>.out` for an array). It starts only after every job in
    `dependencies` (SLURM job ids) completed successfully (`afterok`); if one of them
    fails, xpm cancels it (it does not ask SLURM to: a dependency submitted again makes
    the job wait for the new attempt instead). The script ends with
    `exec command`, so signals from `scancel` reach the command itself.

    With `stdout` (and `stderr`, which defaults to `stdout`), SLURM and the command
    append to these files instead, and the script itself changes to `job_folder` and
    redirects the command: running it with plain `bash` (as a job array task does)
    behaves the same. `environ` is exported before the command runs.
    `ignored_signals` (`"USR1"`) are ignored until the command handles them itself
    (`trap '' USR1`; the job process installs its handler first thing): a warning
    signal that SLURM sends early must not kill a job that is still starting.

    Raises:
        ValidationError: a value holds a line break or a double quote, a dependency
            is not a SLURM job id, an `environ` name is not a shell variable name, or
            `command` is empty.
    """
    if not command:
        raise ValidationError("the job needs a command to run", path="command")
    for dependency in dependencies:
        if not _JOB_ID.fullmatch(dependency):
            raise ValidationError(
                f"{dependency!r} is not a SLURM job id (like 123 or 123_4)",
                path="dependencies",
                value=dependency,
            )
    pattern = "%A_%a" if array is not None else "%j"
    folder = str(job_folder)
    out = str(stdout) if stdout is not None else f"{folder}/slurm-{pattern}.out"
    err = str(stderr or stdout) if stdout is not None else f"{folder}/slurm-{pattern}.err"
    directives = [
        f"--job-name={_quote('job_name', job_name)}",
        f"--chdir={_quote('job_folder', folder)}",
        f"--output={_quote('stdout', out)}",
        f"--error={_quote('stderr', err)}",
    ]
    if stdout is not None:
        directives.append("--open-mode=append")
    for argument in options.arguments():
        name, equal, value = argument.partition("=")
        directives.append(f"{name}={_quote(name, value)}" if equal else argument)
    if dependencies:
        directives.append("--dependency=afterok:" + ":".join(dependencies))
    if array is not None:
        directives.append(f"--array={array}")
    body = ["# Written by xpm: this job's folder holds its parameters and results."]
    if stdout is not None:
        body.append(f"cd {shlex.quote(folder)} || exit 1")
    for name, value in (environ or {}).items():
        if not _VARIABLE.fullmatch(name):
            raise ValidationError(
                f"{name!r} is not an environment variable name (letters, digits and _)",
                path=f"environ.{name}",
                value=value,
            )
        body.append(f"export {name}={shlex.quote(value)}")
    for name in ignored_signals:
        if not re.fullmatch(r"[A-Z0-9]+", name):
            raise ValidationError(
                f"{name!r} is not a signal name (like USR1)", path="ignored_signals", value=name
            )
        body.append(f"trap '' {name}")
    run = "exec " + shlex.join(command)
    if stdout is not None:
        run += f" >>{shlex.quote(out)} 2>>{shlex.quote(err)}"
    lines = ["#!/bin/bash", *(f"#SBATCH {directive}" for directive in directives), "", *body, run]
    return "\n".join(lines) + "\n"


def sbatch_command(script: PurePath) -> list[str]:
    """Return the command that submits `script` and prints only the job id."""
    return ["sbatch", "--parsable", str(script)]


def parse_sbatch_output(output: str) -> str | None:
    """Return the job id that `sbatch --parsable` printed (`"123"` or `"123;cluster"`).

    Returns None when the output holds no job id; the caller then reports the command's
    stderr in a `SlurmCommandError`.
    """
    for line in reversed(output.strip().splitlines()):
        job_id = line.strip().split(";", 1)[0]
        if job_id.isdigit():
            return job_id
    return None


def _check_value(name: str, value: str) -> None:
    if _UNSAFE.search(value):
        raise ValidationError(
            f"{value!r} holds a double quote or a control character, "
            "which an #SBATCH line cannot carry",
            path=name,
            value=value,
        )


def _quote(name: str, value: str) -> str:
    _check_value(name, value)
    return f'"{value}"' if re.search(r"\s", value) or not value else value
