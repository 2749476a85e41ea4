"""Time submission alone: `count` tasks written as job folders, then found done.

xpm only (`python bench/submit_bench.py --count 10000 --runs 3`); prints one JSON object.
    generate  an experiment in generate mode submits `count` new tasks: every job folder
              and its files are written, nothing is launched (the submission path of a
              first run, without the job processes).
    done      every job is then marked done and the same tasks are submitted again in
              a normal experiment: what a re-run of a finished plan costs.
Figures are medians over --runs runs, each in a new workspace under --root: wall time,
and the CPU time of this process (steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sched_tasks import Trivial

from xpm.scheduler import experiment


def one_run(root: Path, count: int) -> tuple[float, float, float, float]:
    """Return the seconds (wall, then this process's CPU) to submit `count` new tasks,
    then `count` done ones."""
    workdir = Path(tempfile.mkdtemp(dir=root))
    try:
        start, cpu = time.perf_counter(), time.process_time()
        with experiment(workdir, "submit", run_mode="generate"):
            for i in range(count):
                Trivial.C(index=i).submit()
        generate = time.perf_counter() - start
        generate_cpu = time.process_time() - cpu
        for folder in (workdir / "jobs").glob("*/*"):
            (folder / "trivial.done").write_text("")
        start, cpu = time.perf_counter(), time.process_time()
        with experiment(workdir, "submit"):
            for i in range(count):
                Trivial.C(index=i).submit()
        done = time.perf_counter() - start
        return generate, done, generate_cpu, time.process_time() - cpu
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args()
    os.environ.setdefault("XPM_BENCH_LIB", "xpm")
    runs = [one_run(args.root, args.count) for _ in range(args.runs)]
    print(
        json.dumps(
            {
                "count": args.count,
                "generate_s": round(statistics.median(r[0] for r in runs), 3),
                "done_s": round(statistics.median(r[1] for r in runs), 3),
                "generate_cpu_s": round(statistics.median(r[2] for r in runs), 3),
                "done_cpu_s": round(statistics.median(r[3] for r in runs), 3),
            }
        )
    )


if __name__ == "__main__":
    main()
