"""Time whole experiments with real job processes; print one JSON object on stdout.

Run by compare.py in a fresh process per library and scenario:

    XPM_BENCH_LIB=experimaestro python bench/sched_bench.py trivial --count 200

Scenarios (each run uses a new workspace under --root, removed afterwards):
    trivial  submit `count` independent no-op tasks; time from opening the experiment
             to the end of its `with` block (every job finished).
    rerun    run `count` no-op tasks once (reported as first_s), then time a second
             experiment that submits the same tasks, all already done (total_s).
    chain    `count` tasks, each a parameter of the next (so each waits for the one
             before); reports the total and the time per link.
    token    `count` tasks of --seconds each under a token of --capacity; reports
             the total and the overhead over the ideal count*seconds/capacity.
Every scenario also reports the experiment process's peak resident memory
(`ru_maxrss`, job processes excluded). Figures are medians over --runs runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sched_tasks import Link, Sleeper, Trivial
from target import LIB, open_experiment, submit_with_token


def run_trivial(workdir: Path, name: str, count: int) -> float:
    """Return the seconds an experiment of `count` no-op tasks takes."""
    start = time.perf_counter()
    with open_experiment(workdir, name):
        for i in range(count):
            Trivial.C(index=i).submit()
    return time.perf_counter() - start


def run_chain(workdir: Path, count: int) -> float:
    """Return the seconds a chain of `count` dependent no-op tasks takes."""
    start = time.perf_counter()
    with open_experiment(workdir, "chain"):
        previous = None
        for i in range(count):
            previous = Link.C(index=i, previous=previous).submit()
    return time.perf_counter() - start


def run_token(workdir: Path, count: int, seconds: float, capacity: int) -> float:
    """Return the seconds `count` sleeping tasks under a token of `capacity` take."""
    start = time.perf_counter()
    with open_experiment(workdir, "token") as xp:
        for i in range(count):
            submit_with_token(Sleeper.C(index=i, seconds=seconds), xp, "bench", capacity)
    return time.perf_counter() - start


def check_done(workdir: Path, expected: int) -> None:
    """Exit with a message unless `expected` job folders carry a `.done` marker."""
    done = len(list(workdir.glob("jobs/*/*/*.done")))
    if done != expected:
        raise SystemExit(f"{workdir}: {done} jobs done, expected {expected}")


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Parse the command line, run one scenario --runs times, print its JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["trivial", "rerun", "chain", "token"])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.2)
    parser.add_argument("--capacity", type=int, default=2)
    parser.add_argument("--root", type=Path, default=None)
    args = parser.parse_args()

    times: list[float] = []
    first: list[float] = []
    for run in range(args.runs):
        workdir = Path(tempfile.mkdtemp(prefix=f"xpmbench-{LIB}-", dir=args.root))
        try:
            if args.scenario == "trivial":
                times.append(run_trivial(workdir, f"trivial{run}", args.count))
            elif args.scenario == "rerun":
                first.append(run_trivial(workdir, "first", args.count))
                times.append(run_trivial(workdir, "again", args.count))
            elif args.scenario == "chain":
                times.append(run_chain(workdir, args.count))
            else:
                times.append(run_token(workdir, args.count, args.seconds, args.capacity))
            check_done(workdir, args.count)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    total = statistics.median(times)
    out: dict[str, Any] = {
        "lib": LIB,
        "scenario": args.scenario,
        "count": args.count,
        "total_s": total,
        "per_task_ms": 1000 * total / args.count,
        "runs_s": times,
        "peak_rss_mb": peak_rss_mb(),
    }
    if first:
        out["first_s"] = statistics.median(first)
    if args.scenario == "token":
        ideal = args.count * args.seconds / args.capacity
        out["ideal_s"] = ideal
        out["overhead_s"] = total - ideal
    print(json.dumps(out))


if __name__ == "__main__":
    main()
