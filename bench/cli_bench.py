"""How long `xpm jobs list` takes on a workspace of 10,000 jobs, beyond Python's start.

Builds a synthetic workspace (docs/dev/workspace-layout.md: 70% done, 20% failed, 10%
never run, one experiment run whose jobs.jsonl tags every job), then times, as real
processes, `python -c pass`, `xpm --help`, `xpm jobs list`, `xpm jobs list --tags
--filter ...` and `xpm jobs show PREFIX`, and prints the median of several runs.

    python bench/cli_bench.py [--jobs 10000] [--repeat 7] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TYPES = ("bench.learn", "bench.evaluate", "bench.index", "bench.retrieve")
BUDGET = 0.3
FILTER = '@state = "done" and epochs >= 20'


def build(workdir: Path, count: int) -> str:
    """Fill `workdir` with `count` job folders and one experiment run; return one job name."""
    lines = []
    name = ""
    for index in range(count):
        type_id = TYPES[index % len(TYPES)]
        ident = hashlib.sha256(str(index).encode()).hexdigest()
        stem = type_id.rsplit(".", 1)[-1]
        folder = workdir / "jobs" / type_id / ident
        folder.mkdir(parents=True)
        (folder / "params.json").write_text(json.dumps({"type": type_id}))
        kind = index % 10
        if kind < 7:
            (folder / f"{stem}.done").touch()
        elif kind < 9:
            (folder / f"{stem}.failed").write_text(json.dumps({"code": 1, "reason": "failed"}))
        name = f"{type_id}/{ident}"
        tags = {"model": ("bm25", "bert")[index % 2], "epochs": 10 * (index % 5)}
        lines.append(
            json.dumps(
                {
                    "job": name,
                    "type_id": type_id,
                    "identifier": ident,
                    "tags": tags,
                    "depends_on": [],
                    "submitted": 1.0,
                }
            )
        )
    run = workdir / "experiments" / "bench" / "20260101_000000"
    run.mkdir(parents=True)
    (run / "jobs.jsonl").write_text("\n".join(lines) + "\n")
    status = {
        "experiment": "bench",
        "run": run.name,
        "status": "done",
        "host": "x",
        "pid": 1,
        "started": 1.0,
        "ended": 2.0,
        "jobs": {},
    }
    (run / "status.json").write_text(json.dumps(status))
    return name


def timed(command: list[str], repeat: int) -> tuple[float, float]:
    """Return the median wall time and CPU time (user + system) of `command` over `repeat` runs.

    CPU time is reported too because it barely moves when other processes load the machine.
    """
    subprocess.run(command, capture_output=True, check=True)
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    """Build the workspace, time the commands, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.keep or Path(tmp) / "ws"
        last = build(workdir, args.jobs)
        python = [sys.executable]
        xpm = [sys.executable, "-m", "xpm.cli"]
        where = ["--workdir", str(workdir)]
        base, base_cpu = timed([*python, "-c", "pass"], args.repeat)
        rows = [
            ("xpm --help", [*xpm, "--help"]),
            ("xpm jobs list", [*xpm, "jobs", "list", *where]),
            (
                "xpm jobs list --tags --filter",
                [*xpm, "jobs", "list", *where, "--tags", "--filter", FILTER],
            ),
            ("xpm jobs list --experiment", [*xpm, "jobs", "list", *where, "--experiment", "bench"]),
            ("xpm jobs show PREFIX", [*xpm, "jobs", "show", *where, last[:-50]]),
        ]
        print(
            f"{args.jobs} jobs, median of {args.repeat} runs;"
            f" python -c pass: {base:.3f} s wall, {base_cpu:.3f} s CPU"
        )
        print(f"{'command':<32} {'wall s':>7} {'beyond python':>14} {'CPU s':>6} {'beyond':>7}")
        worst = 0.0
        for label, command in rows:
            wall, cpu = timed(command, args.repeat)
            if label.startswith("xpm jobs list"):
                worst = max(worst, wall - base)
            beyond, beyond_cpu = wall - base, cpu - base_cpu
            print(f"{label:<32} {wall:>7.3f} {beyond:>14.3f} {cpu:>6.3f} {beyond_cpu:>7.3f}")
        verdict = "within" if worst < BUDGET else "OVER"
        print(f"slowest `jobs list` beyond python: {worst:.3f} s wall ({verdict} {BUDGET} s)")


if __name__ == "__main__":
    main()
