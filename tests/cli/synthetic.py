"""Synthetic workspaces for the `xpm jobs` tests, written as docs/dev/workspace-layout.md says."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xpm.scheduler import JobPaths
from xpm.scheduler.locks import acquire_job_lock
from xpm.scheduler.pids import ProcessIdentity


def identifier(seed: str) -> str:
    """Return a 64-hex identifier derived from `seed`."""
    return hashlib.sha256(seed.encode()).hexdigest()


@dataclass
class SyntheticWorkspace:
    """A workspace folder filled job by job; running jobs are real sleeping processes."""

    workdir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def job(
        self,
        type_id: str,
        seed: str,
        state: str,
        *,
        failure: Mapping[str, Any] | int | None = None,
        stdout: str = "",
        stderr: str = "",
        process: Mapping[str, Any] | None = None,
    ) -> str:
        """Write a job folder in `state` (done, failed, running, unscheduled); return its name."""
        paths = JobPaths.of(self.workdir, type_id, identifier(seed))
        paths.folder.mkdir(parents=True, exist_ok=True)
        params = {"type": type_id, "job": {"type_id": type_id, "identifier": identifier(seed)}}
        paths.params.write_text(json.dumps(params))
        if stdout:
            paths.stdout.write_text(stdout)
        if stderr:
            paths.stderr.write_text(stderr)
        if state != "unscheduled":
            paths.started.write_text(json.dumps({"time": time.time() - 60, "host": "vm"}))
        if state == "done":
            paths.done.touch()
        elif state == "failed":
            record = failure if failure is not None else {"code": 1, "reason": "failed"}
            paths.failed.write_text(json.dumps(record))
        elif state == "running":
            if process is None:
                # Like a real job process, the sleeper holds the job's lock for its run.
                lock = acquire_job_lock(paths.lock)
                assert lock is not None
                with lock:
                    sleeper = subprocess.Popen(
                        [sys.executable, "-c", "import time; time.sleep(120)"],
                        start_new_session=True,
                        pass_fds=(lock.fd,),
                    )
                self.processes.append(sleeper)
                identity = ProcessIdentity.of(sleeper.pid)
                assert identity is not None
                process = identity.to_json()
            paths.pid.write_text(json.dumps(process))
        return f"{type_id}/{identifier(seed)}"

    def run(
        self,
        experiment: str,
        run_id: str,
        jobs: Sequence[tuple[str, Mapping[str, Any]]],
        *,
        status: str = "done",
        states: Mapping[str, str] | None = None,
        started: float = 1763890000.0,
    ) -> Path:
        """Write an experiment run that submitted `jobs` (name, tags); return its folder."""
        folder = self.workdir / "experiments" / experiment / run_id
        folder.mkdir(parents=True)
        with (folder / "jobs.jsonl").open("w") as out:
            for name, tags in jobs:
                type_id, ident = name.split("/")
                line = {
                    "job": name,
                    "type_id": type_id,
                    "identifier": ident,
                    "tags": dict(tags),
                    "depends_on": [],
                    "submitted": started,
                }
                out.write(json.dumps(line) + "\n")
        record = {
            "experiment": experiment,
            "run": run_id,
            "status": status,
            "host": "elsewhere",
            "pid": 1,
            "started": started,
            "ended": None if status == "running" else started + 10,
            "jobs": dict(states) if states is not None else {name: "done" for name, _ in jobs},
        }
        (folder / "status.json").write_text(json.dumps(record))
        current = folder.parent / "current"
        if current.is_symlink():
            current.unlink()
        os.symlink(run_id, current)
        (folder.parent / "results").mkdir(exist_ok=True)
        return folder

    def stop(self) -> None:
        """End the sleeping processes that are left."""
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()
