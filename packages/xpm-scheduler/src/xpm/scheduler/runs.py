"""The run format: `<workspace>/experiments/<name>/<run id>/`, written and read here only.

An experiment process writes one run folder per `with experiment(...)` block (a
`RunWriter`): `jobs.jsonl`, one line per submitted job with its tags and dependencies
(flushed before the job's folder is written), and `status.json`, the run's status and
its jobs' states, rewritten atomically at most every 0.5 s.
`experiments/<name>/current` points at the newest run. The CLI and the monitor read
runs back with `list_runs`, `read_run` and `read_submitted`; nothing else knows these
file names (docs/dev/workspace-layout.md describes them).
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from json.encoder import encode_basestring_ascii as _quote
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, final

from .atomic import read_json, write_chunks_atomic
from .checked import pid as checked_pid
from .checked import skipped, timestamp

if TYPE_CHECKING:
    from .job import Job


@final
@dataclass(frozen=True)
class SubmittedJob:
    """One line of a run's `jobs.jsonl`: a job this run submitted, with its tags."""

    job_id: str
    tags: Mapping[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    submitted: float | None = None


@final
@dataclass(frozen=True)
class RunRecord:
    """One run of an experiment: `experiments/<name>/<run id>/`.

    Attributes:
        experiment: The experiment's name.
        run: The run id (`YYYYMMDD_HHMMSS`).
        folder: The run folder.
        status: `running`, `done`, `failed` or `interrupted` (running runs whose process
            is gone read as `interrupted`).
        started: Start time (Unix seconds).
        ended: End time, once ended.
        host: The machine of the experiment process.
        pid: Its process id.
        jobs: States of the run's jobs when the run last wrote them, by job id.
    """

    experiment: str
    run: str
    folder: Path
    status: str
    started: float | None = None
    ended: float | None = None
    host: str | None = None
    pid: int | None = None
    jobs: Mapping[str, str] = field(default_factory=dict)

    def submitted(self, *, mentioning: str | None = None) -> list[SubmittedJob]:
        """Return the jobs of this run, in submission order (from `jobs.jsonl`); with
        `mentioning`, only those whose line holds that text (see `read_submitted`)."""
        return read_submitted(self.folder / "jobs.jsonl", mentioning=mentioning)


def read_submitted(path: Path, *, mentioning: str | None = None) -> list[SubmittedJob]:
    """Read a `jobs.jsonl`; a damaged line is skipped with a warning, and a torn last
    line (a run that was killed while writing it) is skipped silently.

    `mentioning`: read only the lines holding this text (an identifier, say): looking
    up one job in a run of 100,000 then parses one line, not the whole file. Warnings
    name lines as the whole file numbers them.
    """
    try:
        data = path.read_bytes()
    except OSError:
        return []
    lines = [line for line in data.splitlines() if line.strip()]
    last = len(lines)
    numbers: Sequence[int] = range(1, last + 1)
    if mentioning is not None:
        needle = mentioning.encode()
        numbers = [n for n, line in zip(numbers, lines, strict=True) if needle in line]
        lines = [lines[n - 1] for n in numbers]
    try:
        # One parse of the whole file is several times faster than one per line.
        rows = json.loads(b"[" + b",".join(lines) + b"]")
        if len(rows) != len(lines):
            raise ValueError("a line holds more than one value")
        numbered = list(zip(numbers, rows, strict=True))
    except (ValueError, RecursionError):
        torn = last if not data.endswith(b"\n") else None
        numbered = list(_parse_lines(path, zip(numbers, lines, strict=True), torn))
    jobs: list[SubmittedJob] = []
    for line_number, row in numbered:
        job = _submitted_job(row)
        if isinstance(job, str):
            skipped(path, line_number, job)
        else:
            jobs.append(job)
    return jobs


def _parse_lines(
    path: Path, lines: Iterable[tuple[int, bytes]], torn: int | None
) -> Iterator[tuple[int, Any]]:
    """Parse numbered lines one by one; line `torn` may be cut short, silently."""
    for line_number, line in lines:
        try:
            yield line_number, json.loads(line.decode("utf-8"))
        except UnicodeDecodeError:
            skipped(path, line_number, "not UTF-8 text")
        except (ValueError, RecursionError):
            if line_number != torn:
                skipped(path, line_number, "not JSON")


def _submitted_job(row: Any) -> SubmittedJob | str:
    """Return the job a line of `jobs.jsonl` records, or why the line is damaged."""
    if not isinstance(row, dict):
        return "not a JSON object"
    job = row.get("job")
    if not isinstance(job, str) or "/" not in job:
        return "job is not a job name (<type id>/<identifier>)"
    tags = row.get("tags") or {}
    if not isinstance(tags, dict):
        return "tags is not an object"
    for key, value in tags.items():
        if value is not None and not isinstance(value, (bool, int, float, str)):
            return f"tag {key!r} is not a number, string, boolean or null"
    depends_on = row.get("depends_on") or []
    if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
        return "depends_on is not a list of job names"
    return SubmittedJob(job, tags, tuple(depends_on), timestamp(row.get("submitted")))


def read_run(folder: Path) -> RunRecord | None:
    """Read one run folder; None when it has no readable `status.json`."""
    data = read_json(folder / "status.json")
    if not isinstance(data, dict):
        return None
    status = data.get("status")
    if status not in _STATUSES:
        status = "running"
    pid = checked_pid(data.get("pid"))
    host = data.get("host") if isinstance(data.get("host"), str) else None
    if status == "running" and pid is not None and host == os.uname().nodename:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            status = "interrupted"
        except PermissionError:
            pass
    jobs = data.get("jobs")
    return RunRecord(
        experiment=folder.parent.name,
        run=folder.name,
        folder=folder,
        status=status,
        started=timestamp(data.get("started")),
        ended=timestamp(data.get("ended")),
        host=host,
        pid=pid,
        jobs=(
            {k: v for k, v in jobs.items() if isinstance(v, str)} if isinstance(jobs, dict) else {}
        ),
    )


_STATUSES = frozenset(("running", "done", "failed", "interrupted"))


def list_runs(workdir: str | os.PathLike[str], experiment: str) -> list[RunRecord]:
    """Return the runs of `experiment`, oldest first."""
    root = Path(workdir) / "experiments" / experiment
    try:
        names = sorted(
            e.name
            for e in os.scandir(root)
            if e.is_dir(follow_symlinks=False) and e.name[0].isdigit()
        )
    except OSError:
        return []
    runs = [read_run(root / name) for name in names]
    return [r for r in runs if r is not None]


def list_experiments(workdir: str | os.PathLike[str]) -> list[str]:
    """Return the names of the workspace's experiments, sorted."""
    try:
        return sorted(e.name for e in os.scandir(Path(workdir) / "experiments") if e.is_dir())
    except OSError:
        return []


class RunWriter:
    """Writes one run of an experiment; the folder is made on the first submission.

    `jobs` is the experiment's live table of jobs (by job id), read for `status.json`.

    `record` is called from the submitting thread, `write_status` from the scheduling
    thread: lines of `jobs.jsonl` go through one file under a lock, flushed before the
    job's folder is written, so that a job folder on disk is always listed by its run.
    The line of a job whose folder exists already (found done) waits for the next
    flush: the next new job's, `flush()`, or one second at most.
    """

    def __init__(
        self, workdir: Path, experiment: str, started: float, jobs: Mapping[str, Job]
    ) -> None:
        self.jobs = jobs
        self.root = workdir / "experiments" / experiment
        self.experiment = experiment
        self.started = started
        self.folder: Path | None = None
        self._jobs_file: TextIO | None = None
        self._lock = threading.Lock()
        self._flushed = 0.0

    def record(self, job: Job, *, on_disk: bool = False) -> None:
        """Append `job` to the run's `jobs.jsonl` (making the run folder if needed).

        `on_disk`: the job's folder exists already, so the line need not reach the file
        before anything else happens (a re-run of 100,000 done jobs saves a write each).
        """
        folder = self._folder()
        text = job_line(job, time.time())
        with self._lock:
            if self._jobs_file is None:
                self._jobs_file = open(folder / "jobs.jsonl", "a", encoding="utf-8")  # noqa: SIM115
            self._jobs_file.write(text)
            # Flushed before the job's folder is written: a job on disk is always listed
            # by its run (`xpm jobs clean --orphans` and `xpm jobs stray` rely on it).
            if not on_disk or time.monotonic() - self._flushed > 1.0:
                self._jobs_file.flush()
                self._flushed = time.monotonic()

    def flush(self) -> None:
        """Make the recorded jobs visible to readers (CLI, monitor) now."""
        with self._lock:
            if self._jobs_file is not None:
                self._jobs_file.flush()
            self._flushed = time.monotonic()

    def write_status(self, status: str) -> None:
        """Rewrite `status.json`: `running`, `done`, `failed` or `interrupted`, and the
        state of each job; nothing when no job was submitted (no run folder)."""
        if self.folder is None:
            return
        head = {
            "experiment": self.experiment,
            "run": self.folder.name,
            "status": status,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started": self.started,
            "ended": None if status == "running" else time.time(),
        }
        write_chunks_atomic(self.folder / "status.json", _status_json(head, dict(self.jobs)))

    def close(self, status: str) -> None:
        """Close `jobs.jsonl` and write the final status."""
        with self._lock:
            if self._jobs_file is not None:
                self._jobs_file.close()
                self._jobs_file = None
        self.write_status(status)

    def _folder(self) -> Path:
        if self.folder is None:
            self.root.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(self.started))
            run_id, n = stamp, 1
            while True:
                try:
                    (self.root / run_id).mkdir()
                    break
                except FileExistsError:
                    n += 1
                    run_id = f"{stamp}_{n}"
            self.folder = self.root / run_id
            current = self.root / "current"
            tmp = self.root / f".current.{os.getpid()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(run_id)
            os.replace(tmp, current)
            self.write_status("running")
        return self.folder


def job_line(job: Job, submitted: float) -> str:
    """The `jobs.jsonl` line of `job`: what `json.dumps` makes of its dict, built by
    hand (a re-run of 100,000 done jobs writes 100,000 lines; the general encoder costs
    three times more)."""
    tags = json.dumps({k: _jsonable(v) for k, v in job.tags.items()}) if job.tags else "{}"
    depends = json.dumps([d.job_id for d in job.dependencies]) if job.dependencies else "[]"
    return (
        f'{{"job": {_quote(job.job_id)}, "type_id": {_quote(job.type_id)}, '
        f'"identifier": {_quote(job.identifier)}, "tags": {tags}, '
        f'"depends_on": {depends}, "submitted": {submitted!r}}}\n'
    )


def _status_json(head: dict[str, Any], jobs: Mapping[str, Job]) -> Iterator[bytes]:
    """`json.dumps({**head, "jobs": {job id: state}})`, encoded, a thousand jobs at a
    time: the whole text of 100,000 jobs would add 20 MB to the experiment's peak."""
    text = json.dumps(head, ensure_ascii=False)
    yield (text[:-1] + ', "jobs": {').encode()  # `head` is never empty
    items = iter(jobs.items())
    first = True
    while batch := [
        f"{json.dumps(job_id, ensure_ascii=False)}: {json.dumps(job.state.value)}"
        for job_id, job in itertools.islice(items, 1000)
    ]:
        yield (("" if first else ", ") + ", ".join(batch)).encode()
        first = False
    yield b"}}"


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
