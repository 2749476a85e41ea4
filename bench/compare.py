"""Run every benchmark on xpm and on experimaestro 2.7.0, print a comparison table.

    python bench/compare.py --ref-python .nox/xpmref/bin/python [--suite core] [--quick]

--xpm-python (default: this interpreter) must have xpm installed; --ref-python must
have experimaestro==2.7.0. Each figure comes from a fresh process (core_bench.py or
sched_bench.py) that gets the same workload; the library is picked by XPM_BENCH_LIB.
A figure shows "n/a" when that side cannot run the benchmark yet (the reason is
printed below the table). "x better" is how many times xpm beats experimaestro.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
MODULES = {"xpm": "xpm.core", "experimaestro": "experimaestro"}


@dataclass
class Row:
    """One line of the table: a figure per library and how to compare them."""

    name: str
    unit: str
    higher_is_better: bool
    goal: str
    xpm: float | None = None
    ref: float | None = None

    def ratio(self) -> str:
        """Return how many times better xpm is, as text ("n/a" if a side is missing)."""
        if self.xpm is None or self.ref is None or min(self.xpm, self.ref) <= 0:
            return "n/a"
        factor = self.xpm / self.ref if self.higher_is_better else self.ref / self.xpm
        return f"{factor:.1f}"


class Runner:
    """Runs child benchmark processes for both libraries and collects failures."""

    def __init__(self, pythons: dict[str, str], scratch: Path) -> None:
        self.pythons = pythons
        self.scratch = scratch
        self.problems: list[str] = []

    def env(self, lib: str) -> dict[str, str]:
        """Return the environment of a child run for `lib`."""
        env = dict(_caching_bytecode(), XPM_BENCH_LIB=lib, PYTHONWARNINGS="ignore")
        env["XPM_WORKDIR"] = str(self.scratch / f"{lib}-home")  # experimaestro's tokens
        return env

    def workspaces(self) -> tuple[str, str]:
        """`--root <folder>` for sched_bench.py: its workspaces stay until the end (its
        doc says why), when the scratch folder is removed."""
        folder = self.scratch / "workspaces"
        folder.mkdir(exist_ok=True)
        return ("--root", str(folder))

    def child(self, lib: str, script: str, *args: str) -> dict[str, Any] | None:
        """Run `script` for `lib`; return its JSON, or None after noting the failure."""
        command = [self.pythons[lib], str(HERE / script), *args]
        done = subprocess.run(
            command, env=self.env(lib), cwd=self.scratch, capture_output=True, text=True
        )
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            tail = (done.stderr.strip().splitlines() or ["(no stderr)"])[-1]
            self.problems.append(f"{lib} {script} {' '.join(args)}: {tail}")
            return None
        result: dict[str, Any] = json.loads(lines[-1])
        return result

    def import_ms(self, lib: str, runs: int) -> float | None:
        """Return the median ms of `import <lib>` minus the median ms of `pass`."""

        def median_ms(code: str) -> float | None:
            times = []
            for _ in range(runs):
                start = time.perf_counter_ns()
                done = subprocess.run(
                    [self.pythons[lib], "-c", code],
                    env=self.env(lib),
                    cwd=self.scratch,
                    capture_output=True,
                    text=True,
                )
                times.append((time.perf_counter_ns() - start) / 1e6)
                if done.returncode != 0:
                    tail = (done.stderr.strip().splitlines() or ["?"])[-1]
                    self.problems.append(f"{lib}: python -c {code!r}: {tail}")
                    return None
            return statistics.median(times)

        bare = median_ms("pass")
        loaded = median_ms(f"import {MODULES[lib]}")
        return None if bare is None or loaded is None else loaded - bare


def core_rows(runner: Runner, runs: int, quick: bool) -> list[Row]:
    """Import time, 10,000 learners, and the deep/wide configurations."""
    count = "1000" if quick else "10000"
    rows = [
        Row("import, minus bare python", "ms", False, "-"),
        Row(f"build {count} learners (16 nodes)", "/s", True, ">= 20,000/s"),
        Row(f"identify {count} learners", "/s", True, ">= 30,000/s"),
        Row("chain 200 deep: build+identify", "ms", False, "-"),
        Row("list of 1,000 configs: build+identify", "ms", False, "-"),
    ]
    digests: dict[str, tuple[str, str, str]] = {}
    for lib in ("xpm", "experimaestro"):
        side = "xpm" if lib == "xpm" else "ref"
        setattr(rows[0], side, runner.import_ms(lib, max(runs, 7)))
        learners = runner.child(
            lib, "core_bench.py", "learners", "--count", count, "--runs", str(runs)
        )
        if learners:
            setattr(rows[1], side, learners["build_per_s"])
            setattr(rows[2], side, learners["identify_per_s"])
        deep = runner.child(lib, "core_bench.py", "deep", "--runs", str(max(runs, 11)))
        if deep:
            setattr(rows[3], side, deep["chain_total_ms"])
            setattr(rows[4], side, deep["list_total_ms"])
        if learners and deep:
            digests[lib] = (learners["ids_sha256"], deep["chain_id"], deep["list_id"])
    if len(digests) == 2:
        same = digests["xpm"] == digests["experimaestro"]
        print(f"identifiers equal on both sides: {'yes' if same else 'NO'}")
        if not same:
            runner.problems.append(f"identifier mismatch: {digests}")
    return rows


def scheduler_rows(runner: Runner, quick: bool) -> list[Row]:
    """End-to-end experiments with real job processes."""
    small, large = ("20", "50") if quick else ("200", "1000")
    # Each entry: the arguments of one sched_bench.py run, then (row, key) pairs that
    # read figures from its output; the large run is the rerun scenario's first pass.
    cases: list[tuple[list[str], list[tuple[Row, str]]]] = [
        (
            ["trivial", "--count", small, "--runs", "3"],
            [(Row(f"{small} trivial tasks end to end", "s", False, "-"), "total_s")],
        ),
        (
            ["rerun", "--count", large, "--runs", "1"],
            [
                (Row(f"{large} trivial tasks end to end", "s", False, "-"), "first_s"),
                (Row(f"re-run, {large} jobs already done", "s", False, "-"), "total_s"),
                (Row(f"peak RSS, {large} jobs", "MiB", False, "-"), "first_peak_rss_mb"),
            ],
        ),
        (
            ["chain", "--count", "20", "--runs", "3"],
            [(Row("chain of 20: time per link", "ms", False, "-"), "per_task_ms")],
        ),
        (
            ["token", "--count", "50", "--runs", "1"],
            [
                (
                    Row("50 x 0.2 s under token 2: overhead", "s", False, "-"),
                    "overhead_s",
                )
            ],
        ),
    ]
    for lib in ("xpm", "experimaestro"):
        side = "xpm" if lib == "xpm" else "ref"
        for args, readings in cases:
            result = runner.child(lib, "sched_bench.py", *args, *runner.workspaces())
            for row, key in readings:
                if result:
                    setattr(row, side, result[key])
    return [row for _, readings in cases for row, _ in readings]


def plan_rows(runner: Runner, quick: bool) -> list[Row]:
    """Large plans, no job run: a dry-run, and a re-run where every job is done.

    experimaestro gets a tenth of xpm's jobs (it cannot do 100,000 in reasonable time):
    compare the per-job rows; the totals are xpm's against the goals of issue 13.
    """
    counts = {"xpm": 10_000 if quick else 100_000, "experimaestro": 1_000 if quick else 10_000}
    n, m = (f"{c:,}" for c in counts.values())
    per_job = f"(xpm {n}, experimaestro {m} jobs)"
    rows = {
        "dry": Row(f"dry-run, CPU per job {per_job}", "us", False, "-"),
        "dry_total": Row(f"dry-run of {n} jobs, xpm", "s", False, "<= 3 s"),
        "done": Row(f"re-run all done, CPU per job {per_job}", "us", False, "-"),
        "done_total": Row(f"re-run of {n} done jobs, xpm", "s", False, "<= 3 s"),
        "rss": Row(f"peak RSS of the re-run {per_job}", "MiB", False, "<= 200 MiB"),
    }
    for lib, count in counts.items():
        side = "xpm" if lib == "xpm" else "ref"
        for scenario in ("dry", "done"):
            result = runner.child(
                lib,
                "sched_bench.py",
                scenario,
                *("--count", str(count), "--runs", "3"),
                *runner.workspaces(),
            )
            if result is None:
                continue
            setattr(rows[scenario], side, result["cpu_per_job_us"])
            if lib == "xpm":
                setattr(rows[f"{scenario}_total"], side, result["total_s"])
            if scenario == "done":
                setattr(rows["rss"], side, result["peak_rss_mb"])
    return list(rows.values())


def show(value: float | None) -> str:
    """Format a figure with three significant digits, or n/a."""
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _caching_bytecode() -> dict[str, str]:
    """This environment, with bytecode cached as users' Pythons do: without it, every
    xpm import (the job processes' too) would compile from source while experimaestro's
    installed .pyc load."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_sources(python: str) -> None:
    """Write the .pyc of xpm's packages and of the benchmarks (an editable install has
    none), as a first import on a user's machine would, so no timed run compiles."""
    folders = [str(p) for p in (HERE.parent / "packages").glob("xpm-*/src")] + [str(HERE)]
    command = [python, "-m", "compileall", "-q", *folders]
    subprocess.run(command, env=_caching_bytecode(), check=False)


def main() -> None:
    """Parse the command line, run the suites, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xpm-python", default=sys.executable)
    parser.add_argument("--ref-python", default=os.environ.get("XPM_REF_PYTHON"))
    parser.add_argument("--suite", choices=["core", "scheduler", "plan", "all"], default="core")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller workloads")
    args = parser.parse_args()
    if not args.ref_python:
        parser.error("give --ref-python (an interpreter with experimaestro==2.7.0)")

    compile_sources(args.xpm_python)
    with tempfile.TemporaryDirectory(prefix="xpmbench-") as scratch:
        runner = Runner({"xpm": args.xpm_python, "experimaestro": args.ref_python}, Path(scratch))
        rows: list[Row] = []
        if args.suite in ("core", "all"):
            rows += core_rows(runner, args.runs, args.quick)
        if args.suite in ("scheduler", "all"):
            rows += scheduler_rows(runner, args.quick)
        if args.suite in ("plan", "all"):
            rows += plan_rows(runner, args.quick)

    header = ("benchmark", "xpm", "experimaestro", "x better", "goal")
    table = [header] + [
        (f"{r.name} ({r.unit})", show(r.xpm), show(r.ref), r.ratio(), r.goal) for r in rows
    ]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for k, line in enumerate(table):
        print(
            "  ".join(
                cell.ljust(w) if i == 0 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(line, widths, strict=True))
            )
        )
        if k == 0:
            print("  ".join("-" * w for w in widths))
    for problem in runner.problems:
        print(f"n/a because: {problem}")


if __name__ == "__main__":
    main()
