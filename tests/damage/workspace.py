"""A real workspace to damage, and the ways of damaging one file of it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

ROOT = Path(__file__).parents[2]

EXPERIMENT = """
import sys
from pathlib import Path

from tests.scheduler.xpmtasks import Step
from xpm.core import XpmError
from xpm.scheduler import ExperimentFailed, experiment

workspace, log = Path(sys.argv[1]), Path(sys.argv[2])
try:
    with experiment(workspace, "fuzz") as xp:
        gpu = xp.token("gpu", 1)
        first = gpu(1, Step.C(x=0, log=log)).submit()
        Step.C(x=1, prev=first, log=log).submit()
        Step.C(x=-1, log=log).submit()
except (ExperimentFailed, XpmError) as error:
    print(f"failed: {error}", file=sys.stderr)
    sys.exit(1)
"""
"""Three jobs (done, done, failed), a token, one run; exit 1 when a job failed."""


def run_experiment(
    workspace: Path, log: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run (or rerun) the experiment on `workspace` in its own process."""
    script = workspace.parent / "experiment_fuzz.py"
    script.write_text(EXPERIMENT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, str(script), str(workspace), str(log)],
        capture_output=True, text=True, check=False, timeout=timeout, env=env, cwd=ROOT,
    )  # fmt: skip


def format_files(workspace: Path) -> list[str]:
    """Every file of the workspace's format, relative: those written and those that could be."""
    files = []
    for folder in sorted((workspace / "jobs").glob("*/*")):
        name = folder.parent.name.rsplit(".", 1)[-1]
        relative = folder.relative_to(workspace)
        files.append(f"{relative}/params.json")
        files.extend(f"{relative}/{name}.{ext}" for ext in ("done", "failed", "pid", "progress",
                                                             "started", "out", "err"))  # fmt: skip
    for run in sorted((workspace / "experiments").glob("*/2*")):
        relative = run.relative_to(workspace)
        files.extend((f"{relative}/jobs.jsonl", f"{relative}/status.json"))
    files.extend(("tokens/gpu.json", "tokens/gpu.lock"))
    return files


@dataclass(frozen=True)
class Damage:
    """One file of the workspace replaced: by bytes, a symbolic link or a folder."""

    file: str
    kind: str
    data: bytes = b""

    def __repr__(self) -> str:
        shown = self.data if len(self.data) <= 60 else self.data[:60] + b"..."
        return f"Damage({self.file!r}, {self.kind!r}, {shown!r} ({len(self.data)} bytes))"

    def apply(self, workspace: Path, outside: Path) -> None:
        path = workspace / self.file
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        if self.kind == "link":
            os.symlink(outside / "secret.txt", path)
        elif self.kind == "dangling":
            os.symlink(outside / "missing.txt", path)
        elif self.kind == "folder":
            path.mkdir()
        else:
            path.write_bytes(self.data)


_HUGE = st.integers(min_value=-(10**400), max_value=10**400)
_JSON = st.recursive(
    st.none() | st.booleans() | _HUGE | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value).encode()


@st.composite
def damages(draw: st.DrawFn, workspace: Path) -> Damage:
    """Draw one damage to one file of `workspace` (a pristine copy, read for originals)."""
    file = draw(st.sampled_from(format_files(workspace)))
    path = workspace / file
    original = path.read_bytes() if path.is_file() else b""
    kind = draw(st.sampled_from(
        ["bytes", "truncated", "json", "field", "not-utf8", "deep", "link", "dangling", "folder"]
    ))  # fmt: skip
    data = b""
    if kind == "bytes":
        data = draw(st.binary(max_size=64))
    elif kind == "truncated":
        data = original[: draw(st.integers(0, max(0, len(original) - 1)))]
    elif kind == "json":
        data = _json_bytes(draw(_JSON))
    elif kind == "field":
        data = _damaged_field(draw, original)
    elif kind == "not-utf8":
        data = original[:10] + b"\xff\xfe\xc3" + original[10:]
    elif kind == "deep":
        data = b"[" * 100_000
    return Damage(file, kind, data)


def _damaged_field(draw: st.DrawFn, original: bytes) -> bytes:
    """The original JSON (or the first line of JSON lines) with one field replaced."""
    lines = original.splitlines()
    try:
        records = [json.loads(line) for line in lines] if len(lines) > 1 else [json.loads(original)]
    except ValueError:
        return _json_bytes(draw(_JSON))
    index = draw(st.integers(0, len(records) - 1))
    record = records[index]
    if isinstance(record, dict) and record:
        key = draw(st.sampled_from(sorted(record)))
        record[key] = draw(_JSON)
    else:
        records[index] = draw(_JSON)
    if len(lines) > 1:
        return b"\n".join(_json_bytes(r) for r in records) + b"\n"
    return _json_bytes(records[0])


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under `folder`: a file's bytes, a link's target, `<dir>` for a folder."""
    found: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        key = str(path.relative_to(folder))
        if path.is_symlink():
            found[key] = os.readlink(path)
        elif path.is_dir():
            found[key] = "<dir>"
        else:
            found[key] = path.read_bytes()
    return found
