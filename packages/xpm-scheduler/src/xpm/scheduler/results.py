"""The results of a run as rows: each job's tags and the numbers it wrote in a file.

A researcher's loop ends with a table: one row per job, the tags the experiment gave it
(`hidden=16 lr=0.1`) and the values it wrote in a file of its folder (`metrics.json`).
`experiment_results` reads the jobs of an experiment's latest run (or of a given run),
`read_results` any list of submitted jobs (what `xpm results --filter` selects). The
`xpm results` command, the monitor's Results tab and the examples all read through here.

Nested numbers are flattened with dots (`{"test": {"acc": 0.9}}` gives `test.acc`); the
parsed file stays available as `ResultRow.data` for values that are not plain numbers.
Job types none of whose jobs wrote the file (a training whose evaluation writes the
metrics) are left out; a job that did not write it (failed, still running) keeps its row,
its values missing. A damaged file is skipped with a warning, never an exception.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, final

from .errors import ResultsError
from .runs import SubmittedJob, list_experiments, list_runs

FILE_LIMIT = 16 * 1024 * 1024
"""Largest result file read, in bytes; a larger one is skipped with a warning."""


@final
@dataclass(frozen=True)
class ResultRow:
    """One job's row: its id, tags, the numbers of its result file, and that file parsed.

    Attributes:
        job_id: `<type id>/<identifier>`.
        tags: The tags the run gave the job.
        values: The file's numbers by key, nested keys joined by dots; empty when the
            file is missing or damaged.
        data: The parsed file (None when missing or damaged).
    """

    job_id: str
    tags: Mapping[str, Any]
    values: Mapping[str, float]
    data: Any = None

    def tag_text(self, name: str) -> str:
        """The tag `name` as tables and heatmaps show it (`0.1`, `bm25`, `-` if absent)."""
        return tag_text(self.tags.get(name))

    @property
    def short_name(self) -> str:
        """`<type id>/<first 8 characters of the identifier>`, as `xpm jobs show` takes it."""
        type_id, _, identifier = self.job_id.partition("/")
        return f"{type_id}/{identifier[:8]}"


@final
@dataclass(frozen=True)
class HeatmapGrid:
    """Means of one value over two tags: `cells[row, column]` is None where no job has it."""

    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], float | None]


@final
@dataclass(frozen=True)
class Results:
    """The rows of some jobs for one result file, and what went wrong reading them.

    Attributes:
        file: The file read in each job folder (`metrics.json`).
        rows: One row per job, in submission order.
        damaged: One message per result file that could not be read (skipped).
        absent: The short names of the jobs (of kept types) that have no result file.
    """

    file: str
    rows: tuple[ResultRow, ...]
    damaged: tuple[str, ...] = ()
    absent: tuple[str, ...] = field(default=())

    @property
    def tag_keys(self) -> list[str]:
        """Every tag name, in the order rows first show them."""
        return list(dict.fromkeys(k for row in self.rows for k in row.tags))

    @property
    def value_keys(self) -> list[str]:
        """Every value key, in the order rows first show them."""
        return list(dict.fromkeys(k for row in self.rows for k in row.values))

    def check_tag(self, name: str) -> str:
        """Return `name` if some row has that tag.

        Raises:
            ResultsError: no row has it (with the known tags and a suggestion).
        """
        return _known(name, self.tag_keys, "tag", f"the jobs reading {self.file}")

    def check_value(self, key: str) -> str:
        """Return `key` if some row has that value.

        Raises:
            ResultsError: no row has it (with the known keys and a suggestion).
        """
        return _known(key, self.value_keys, "value", self.file)

    def warnings(self, keys: Iterable[str] | None = None) -> list[str]:
        """Return what a reader should be told, one line each: damaged files, jobs without
        the file, and for each value key in `keys` (default: all) the jobs missing it."""
        notes = list(self.damaged)
        total = len(self.rows)
        if self.absent:
            notes.append(
                f"{len(self.absent)} of {total} jobs have no {self.file} (not done, or"
                f" failed): {_some(self.absent)}"
            )
        absent = set(self.absent)
        for key in self.value_keys if keys is None else keys:
            missing = [
                r.short_name
                for r in self.rows
                if key not in r.values and r.short_name not in absent
            ]
            if missing:
                notes.append(
                    f"{key}: missing in {len(missing)} of {total} jobs' {self.file}:"
                    f" {_some(missing)}"
                )
        return notes

    def grid(self, rows: str, columns: str, value: str) -> HeatmapGrid:
        """Return the mean of `value` for each pair of values of the tags `rows` and
        `columns`, over every other tag; labels sorted (numerically when all are numbers).

        Raises:
            ResultsError: a tag or the value is unknown.
        """
        self.check_tag(rows)
        self.check_tag(columns)
        self.check_value(value)
        found: dict[tuple[str, str], list[float]] = {}
        for row in self.rows:
            key = (tag_text(row.tags.get(rows)), tag_text(row.tags.get(columns)))
            numbers = found.setdefault(key, [])
            if value in row.values:
                numbers.append(row.values[value])
        row_labels = _sorted_labels(k[0] for k in found)
        column_labels = _sorted_labels(k[1] for k in found)
        cells = {
            (r, c): math.fsum(found[r, c]) / len(found[r, c]) if found.get((r, c)) else None
            for r in row_labels
            for c in column_labels
        }
        return HeatmapGrid(row_labels, column_labels, cells)


def tag_text(value: object) -> str:
    """A tag value as tables and heatmaps show it (`0.1`, `bm25`, `-` when absent)."""
    if value is None:
        return "-"
    return value if isinstance(value, str) else json.dumps(value)


def run_jobs(workdir: str | os.PathLike[str], experiment: str, run: str | None = None) -> list[
    SubmittedJob
]:  # fmt: skip
    """Return the jobs one run of `experiment` submitted (its latest run by default).

    Raises:
        ResultsError: the experiment, or the run, is not in the workspace.
    """
    names = list_experiments(workdir)
    if experiment not in names:
        known = ", ".join(names) if names else "none"
        raise ResultsError(
            f"no experiment {experiment!r} in the workspace {workdir} (its experiments:"
            f" {known}){_hint(experiment, names)}"
        )
    runs = list_runs(workdir, experiment)
    if run is None:
        if not runs:
            raise ResultsError(f"the experiment {experiment!r} has no run yet")
        return runs[-1].submitted()
    for record in runs:
        if record.run == run:
            return record.submitted()
    ids = [r.run for r in runs]
    raise ResultsError(
        f"the experiment {experiment!r} has no run {run!r} (its runs: {', '.join(ids)})"
        f"{_hint(run, ids)}"
    )


def experiment_results(
    workdir: str | os.PathLike[str],
    experiment: str,
    *,
    run: str | None = None,
    file: str = "metrics.json",
) -> Results:
    """Return the rows of the jobs of `experiment`'s latest run (or of `run`).

    Raises:
        ResultsError: unknown experiment or run, or `file` is not a relative file name.
    """
    return read_results(workdir, run_jobs(workdir, experiment, run), file=file)


def read_results(
    workdir: str | os.PathLike[str],
    jobs: Iterable[SubmittedJob],
    *,
    file: str = "metrics.json",
    reader: Callable[[str, str], bytes | None] | None = None,
) -> Results:
    """Return one row per job of `jobs` (duplicates once), reading `file` in each folder.

    `reader(job_id, file)` may replace how the file is read (the monitor follows no link
    out of the job folder): it returns at most `FILE_LIMIT + 1` bytes of the file, or
    None when the job has no such file.

    Raises:
        ResultsError: `file` is absolute or goes up (`..`).
    """
    if not file or os.path.isabs(file) or ".." in Path(file).parts:
        raise ResultsError(f"{file!r} is not a file name inside a job folder (e.g. metrics.json)")
    root = Path(workdir) / "jobs"
    rows: list[ResultRow] = []
    damaged: list[str] = []
    absent: list[str] = []
    seen: set[str] = set()
    for job in jobs:
        if job.job_id in seen:
            continue
        seen.add(job.job_id)
        path = root / job.job_id / file
        data, problem = _read(path) if reader is None else _parse(reader(job.job_id, file))
        if problem == "absent":
            absent.append(job.job_id)
        elif problem:
            damaged.append(f"{path}: {problem}; skipped")
        values: dict[str, float] = {}
        _flatten(data, "", values)
        rows.append(ResultRow(job.job_id, dict(job.tags), values, data))
    wrote = {row.job_id.partition("/")[0] for row in rows if row.job_id not in absent}
    kept = tuple(row for row in rows if row.job_id.partition("/")[0] in wrote)
    absent_kept = tuple(a for a in absent if a.partition("/")[0] in wrote)
    return Results(file, kept, tuple(damaged), tuple(_short(a) for a in absent_kept))


def _read(path: Path) -> tuple[Any, str]:
    """Return the parsed file and "" , or None and "absent" or what is wrong with it."""
    try:
        with open(path, "rb") as f:
            raw = f.read(FILE_LIMIT + 1)
    except FileNotFoundError:
        return None, "absent"
    except OSError as e:
        return None, f"cannot be read ({e.strerror or e})"
    return _parse(raw)


def _parse(raw: bytes | None) -> tuple[Any, str]:
    if raw is None:
        return None, "absent"
    if len(raw) > FILE_LIMIT:
        return None, f"larger than {FILE_LIMIT // (1024 * 1024)} MiB"
    try:
        return json.loads(raw), ""
    except ValueError as e:
        return None, f"not valid JSON ({e})"


def _flatten(value: Any, prefix: str, into: dict[str, float]) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        if math.isfinite(value):
            into[prefix or "value"] = value
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), into)


def _sorted_labels(labels: Iterable[str]) -> list[str]:
    unique = list(dict.fromkeys(labels))
    try:
        return sorted(unique, key=float)
    except ValueError:
        return unique


def _short(job_id: str) -> str:
    type_id, _, identifier = job_id.partition("/")
    return f"{type_id}/{identifier[:8]}"


def _some(names: Sequence[str]) -> str:
    shown = ", ".join(names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _hint(name: str, known: Sequence[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, known, n=2)
    close += [k for k in known if k not in close and (k.startswith(name) or name.startswith(k))]
    close = close[:2]
    if not close:
        return ""
    return ". Did you mean " + " or ".join(repr(c) for c in close) + "?"


def _known(name: str, known: list[str], what: str, where: str) -> str:
    if name in known:
        return name
    listing = ", ".join(known) if known else "none"
    raise ResultsError(f"no {what} {name!r} in {where} (known: {listing}){_hint(name, known)}")
