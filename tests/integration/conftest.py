"""Integration tests marked `slurm` need a cluster that answers (scripts/local-slurm.sh).

Without one they are skipped with the reason, except on CI (`CI=true`), where a missing
cluster fails them: CI is meant to start it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

import pytest


@functools.cache
def cluster_problem() -> str | None:
    """Return why no SLURM cluster can be used here, or None when `sinfo` answers."""
    if shutil.which("sinfo") is None:
        return "sinfo is not on PATH: start a cluster with scripts/local-slurm.sh"
    result = subprocess.run(
        ["sinfo", "-h"], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        return f"SLURM does not answer ({result.stderr.strip()}): run scripts/local-slurm.sh"
    return None


@pytest.fixture(scope="module", autouse=True)
def slurm_cluster(request: pytest.FixtureRequest) -> None:
    """Skip (or, on CI, fail) the SLURM tests of a module when no cluster answers."""
    if request.node.get_closest_marker("slurm") is None:
        return
    problem = cluster_problem()
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
