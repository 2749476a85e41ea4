"""The monitor's picture of a workspace, refreshed cheaply and compared to find changes.

Reading 10,000 job folders twice a second would be slow, so a rescan costs one `stat`
per job folder: a folder is read again (with `read_job`) only when its modification time
changed, which every marker written by rename does, when it changed in the last two
seconds (timestamps are coarse), or when its job runs (a process can die without
writing anything). Runs are re-read when their `status.json` or `jobs.jsonl` changes.
Each rescan returns what differs from the previous one, for the browser to apply.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, final

from ..jobpaths import JobPaths
from ..records import JobRecord, JobState, process_alive, read_job
from ..runs import list_experiments, read_run, read_submitted
from .access import is_name_valid
from .encoding import encode_json

_RECENT = 2.0
"""Seconds during which a folder changed recently is read again at every rescan."""


def job_summary(record: JobRecord) -> dict[str, Any]:
    """Return what the jobs table shows of one job, as JSON."""
    failure = record.failure
    progress = record.progress
    return {
        "id": record.job_id,
        "type": record.type_id,
        "state": str(record.state),
        "progress": None if progress is None else progress.fraction,
        "progress_desc": None if progress is None else progress.desc,
        "started": record.started,
        "ended": record.ended,
        "failure": None if failure is None else failure.describe(),
        "reason": None if failure is None else failure.reason,
        "launcher": None if record.process is None else record.process.get("type"),
    }


@dataclass
class _JobEntry:
    mtime_ns: int
    summary: dict[str, Any]
    process: dict[str, Any] | None


@dataclass
class _RunEntry:
    status_stamp: tuple[int, int] | None
    jobs_stamp: tuple[int, int] | None
    checked: float
    info: dict[str, Any]
    submitted: list[dict[str, Any]] = field(default_factory=list)


@final
@dataclass(frozen=True)
class Change:
    """What one rescan found different.

    Attributes:
        version: The snapshot's version after the change.
        jobs: Summaries of the jobs that appeared or changed.
        removed: Ids of job folders that disappeared.
        experiments: The new list of experiments and runs, when it changed.
        runs: `(experiment, run)` pairs whose list of jobs (`jobs.jsonl`) changed.
    """

    version: int
    jobs: list[dict[str, Any]]
    removed: list[str]
    experiments: list[dict[str, Any]] | None
    runs: list[tuple[str, str]]

    def to_json(self) -> dict[str, Any]:
        """Return the change as sent to browsers in a Server-Sent Event."""
        data: dict[str, Any] = {"version": self.version, "jobs": self.jobs}
        if self.removed:
            data["removed"] = self.removed
        if self.experiments is not None:
            data["experiments"] = self.experiments
        if self.runs:
            data["runs"] = [list(r) for r in self.runs]
        return data


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


@final
class WorkspaceSnapshot:
    """The jobs and experiment runs of a workspace, as last scanned.

    `rescan` runs in one thread (the monitor's watcher); the readers (`state_json`,
    `submitted`, `job`) may run in any thread.
    """

    def __init__(self, workdir: str | os.PathLike[str]) -> None:
        self.workdir = Path(workdir)
        self._lock = threading.Lock()
        self._jobs: dict[str, _JobEntry] = {}
        self._runs: dict[tuple[str, str], _RunEntry] = {}
        self._experiments: list[dict[str, Any]] = []
        self._version = 0
        self._state_cache: tuple[int, bytes] | None = None

    @property
    def version(self) -> int:
        """How many rescans found a change; browsers use it to order updates."""
        return self._version

    def state_json(self) -> bytes:
        """Return every job and run as one JSON document (cached until the next change)."""
        with self._lock:
            if self._state_cache is None or self._state_cache[0] != self._version:
                data = {
                    "version": self._version,
                    "workdir": str(self.workdir),
                    "jobs": [e.summary for e in self._jobs.values()],
                    "experiments": self._experiments,
                }
                self._state_cache = (self._version, encode_json(data))
            return self._state_cache[1]

    def submitted(self, experiment: str, run: str) -> list[dict[str, Any]] | None:
        """Return the jobs `jobs.jsonl` lists for a run, None for an unknown run."""
        with self._lock:
            entry = self._runs.get((experiment, run))
            return None if entry is None else entry.submitted

    def job(self, job_id: str) -> dict[str, Any] | None:
        """Return the last summary of a job, None if the scan has not seen it."""
        with self._lock:
            entry = self._jobs.get(job_id)
            return None if entry is None else entry.summary

    def run_ids(self) -> list[tuple[str, str]]:
        """Return every known `(experiment, run)`."""
        with self._lock:
            return list(self._runs)

    def rescan(self) -> Change | None:
        """Read what changed since the last scan; None when nothing did."""
        now = time.time()
        jobs, removed = self._scan_jobs(now)
        experiments, runs = self._scan_runs(now)
        if not jobs and not removed and experiments is None and not runs:
            return None
        with self._lock:
            self._version += 1
            return Change(self._version, jobs, removed, experiments, runs)

    def _scan_jobs(self, now: float) -> tuple[list[dict[str, Any]], list[str]]:
        seen: set[str] = set()
        changed: list[dict[str, Any]] = []
        root = self.workdir / "jobs"
        recent_ns = int((now - _RECENT) * 1e9)
        for type_entry in _dirs(root):
            for job_entry in _dirs(Path(type_entry.path)):
                job_id = f"{type_entry.name}/{job_entry.name}"
                try:
                    mtime_ns = job_entry.stat(follow_symlinks=False).st_mtime_ns
                except OSError:
                    continue
                seen.add(job_id)
                entry = self._jobs.get(job_id)
                if (
                    entry is not None
                    and entry.mtime_ns == mtime_ns
                    and mtime_ns < recent_ns
                    and (
                        entry.process is None
                        or self._is_alive(entry.process, job_entry.path, type_entry.name)
                    )
                ):
                    continue
                paths = JobPaths(Path(job_entry.path), JobPaths.name_of(type_entry.name))
                record = read_job(paths)
                summary = job_summary(record)
                alive = record.state in (JobState.RUNNING, JobState.WAITING)
                process = dict(record.process) if alive and record.process is not None else None
                with self._lock:
                    self._jobs[job_id] = _JobEntry(mtime_ns, summary, process)
                if entry is None or entry.summary != summary:
                    changed.append(summary)
        removed = [job_id for job_id in self._jobs if job_id not in seen]
        if removed:
            with self._lock:
                for job_id in removed:
                    del self._jobs[job_id]
        return changed, removed

    @staticmethod
    def _is_alive(process: dict[str, Any], folder: str, type_id: str) -> bool:
        if process.get("type") != "local":
            return True  # SLURM and others: the markers say when they end
        paths = JobPaths(Path(folder), JobPaths.name_of(type_id))
        return process_alive(process, paths) is not False

    def _scan_runs(self, now: float) -> tuple[list[dict[str, Any]] | None, list[tuple[str, str]]]:
        experiments: list[dict[str, Any]] = []
        changed_runs: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        for name in list_experiments(self.workdir):
            if not is_name_valid(name):
                continue
            runs = []
            for run_dir in _dirs(self.workdir / "experiments" / name):
                if not run_dir.name[0].isdigit() or not is_name_valid(run_dir.name):
                    continue
                key = (name, run_dir.name)
                entry = self._refresh_run(key, Path(run_dir.path), now, changed_runs)
                if entry is not None:
                    seen.add(key)
                    runs.append({**entry.info, "submitted": len(entry.submitted)})
            runs.sort(key=lambda r: str(r["run"]))
            experiments.append({"name": name, "runs": runs})
        with self._lock:
            for key in [k for k in self._runs if k not in seen]:
                del self._runs[key]
            if experiments == self._experiments:
                return None, changed_runs
            self._experiments = experiments
        return experiments, changed_runs

    def _refresh_run(
        self, key: tuple[str, str], folder: Path, now: float, changed: list[tuple[str, str]]
    ) -> _RunEntry | None:
        status_stamp = _stamp(folder / "status.json")
        jobs_stamp = _stamp(folder / "jobs.jsonl")
        entry = self._runs.get(key)
        is_stale = (
            entry is None
            or entry.status_stamp != status_stamp
            or (entry.info["status"] == "running" and now - entry.checked > _RECENT)
        )
        if is_stale:
            record = read_run(folder)
            if record is None:
                return None
            info = {
                "experiment": key[0],
                "run": key[1],
                "status": record.status,
                "started": record.started,
                "ended": record.ended,
                "host": record.host,
                "jobs": len(record.jobs),
            }
            submitted = [] if entry is None else entry.submitted
            entry = _RunEntry(status_stamp, None if entry is None else entry.jobs_stamp, now, info)
            entry.submitted = submitted
        assert entry is not None
        if entry.jobs_stamp != jobs_stamp:
            entry.jobs_stamp = jobs_stamp
            entry.submitted = [
                {
                    "job": s.job_id,
                    "tags": dict(s.tags),
                    "depends_on": list(s.depends_on),
                    "submitted": s.submitted,
                }
                for s in read_submitted(folder / "jobs.jsonl")
            ]
            changed.append(key)
        with self._lock:
            self._runs[key] = entry
        return entry


def _dirs(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return sorted((e for e in it if e.is_dir(follow_symlinks=False)), key=lambda e: e.name)
    except OSError:
        return []
