"""The README's main job: examples/quickstart.py runs its grid once, then finds it done."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from xpm.scheduler import list_runs

EXAMPLE = Path(__file__).parent.parent / "examples" / "quickstart.py"


def test_quickstart_runs_the_grid_then_computes_nothing(tmp_path: Path) -> None:
    env = {**os.environ, "XPM_WORKDIR": str(tmp_path / "ws")}
    first = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=240
    )
    assert first.returncode == 0, first.stderr
    jobs = tmp_path / "ws" / "jobs"
    assert sorted(p.name for p in jobs.iterdir()) == ["__main__.evaluate", "__main__.learn"]
    assert len(list(jobs.glob("*/*/*.done"))) == 12
    assert "lr=0.1_width=16" in first.stdout
    assert first.stderr.count("[xpm] done") == 12
    second = subprocess.run(
        [sys.executable, str(EXAMPLE)], capture_output=True, text=True, env=env, timeout=60
    )
    assert second.returncode == 0, second.stderr
    assert "[xpm] done" not in second.stderr
    assert second.stdout.splitlines()[-3:] == first.stdout.splitlines()[-3:]
    runs = list_runs(tmp_path / "ws", "quickstart")
    assert [run.status for run in runs] == ["done", "done"]


def test_a_newcomer_finds_the_quickstart() -> None:
    """README and the tutorial's opening both say how to run it."""
    root = EXAMPLE.parent.parent
    assert "python examples/quickstart.py" in (root / "README.md").read_text()
    tutorial = (root / "docs" / "tutorial.md").read_text()
    assert "python examples/quickstart.py" in tutorial.split("\n## ", 1)[0]
