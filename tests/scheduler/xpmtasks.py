"""Tasks run by the scheduler tests: job processes import them from this module.

Each task appends a line to `<log>` when it runs, so tests count executions across
processes; times are written so tests can check overlap.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Annotated, Any

from xpm.core import (
    Config,
    LightweightTask,
    Meta,
    Param,
    SubmitHook,
    Task,
    cache,
    pathgenerator,
    progress,
)


def record(log: Path, **fields: Any) -> None:
    """Append one JSON line to `log` (O_APPEND: lines from processes never mix)."""
    line = json.dumps({"pid": os.getpid(), "time": time.time(), **fields}) + "\n"
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def runs(log: Path) -> list[dict[str, Any]]:
    """Read back what `record` wrote."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


class Step(Task):
    """Writes x+1 to its output after `sleep` seconds; fails when x < 0."""

    x: Param[int]
    prev: Param[Step | None] = None
    sleep: Meta[float] = 0.0
    log: Meta[Path]
    out: Annotated[Path, pathgenerator("out.txt")]

    def execute(self) -> None:
        record(self.log, task="step", x=self.x, event="start")
        progress(0.5, desc="stepping")
        time.sleep(self.sleep)
        if self.x < 0:
            raise ValueError(f"negative x: {self.x}")
        base = int(self.prev.out.read_text()) if self.prev is not None else 0
        self.out.write_text(str(base + self.x + 1))
        record(self.log, task="step", x=self.x, event="end")


class Crash(Task):
    """Ends its own process in a way Python cannot catch."""

    how: Param[str]

    def execute(self) -> None:
        import signal

        if self.how == "exit":
            os._exit(3)
        os.kill(os.getpid(), getattr(signal, self.how))
        time.sleep(30)


class Sleeper(Task):
    """Sleeps until killed; records its start."""

    seconds: Param[float]
    log: Meta[Path]

    def execute(self) -> None:
        record(self.log, task="sleeper", event="start")
        time.sleep(self.seconds)
        record(self.log, task="sleeper", event="end")


class SetEnv(LightweightTask):
    """An init task: leaves a file proving it ran first."""

    def execute(self) -> None:
        Path("init-ran").write_text("yes")


class needs_flag(SubmitHook):
    """A submit hook that sets an environment variable for the job."""

    def process(self, job: Any, launcher: Any) -> None:
        job.environ["XPM_TEST_FLAG"] = "on"


@needs_flag()
class EnvReader(Task):
    """Writes what the hook and the init task left for it."""

    def execute(self) -> None:
        Path("seen.json").write_text(
            json.dumps({"flag": os.environ.get("XPM_TEST_FLAG"), "init": Path("init-ran").exists()})
        )


class Vocabulary(Config):
    """A config whose method caches a file in the workspace."""

    size: Param[int]

    @cache("vocab.txt")
    def build(self, path: Path, log: Path) -> str:
        if not path.exists():
            record(log, task="vocab")
            path.write_text("w" * self.size)
        return path.read_text()


class UsesVocab(Task):
    vocab: Param[Vocabulary]
    log: Meta[Path]

    def execute(self) -> None:
        Path("vocab-len").write_text(str(len(self.vocab.build(self.log))))


class Anything(Task):
    """Takes any value, even one that cannot be stored."""

    value: Param[Any]

    def execute(self) -> None:
        pass


class Hog(Task):
    """Allocates and touches `megabytes` of memory, then holds it for `hold` seconds."""

    megabytes: Param[int]
    hold: Meta[float] = 30.0

    def execute(self) -> None:
        block = bytearray(self.megabytes * 1024 * 1024)
        for offset in range(0, len(block), 4096):
            block[offset] = 1
        time.sleep(self.hold)
