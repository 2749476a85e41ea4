"""Time whole experiments with real job processes; print one JSON object on stdout.

Run by compare.py in a fresh process per library and scenario:

    XPM_BENCH_LIB=experimaestro python bench/sched_bench.py trivial --count 200

Scenarios (each run uses a new workspace; see --root for when it is removed):
    trivial  submit `count` independent no-op tasks; time from opening the experiment
             to the end of its `with` block (every job finished).
    rerun    run `count` no-op tasks once in another process (first_s, and its peak
             memory first_peak_rss_mb), then time a second experiment that submits
             the same tasks, all already done (total_s).
    chain    `count` tasks, each a parameter of the next (so each waits for the one
             before); reports the total and the time per link.
    token    `count` tasks of --seconds each under a token of --capacity; reports
             the total and the overhead over the ideal count*seconds/capacity.
    dry      a plan of `count` no-op tasks in dry-run mode (its printout thrown away).
    done     a plan of `count` no-op tasks whose jobs are all done: another process
             writes their folders (generate mode) and marks them done; the timed
             experiment only finds them done.
With --root, workspaces are left there for the caller to remove once every timed run is
over (compare.py removes its scratch folder at the end). On a file system without a
journal (this machine's ext4), each file created scans past the inodes freed in the last
minutes: deleting a workspace of 100,000 jobs between two scenarios would make the next
one's jobs twice as slow, measuring the benchmark's own clean-up. Without --root, each
workspace is a temporary folder removed after its run.

Every scenario also reports the experiment process's peak resident memory
(`ru_maxrss`, job processes excluded) and its CPU time (`cpu_s`, which moves less than
wall time when other processes load the machine). Figures are medians over --runs runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sched_tasks import Link, Sleeper, Trivial
from target import LIB, open_experiment, submit_with_token

if LIB == "xpm":
    # Imported here, as an experiment script does (experimaestro's import above loads
    # its whole package too): the timed blocks leave imports out. Not in `target`,
    # which job processes import with the tasks.
    with contextlib.suppress(ImportError):
        from xpm.scheduler import experiment  # noqa: F401


def run_trivial(workdir: Path, name: str, count: int) -> float:
    """Return the seconds an experiment of `count` no-op tasks takes."""
    start = time.perf_counter()
    with open_experiment(workdir, name):
        for i in range(count):
            Trivial.C(index=i).submit()
    return time.perf_counter() - start


def run_plan(workdir: Path, count: int, mode: str) -> float:
    """Return the seconds an experiment submitting `count` no-op tasks in `mode` takes."""
    start = time.perf_counter()
    with (
        open(os.devnull, "w") as null,
        contextlib.redirect_stdout(null),
        open_experiment(workdir, "plan", mode),
    ):
        for i in range(count):
            Trivial.C(index=i).submit()
    return time.perf_counter() - start


def mark_done(workdir: Path) -> None:
    """Give every job folder of `workdir` the empty `trivial.done` both libraries read."""
    for folder in (workdir / "jobs").glob("*/*"):
        (folder / "trivial.done").touch()


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
        logs = sorted(workdir.glob("jobs/*/*/*.err"))
        tail = logs[0].read_text().strip().splitlines()[-3:] if logs else ["no job log"]
        raise SystemExit(f"{workdir}: {done} jobs done, expected {expected}; {tail}")


def peak_rss_mb() -> float:
    """Return this process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one_run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the scenario once in this process, in a fresh workspace; return its figures."""
    workdir = Path(tempfile.mkdtemp(prefix=f"xpmbench-{LIB}-", dir=args.root))
    out: dict[str, Any] = {}
    done = args.count
    try:
        if args.scenario == "dry":
            cpu = time.process_time()
            out["total_s"] = run_plan(workdir, args.count, "dry-run")
            out["cpu_s"] = time.process_time() - cpu
            done = 0
        elif args.scenario == "trivial":
            out["total_s"] = run_trivial(workdir, "trivial", args.count)
        elif args.scenario == "rerun":
            # The first pass runs in another process, so that this one starts with no
            # memory of the jobs and must find them done on disk.
            setup = child(args, "trivial", "--workdir", str(workdir))
            out["first_s"] = setup["total_s"]
            out["first_peak_rss_mb"] = setup["peak_rss_mb"]
            out["total_s"] = run_trivial(workdir, "again", args.count)
        elif args.scenario == "chain":
            out["total_s"] = run_chain(workdir, args.count)
        else:
            out["total_s"] = run_token(workdir, args.count, args.seconds, args.capacity)
        out["peak_rss_mb"] = peak_rss_mb()  # before the check lists every job's files
        check_done(workdir, done)
    finally:
        if args.workdir is None and args.root is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return out


def child(args: argparse.Namespace, scenario: str, *extra: str) -> dict[str, Any]:
    """Run one `scenario` run in a fresh process of this script; return its JSON."""
    command = [sys.executable, __file__, scenario, "--runs", "1", "--count", str(args.count)]
    command += ["--seconds", str(args.seconds), "--capacity", str(args.capacity)]
    if args.root is not None:
        command += ["--root", str(args.root)]
    done = subprocess.run([*command, *extra], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Parse the command line, run one scenario --runs times, print its JSON.

    Each run gets its own process: experimaestro keeps the jobs of an experiment in
    memory, so a second run in the same process would not run them again.
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=["trivial", "rerun", "chain", "token", "dry", "done"])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=0.2)
    parser.add_argument("--capacity", type=int, default=2)
    parser.add_argument("--root", type=Path, default=None)
    parser.add_argument("--workdir", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.workdir is not None:  # a pass in a workspace given by the parent process
        cpu = time.process_time()
        if args.generate:  # the set-up of `done`
            total_s = run_plan(args.workdir, args.count, "generate")
        elif args.scenario == "done":
            total_s = run_plan(args.workdir, args.count, "normal")
        else:  # the first pass of a rerun: fill this workspace
            total_s = run_trivial(args.workdir, "first", args.count)
        cpu_s = time.process_time() - cpu
        peak = peak_rss_mb()  # the experiment's, before the check below lists every file
        if args.scenario == "done" and not args.generate:
            check_done(args.workdir, args.count)
        print(json.dumps({"total_s": total_s, "cpu_s": cpu_s, "peak_rss_mb": peak}))
        return
    if args.scenario == "done":  # one workspace of done jobs, timed in fresh processes
        workdir = Path(tempfile.mkdtemp(prefix=f"xpmbench-{LIB}-", dir=args.root))
        try:
            child(args, "done", "--workdir", str(workdir), "--generate")
            mark_done(workdir)
            results = [child(args, "done", "--workdir", str(workdir)) for _ in range(args.runs)]
        finally:
            if args.root is None:
                shutil.rmtree(workdir, ignore_errors=True)
    elif args.runs == 1:
        results = [one_run(args)]
    else:
        results = [child(args, args.scenario) for _ in range(args.runs)]

    total = statistics.median(r["total_s"] for r in results)
    out: dict[str, Any] = {
        "lib": LIB,
        "scenario": args.scenario,
        "count": args.count,
        "total_s": total,
        "per_task_ms": 1000 * total / args.count,
        "runs_s": [r["total_s"] for r in results],
        "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
    }
    if all("cpu_s" in r for r in results):
        out["cpu_s"] = statistics.median(r["cpu_s"] for r in results)
        out["per_job_us"] = 1e6 * total / args.count
        out["cpu_per_job_us"] = 1e6 * out["cpu_s"] / args.count
    if args.scenario == "rerun":
        out["first_s"] = statistics.median(r["first_s"] for r in results)
        out["first_peak_rss_mb"] = max(r["first_peak_rss_mb"] for r in results)
    if args.scenario == "token":
        ideal = args.count * args.seconds / args.capacity
        out["ideal_s"] = ideal
        out["overhead_s"] = total - ideal
    print(json.dumps(out))


if __name__ == "__main__":
    main()
