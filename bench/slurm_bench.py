"""What SLURM costs xpm: submission and status polling, job arrays vs one sbatch per job.

Runs `--jobs` trivial tasks (default 200; each sleeps `--seconds`, default 0) as one
experiment on the SLURM cluster that the `sbatch`/`sacct`/`squeue` on PATH reach
(scripts/local-slurm.sh starts a local one), once per mode:

    arrays  the default: independent jobs submitted together go out as job arrays
    single  one `sbatch` per job (a launcher whose `start_many` starts jobs one by one)

Every SLURM command goes through the launcher's injectable runner, which times and counts
it. For each mode it prints the median time of one call per command, the submission cost
per job (time in `sbatch` / jobs), the status cost: `status_calls` (the count of `sacct`,
`squeue` and `scontrol` calls, the set-up `scontrol show config` aside), status calls per
minute while jobs run and per job, when the first one came, and the experiment's wall
time. Issue 13's experiment (15 short jobs) is `--jobs 15 --seconds 2`. Not run by CI:

    python bench/slurm_bench.py [--jobs 200] [--seconds 0] [--modes arrays,single] [--mem 100M]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from xpm.launchers import CommandResult, SlurmLauncher, SlurmOptions, run_command
from xpm.scheduler import EndCallback, JobLaunch, experiment

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from slurm_tasks import Nothing, Pause  # noqa: E402

STATUS = ("sacct", "squeue", "scontrol")


@dataclass
class TimedRunner:
    """A CommandRunner that records (program, start, seconds) of every call."""

    calls: list[tuple[str, float, float]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, command: Sequence[str]) -> CommandResult:
        start = time.monotonic()
        result = run_command(command)
        # `scontrol show config` (MaxArraySize, read once) is set-up, not status.
        program = "scontrol-config" if "config" in command else command[0]
        with self.lock:
            self.calls.append((program, start, time.monotonic() - start))
        return result

    def of(self, *programs: str) -> list[tuple[str, float, float]]:
        with self.lock:
            return [call for call in self.calls if call[0] in programs]


class OneByOne(SlurmLauncher):
    """A SLURM launcher without job arrays: one sbatch per job."""

    def start_many(
        self, launches: Sequence[tuple[JobLaunch, EndCallback]]
    ) -> list[Mapping[str, object]]:
        return [self.start(launch, on_end) for launch, on_end in launches]


def run(mode: str, jobs: int, mem: str, root: Path, seconds: float = 0) -> dict[str, float]:
    runner = TimedRunner()
    kind = OneByOne if mode == "single" else SlurmLauncher
    launcher = kind(options=SlurmOptions(mem=mem), runner=runner)
    tag = uuid.uuid4().hex[:8]
    started = time.monotonic()
    with experiment(root / mode, "slurm-bench", launcher=launcher):
        for index in range(jobs):
            if seconds:
                Pause.C(index=index, run=tag, seconds=seconds).submit()
            else:
                Nothing.C(index=index, run=tag).submit()
    ended = time.monotonic()
    submissions = runner.of("sbatch")
    status = runner.of(*STATUS)
    first_submit = min(start for _, start, _ in submissions)
    minutes = (ended - first_submit) / 60
    figures: dict[str, float] = {
        "wall_s": ended - started,
        "sbatch_calls": len(submissions),
        "submit_span_s": max(s + d for _, s, d in submissions) - first_submit,
        "submit_s_per_job": sum(d for _, _, d in submissions) / jobs,
        "status_calls": len(status),
        "status_calls_per_min": len(status) / minutes,
        "status_calls_per_job": len(status) / jobs,
        "status_s_total": sum(d for _, _, d in status),
        "status_s_per_job": sum(d for _, _, d in status) / jobs,
    }
    if status:
        figures["first_status_call_s"] = min(s for _, s, _ in status) - first_submit
    per_program: dict[str, list[float]] = defaultdict(list)
    for program, _, seconds in runner.calls:
        per_program[program].append(seconds)
    for program, times in sorted(per_program.items()):
        figures[f"median_{program}_s"] = statistics.median(times)
        figures[f"{program}_calls"] = len(times)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--modes", default="arrays,single")
    parser.add_argument("--mem", default="100M", help="sbatch --mem of each job")
    parser.add_argument("--seconds", type=float, default=0, help="how long each job sleeps")
    parser.add_argument("--root", type=Path, default=None, help="workspace parent (a temp dir)")
    args = parser.parse_args()
    # Job processes import slurm_tasks: jobs inherit the environment (--export=ALL).
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(BENCH), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    root = args.root or Path(tempfile.mkdtemp(prefix="xpm-slurm-bench-", dir="/tmp"))
    results = {}
    try:
        for mode in args.modes.split(","):
            results[mode] = run(mode, args.jobs, args.mem, root, args.seconds)
            print(f"{mode}: done in {results[mode]['wall_s']:.1f} s", file=sys.stderr)
    finally:
        if args.root is None:
            shutil.rmtree(root, ignore_errors=True)
    keys = sorted({key for figures in results.values() for key in figures})
    print(f"{args.jobs} trivial jobs".ljust(28) + "".join(m.rjust(12) for m in results))
    for key in keys:
        cells = "".join(
            f"{results[m][key]:12.4g}" if key in results[m] else " " * 11 + "-" for m in results
        )
        print(key.ljust(28) + cells)


if __name__ == "__main__":
    main()
