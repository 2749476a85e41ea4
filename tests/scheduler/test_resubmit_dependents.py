"""Dependents queued in a batch system follow their dependency's retries (issue 15).

A fake batch launcher (native dependencies, like SLURM) records what the scheduler asks
of it; the test plays the cluster: it reports each job's end, in the orders a real
cluster can produce them.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from xpm.scheduler import (
    EndCallback,
    Ending,
    ExperimentFailed,
    JobLaunch,
    JobState,
    Launcher,
    experiment,
)

from .resumabletasks import Flaky, Trainer


class FakeBatch(Launcher):
    """Queues jobs like SLURM; ends them only when the test says so."""

    native_dependencies = True

    def __init__(self) -> None:
        self.lock = threading.Condition()
        self.started: list[tuple[str, int, tuple[object, ...]]] = []
        self.ends: dict[int, EndCallback] = {}
        self.folders: dict[int, Path] = {}
        self.updates: list[tuple[object, tuple[object, ...]]] = []
        self.reattached: list[object] = []
        self.killed: list[object] = []
        self.next_id = 0

    def start(self, launch: JobLaunch, on_end: EndCallback) -> Mapping[str, object]:
        with self.lock:
            self.next_id += 1
            self.started.append((launch.name, self.next_id, tuple(r["id"] for r in launch.after)))
            self.ends[self.next_id] = on_end
            self.folders[self.next_id] = launch.folder
            self.lock.notify_all()
            return {"type": "fake", "id": self.next_id}

    def reattach(
        self, launch: JobLaunch, record: Mapping[str, object], on_end: EndCallback
    ) -> bool:
        with self.lock:
            if record.get("type") != "fake":
                return False
            self.reattached.append(record["id"])
            self.ends[int(record["id"])] = on_end  # type: ignore[call-overload]
            self.lock.notify_all()
            return True

    def kill(self, record: Mapping[str, object]) -> bool:
        self.killed.append(record["id"])
        return True

    def update_dependencies(
        self, record: Mapping[str, object], after: Sequence[Mapping[str, object]]
    ) -> bool:
        with self.lock:
            self.updates.append((record["id"], tuple(r["id"] for r in after)))
            self.lock.notify_all()
        return True

    def wait_for(self, predicate: Callable[[], bool]) -> None:
        with self.lock:
            assert self.lock.wait_for(predicate, timeout=20), "timed out"

    def end(self, batch_id: int, ending: Ending, *, done: bool = False) -> None:
        if done:
            name = next(n for n, i, _ in self.started if i == batch_id)
            (self.folders[batch_id] / f"{name}.done").write_text("")
        self.ends[batch_id](ending)


def _play(launcher: FakeBatch, script: Callable[[FakeBatch], None]) -> threading.Thread:
    def run() -> None:
        script(launcher)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


TIMEOUT = Ending(None, 15, "timeout", "SLURM: TIMEOUT")
DEPENDENCY = Ending(None, reason="dependency", message="SLURM: never satisfied")


@pytest.mark.parametrize("dependent_reported_first", [False, True])
def test_a_queued_dependent_waits_for_the_retry_and_runs_once(
    tmp_path: Path, dependent_reported_first: bool
) -> None:
    """Whether the cluster reports the dependent's never-satisfied dependency before or
    after its dependency's time-out, the dependent is re-pointed, never resubmitted."""
    batch = FakeBatch()

    def cluster(b: FakeBatch) -> None:
        b.wait_for(lambda: len(b.started) == 2)  # trainer #1, then flaky after it
        if dependent_reported_first:
            b.end(2, DEPENDENCY)
        b.end(1, TIMEOUT)
        if not dependent_reported_first:
            b.wait_for(lambda: len(b.started) == 3)
            b.end(2, DEPENDENCY)
        b.wait_for(lambda: len(b.started) == 3 and bool(b.updates))
        if dependent_reported_first:
            b.wait_for(lambda: b.reattached == [2])
        b.end(3, Ending(0), done=True)
        b.end(2, Ending(0), done=True)

    thread = _play(batch, cluster)
    with experiment(tmp_path / "ws", "repoint", launcher=batch):
        trainer = Trainer.C(steps=1, log=tmp_path / "log")
        trainer.submit()
        dependent = Flaky.C(failures=0, log=tmp_path / "log2")
        dependent.add_dependencies(trainer).submit()
    thread.join(5)
    assert [(name, after) for name, _, after in batch.started] == [
        ("trainer", ()),
        ("flaky", (1,)),
        ("trainer", ()),
    ]
    # Re-pointed once, or again when the cluster reported it after the first update.
    assert batch.updates and set(batch.updates) == {(2, (3,))}
    assert batch.killed == []
    assert dependent.job.state is JobState.DONE


def test_the_dependents_of_a_job_that_fails_for_good_are_cancelled(tmp_path: Path) -> None:
    batch = FakeBatch()

    def cluster(b: FakeBatch) -> None:
        b.wait_for(lambda: len(b.started) == 2)
        b.end(1, Ending(1, message="SLURM: FAILED"))
        b.end(2, DEPENDENCY)

    thread = _play(batch, cluster)
    with pytest.raises(ExperimentFailed), experiment(tmp_path / "ws", "cancel", launcher=batch):
        failing = Flaky.C(failures=5, log=tmp_path / "log")
        failing.submit()
        dependent = Flaky.C(failures=0, log=tmp_path / "log2")
        dependent.add_dependencies(failing).submit()
    thread.join(5)
    assert len(batch.started) == 2 and batch.updates == []
    assert batch.killed == [2]
    failed = json.loads((dependent.jobpath / "flaky.failed").read_text())
    job_id = "/".join(failing.jobpath.parts[-2:])
    assert (failed["reason"], failed["message"]) == ("dependency", f"{job_id} failed")
