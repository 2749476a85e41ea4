"""Tests of xpm.scheduler's public surface: documented names, light imports."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest

import xpm.scheduler
from xpm.scheduler import (
    atomic,
    errors,
    experiments,
    jobpaths,
    locks,
    params,
    process,
    records,
    runs,
    scheduler,
    tokens,
    watcher,
)

MODULES = [
    atomic,
    errors,
    experiments,
    jobpaths,
    locks,
    params,
    process,
    records,
    runs,
    scheduler,
    tokens,
    watcher,
]


def test_every_public_name_has_a_docstring() -> None:
    """Each module, and each public class, function and method in it, is documented."""
    missing = []
    for module in [xpm.scheduler, *MODULES]:
        if not module.__doc__:
            missing.append(module.__name__)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue
            if not inspect.getdoc(obj):
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    documented = bool(getattr(member, "__doc__", None))
                    if (callable(member) or isinstance(member, property)) and not documented:
                        missing.append(f"{module.__name__}.{name}.{attr}")
    assert missing == []


def test_all_is_sorted_and_exported() -> None:
    """xpm.scheduler's __all__ is sorted and every name in it exists."""
    assert xpm.scheduler.__all__ == sorted(xpm.scheduler.__all__)
    for name in xpm.scheduler.__all__:
        assert hasattr(xpm.scheduler, name)


def test_importing_the_scheduler_does_not_load_the_launchers_or_cli() -> None:
    """Dependencies point one way: xpm.scheduler never imports the packages above it."""
    code = (
        "import sys, xpm.scheduler;"
        "from xpm.scheduler import atomic, jobpaths, locks, process, tokens, watcher;"
        "print(sorted(m for m in sys.modules"
        " if m.split('.')[:2] in (['xpm', 'launchers'], ['xpm', 'cli'])"
        " or m in ('click', 'lark', 'yaml')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_launchers_and_cli_find_what_they_use_at_the_top_level() -> None:
    """What xpm.launchers and xpm.cli use is exported, not fished out of private modules."""
    needed = {
        "EndCallback",
        "Ending",
        "JobEntry",
        "JobLaunch",
        "JobRecord",
        "KillRefused",
        "Launcher",
        "Reason",
        "is_job_locked",
        "kill_process",
        "read_job",
        "scan_states",
    }
    assert needed <= set(xpm.scheduler.__all__)
    assert xpm.scheduler.Reason.__args__ == (  # type: ignore[attr-defined]
        "failed",
        "memory",
        "timeout",
        "cancelled",
        "dependency",
        "preempted",
        "node_failure",
    )


def test_renamed_errors_keep_their_former_names() -> None:
    """`except ExperimentFailed` and `except KillRefused` in users' code still catch."""
    assert xpm.scheduler.ExperimentFailed is xpm.scheduler.ExperimentFailedError
    assert xpm.scheduler.KillRefused is xpm.scheduler.KillRefusedError
    assert issubclass(xpm.scheduler.ExperimentFailedError, RuntimeError)
    from xpm.scheduler.kill import KillRefused

    assert KillRefused is errors.KillRefusedError


def test_records_still_answer_the_former_run_names() -> None:
    """Runs moved to `runs.py`; `records.read_run` and its kin resolve to the same."""
    for name in ("RunRecord", "SubmittedJob", "list_runs", "read_run", "read_submitted"):
        assert getattr(records, name) is getattr(runs, name)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        records.nothing  # noqa: B018
