"""Trivial tasks end to end, with the task class in three places (xpm only).

The class is in a module on PYTHONPATH (`module`), in a package next to the experiment
script (`package`), or in the script itself, run as `__main__` (`script`). Each run is a
fresh experiment process in a fresh workspace on the local launcher; the figures are
medians of wall time and CPU time (the experiment, its fork server and every job
process), runs of each interpreter and placement alternating:

    python bench/placement_bench.py [--count 200] [--runs 3]
        [--python before=/path/to/python,after=/path/to/other/python]

Goal (issue 13): at most 3 ms per task, the slowest placement at most 1.3x the fastest.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

PLACES = ("module", "package", "script")

TASK = textwrap.dedent(
    """
    from xpm.core import Param, Task

    class Trivial(Task):
        index: Param[int]

        def execute(self) -> None:
            pass
    """
)
PLAN = textwrap.dedent(
    """
    import sys
    from xpm.scheduler import experiment

    with experiment(sys.argv[1], "placement"):
        for i in range(int(sys.argv[2])):
            Trivial.C(index=i).submit()
    """
)


def project(root: Path, where: str) -> tuple[Path, dict[str, str]]:
    """Write the experiment script for `where` under `root`; return it and its environment."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    folder = root / "project"
    folder.mkdir(parents=True)
    if where == "module":
        (root / "lib").mkdir()
        (root / "lib" / "benchtasks.py").write_text(TASK)
        env["PYTHONPATH"] = str(root / "lib")
        (folder / "plan.py").write_text("from benchtasks import Trivial\n" + PLAN)
    elif where == "package":
        (folder / "benchpkg").mkdir()
        (folder / "benchpkg" / "__init__.py").write_text("")
        (folder / "benchpkg" / "tasks.py").write_text(TASK)
        (folder / "plan.py").write_text("from benchpkg.tasks import Trivial\n" + PLAN)
    else:
        (folder / "plan.py").write_text(TASK + PLAN)
    return folder / "plan.py", env


def one_run(python: str, where: str, count: int, scratch: Path) -> tuple[float, float]:
    """Return the wall and CPU seconds of one experiment of `count` trivial tasks.

    Its folder stays in `scratch` until every run is over: removing it at once would slow
    the next run's file creations on a file system without a journal (sched_bench.py
    says more).
    """
    root = Path(tempfile.mkdtemp(prefix="place-", dir=scratch))
    script, env = project(root, where)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [python, str(script), str(root / "ws"), str(count)],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{python} {where}: {done.stderr.strip()[-800:]}")
    finished = len(list((root / "ws").glob("jobs/*/*/trivial.done")))
    if finished != count:
        raise SystemExit(f"{python} {where}: {finished} of {count} jobs done")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall, cpu


def main() -> None:
    """Run every (interpreter, placement) --runs times, alternating; print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--python", default=f"xpm={sys.executable}")
    args = parser.parse_args()
    pythons = dict(item.split("=", 1) for item in args.python.split(","))
    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="xpmbench-place-") as scratch:
        for _ in range(args.runs):
            for label, python in pythons.items():
                for where in PLACES:
                    run = one_run(python, where, args.count, Path(scratch))
                    results.setdefault((label, where), []).append(run)
    print(f"{args.count} trivial tasks, median of {args.runs} runs (ms per task)")
    print(f"{'python':<8} {'place':<8} {'wall ms':>8} {'CPU ms':>7}  wall runs (s)")
    for label in pythons:
        cpus = []
        for where in PLACES:
            runs = results[label, where]
            wall = 1000 * statistics.median(r[0] for r in runs) / args.count
            cpu = 1000 * statistics.median(r[1] for r in runs) / args.count
            cpus.append(cpu)
            listed = " ".join(f"{r[0]:.2f}" for r in runs)
            print(f"{label:<8} {where:<8} {wall:>8.2f} {cpu:>7.2f}  {listed}")
        print(f"{label:<8} slowest/fastest CPU: {max(cpus) / min(cpus):.2f}")


if __name__ == "__main__":
    main()
