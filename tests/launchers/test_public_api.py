"""xpm.launchers' public names: few, documented, and the former ones still importable."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys

import pytest

import xpm.launchers
import xpm.launchers.slurm

FORMER_NAMES = {
    # name in xpm.launchers before the SLURM plumbing moved: where it is listed now
    "MAX_ALTERNATIVES": "MAX_ALTERNATIVES",
    "SACCT_FIELDS": "SACCT_FIELDS",
    "SQUEUE_FORMAT": "SQUEUE_FORMAT",
    "ArraySpec": "ArraySpec",
    "CommandResult": "CommandResult",
    "CommandRunner": "CommandRunner",
    "HostMatch": "HostMatch",
    "JobProgress": "SlurmProgress",
    "Refusal": "Refusal",
    "SlurmJobStatus": "SlurmJobStatus",
    "SlurmOptionChanges": "SlurmOptionChanges",
    "SlurmPoller": "SlurmPoller",
    "detect_local_host": "detect_local_host",
    "ending_of": "ending_of",
    "format_duration": "format_duration",
    "format_memory": "format_memory",
    "match_hosts": "match_hosts",
    "merge_statuses": "merge_statuses",
    "parse_duration": "parse_duration",
    "parse_memory": "parse_memory",
    "parse_nvidia_smi": "parse_nvidia_smi",
    "parse_sacct": "parse_sacct",
    "parse_sbatch_output": "parse_sbatch_output",
    "parse_squeue": "parse_squeue",
    "refusal_reason": "refusal_reason",
    "render_sbatch_script": "render_sbatch_script",
    "run_command": "run_slurm_command",
    "sacct_command": "sacct_command",
    "sbatch_command": "sbatch_command",
    "slurm_time": "slurm_time",
    "squeue_command": "squeue_command",
    "status_of": "status_of",
}


@pytest.mark.parametrize("package", [xpm.launchers, xpm.launchers.slurm])
def test_public_names_have_docstrings(package: object) -> None:
    """Every class and function in __all__ has a docstring (constants excepted)."""
    undocumented = [
        name
        for name in package.__all__  # type: ignore[attr-defined]
        if (inspect.isclass(obj := getattr(package, name)) or callable(obj))
        and not inspect.getdoc(obj)
    ]
    assert undocumented == []


def test_the_surface_stays_small() -> None:
    """xpm.launchers lists what users call, at most 25 names; SLURM plumbing is in .slurm."""
    assert len(xpm.launchers.__all__) <= 25
    assert {"SlurmLauncher", "SlurmOptions"} <= set(xpm.launchers.slurm.__all__)
    assert "parse_sacct" not in xpm.launchers.__all__


def test_every_listed_name_resolves_and_shows_in_dir() -> None:
    """`from xpm.launchers import *` gives exactly `__all__`, which `dir()` shows."""
    namespace: dict[str, object] = {}
    exec("from xpm.launchers import *", namespace)
    assert sorted(n for n in namespace if not n.startswith("__")) == sorted(xpm.launchers.__all__)
    assert set(xpm.launchers.__all__) <= set(dir(xpm.launchers))


@pytest.mark.parametrize(("former", "current"), sorted(FORMER_NAMES.items()))
def test_former_names_import_silently(former: str, current: str) -> None:
    """Code written against the old surface keeps working, without listing those names."""
    home = xpm.launchers.slurm if current in xpm.launchers.slurm.__all__ else None
    value = getattr(xpm.launchers, former)
    if home is not None:
        assert value is getattr(home, current)
    assert former not in xpm.launchers.__all__
    assert former not in dir(xpm.launchers)


@pytest.mark.parametrize(
    ("former", "current"), [("JobProgress", "SlurmProgress"), ("run_command", "run_slurm_command")]
)
def test_renamed_slurm_names_still_import(former: str, current: str) -> None:
    """The SLURM names renamed for what they hold answer to their former name too."""
    assert getattr(xpm.launchers.slurm, former) is getattr(xpm.launchers.slurm, current)
    assert former not in xpm.launchers.slurm.__all__


def test_unknown_names_raise_attribute_error() -> None:
    """A misspelled name is an AttributeError, as for any module."""
    with pytest.raises(AttributeError, match="no attribute 'find_launchers'"):
        _ = xpm.launchers.find_launchers  # type: ignore[attr-defined]


def test_importing_the_package_loads_neither_lark_nor_yaml() -> None:
    """`import xpm.launchers` is cheap: the grammar and YAML load when first needed."""
    code = "import sys, xpm.launchers; print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(ast.literal_eval(out.stdout))
    assert {"lark", "yaml", "xpm.scheduler"}.isdisjoint(loaded)
