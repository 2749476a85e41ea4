"""The examples of docs/cli.md work as shown: files are taken from the page itself."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

PAGE = Path(__file__).parent.parent.parent / "docs" / "cli.md"
BLOCK = re.compile(r"^```(yaml|python)\n(.*?)^```", re.MULTILINE | re.DOTALL)

BENCHMARK_CODE = """
from xpm.cli import ExperimentHelper, configuration


@configuration
class Task:
    name: str
    batch_size: int
    max_epochs: int


@configuration
class Optimizer:
    name: str
    lr: float
    weight_decay: float = 0.0


@configuration
class Configuration:
    task: Task
    optimizer: Optimizer


def run(helper: ExperimentHelper, cfg: Configuration) -> None:
    print(cfg)
"""


def blocks(language: str) -> list[str]:
    return [text for lang, text in BLOCK.findall(PAGE.read_text()) if lang == language]


def xpm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "xpm.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )


def test_layered_defaults_example(tmp_path: Path) -> None:
    """User file over task defaults over optimizer defaults, -c over all, as the page says."""
    for text in blocks("yaml"):
        first = text.splitlines()[0]
        if first.startswith("# ") and first.endswith(".yaml"):
            path = tmp_path / first[2:]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    (tmp_path / "benchmark" / "experiment.py").write_text(BENCHMARK_CODE)
    shown = xpm("run-experiment", "--show", "runs/quick.yaml", "-c", "optimizer.weight_decay=0",
                cwd=tmp_path)  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert yaml.safe_load(shown.stdout) == {
        "task": {"name": "mnist", "batch_size": 128, "max_epochs": 2},
        "optimizer": {"name": "adamw", "lr": 0.1, "weight_decay": 0},
    }
    task_file = tmp_path / "benchmark" / "tasks" / "mnist" / "default.yaml"
    task_file.write_text(task_file.read_text().replace("batch_size: 128", "batch_size: big"))
    wrong = xpm("run-experiment", "--show", "runs/quick.yaml", cwd=tmp_path)
    assert wrong.returncode == 2
    assert wrong.stderr == (
        "Error: benchmark/tasks/mnist/default.yaml:6: task.batch_size: expected int,"
        " got 'big' (str)\n"
    )


def test_debug_example_runs_in_dry_run_mode(tmp_path: Path) -> None:
    """The page's experiment.py and debug.yaml run: dry-run lists one job per layer count."""
    (tmp_path / "experiment.py").write_text(blocks("python")[0])
    debug = next(text for text in blocks("yaml") if text.startswith("id: debug"))
    (tmp_path / "debug.yaml").write_text(debug)
    done = xpm("run-experiment", "--workdir", str(tmp_path / "ws"), "--run-mode", "dry-run",
               "debug.yaml", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("[unscheduled] experiment.learn/") == 2
    assert "results go in" in done.stdout


def test_shell_completion_script_is_produced(tmp_path: Path) -> None:
    """`_XPM_COMPLETE=bash_source xpm` prints a completion script, as the page says."""
    done = subprocess.run(
        [sys.executable, "-m", "xpm.cli"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "_XPM_COMPLETE": "bash_source"},
    )
    assert "_xpm_completion" in done.stdout, (done.stdout, done.stderr)


def test_grid_search_example_tags_six_trainings(tmp_path: Path) -> None:
    """The page's sweep.yaml and sweep.py: six Train jobs, each tagged with its values."""
    for language in ("yaml", "python"):
        text = next(t for t in blocks(language) if t.startswith("# sweep."))
        (tmp_path / text.splitlines()[0][2:]).write_text(text)
    workdir = tmp_path / "ws"
    done = xpm("run-experiment", "--workdir", str(workdir), "--run-mode", "generate",
               "sweep.yaml", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    listed = xpm("jobs", "list", "--workdir", str(workdir), "--tags", cwd=tmp_path)
    tags = sorted(" ".join(line.split()[2:]) for line in listed.stdout.splitlines())
    assert tags == sorted(
        f"epochs={epochs} optimizer.lr={lr}" for epochs in (5, 10) for lr in (0.001, 0.01, 0.1)
    )
    wrong = (tmp_path / "sweep.yaml").read_text().replace("[5, 10]", "[5, ten]")
    (tmp_path / "sweep.yaml").write_text(wrong)
    failed = xpm("run-experiment", "--workdir", str(workdir), "sweep.yaml", cwd=tmp_path)
    assert (failed.returncode, failed.stderr) == (
        2,
        "Error: sweep.yaml:7: grid_search.epochs[1]: expected int, got 'ten' (str)\n",
    )
