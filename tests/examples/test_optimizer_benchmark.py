"""examples/optimizer-benchmark: every pair runs once, defaults layer, errors name their file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).parent.parent.parent / "examples"
BENCHMARK = EXAMPLES / "optimizer-benchmark"
TASKS = ["digits", "moons", "regression"]
OPTIMIZERS = ["sgd", "momentum", "adam"]
TRAIN = "optbench.train.train"
SVG = "{http://www.w3.org/2000/svg}"


def xpm(*args: str, cwd: Path, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m xpm.cli run-experiment ARGS` with the workspace `workdir`."""
    return subprocess.run(
        [sys.executable, "-m", "xpm.cli", "run-experiment", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "XPM_WORKDIR": str(workdir), "PYTHONDONTWRITEBYTECODE": "1"},
    )


def table(stdout: str) -> list[str]:
    """The results table: from its header to the line before the legend."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("task "))
    end = next(i for i, line in enumerate(lines) if line.startswith("digits: target"))
    return lines[start:end]


def weight_decays(workdir: Path) -> dict[tuple[str, str], float]:
    """The weight decay each job received, from its params.json, by (task, optimizer)."""
    found = {}
    for path in workdir.glob(f"jobs/{TRAIN}/*/params.json"):
        objects = json.loads(path.read_text())["objects"]
        tags = objects[0]["tags"]
        optimizer = next(o for o in objects if o["typeid"].startswith("optbench.optimizers."))
        found[tags["task"], tags["optimizer"]] = optimizer["values"]["weight_decay"]
    return found


@pytest.mark.slow
def test_debug_runs_every_pair_reports_then_computes_nothing(tmp_path: Path) -> None:
    """9 trainings, a row and a heatmap cell each; the second run finds them all done."""
    pytest.importorskip("numpy")
    pytest.importorskip("sklearn")
    workdir = tmp_path / "ws"
    first = xpm(str(BENCHMARK / "debug.yaml"), cwd=tmp_path, workdir=workdir)
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in (workdir / "jobs").iterdir()) == [TRAIN]
    assert len(list((workdir / "jobs" / TRAIN).iterdir())) == 9
    assert len(list(workdir.glob(f"jobs/{TRAIN}/*/train.done"))) == 9
    assert first.stderr.count("[xpm] done") == 9

    rows = table(first.stdout)
    assert rows[0].split() == ["task", "optimizer", "seed", "best", "epoch", "target", "score"]
    cells = [row.split() for row in rows[2:]]
    assert [row[:3] for row in cells] == [[t, o, "0"] for t in TASKS for o in OPTIMIZERS]
    assert all(0.5 < float(row[5]) <= 1.0 for row in cells)
    history = json.loads(next(workdir.glob(f"jobs/{TRAIN}/*/metrics.json")).read_text())
    assert [row["epoch"] for row in history["history"]] == [1, 2, 3, 4, 5]

    heatmap = Path(first.stdout.splitlines()[-1].removeprefix("heatmap: "))
    assert heatmap == workdir / "experiments" / "optbench-debug" / "results" / "heatmap.svg"
    groups = ET.parse(heatmap).getroot().iter(f"{SVG}g")
    placed = [(g.get("data-row"), g.get("data-column")) for g in groups if g.get("class") == "cell"]
    assert sorted(placed) == sorted((t, o) for t in TASKS for o in OPTIMIZERS)

    second = xpm(str(BENCHMARK / "debug.yaml"), cwd=tmp_path, workdir=workdir)
    assert second.returncode == 0, second.stderr
    assert "[xpm] done" not in second.stderr
    assert table(second.stdout) == rows
    assert len(list((workdir / "jobs" / TRAIN).iterdir())) == 9


def test_user_file_beats_optimizer_defaults_which_beat_task_defaults(tmp_path: Path) -> None:
    """digits sets weight_decay for every optimizer, adam its own, the user's file wins."""
    only = ["-c", "tasks=[digits]", "-c", "optimizers=[sgd, adam]"]
    defaults = xpm("--run-mode", "generate", *only, str(BENCHMARK / "debug.yaml"),
                   cwd=tmp_path, workdir=tmp_path / "defaults")  # fmt: skip
    assert defaults.returncode == 0, defaults.stderr
    assert weight_decays(tmp_path / "defaults") == {
        ("digits", "sgd"): 0.0001,
        ("digits", "adam"): 0.01,
    }

    mine = tmp_path / "mine.yaml"
    mine.write_text(
        f"parent: {BENCHMARK / 'debug.yaml'}\nid: mine\n\noptimizer:\n  weight_decay: 0.003\n"
    )
    user = xpm("--run-mode", "generate", *only, str(mine), cwd=tmp_path,
               workdir=tmp_path / "user")  # fmt: skip
    assert user.returncode == 0, user.stderr
    assert weight_decays(tmp_path / "user") == {
        ("digits", "sgd"): 0.003,
        ("digits", "adam"): 0.003,
    }

    option = xpm("--run-mode", "generate", *only, "-c", "optimizer.weight_decay=0.002",
                 str(mine), cwd=tmp_path, workdir=tmp_path / "option")  # fmt: skip
    assert option.returncode == 0, option.stderr
    assert set(weight_decays(tmp_path / "option").values()) == {0.002}
    params = next((tmp_path / "option").glob(f"jobs/{TRAIN}/*/params.json")).read_text()
    assert json.loads(params)["objects"][0]["values"]["max_epochs"] == 5


def test_full_sweeps_the_seeds_with_grid_search(tmp_path: Path) -> None:
    """full.yaml's `grid_search: {seed: {range: [0, 3]}}`: 27 jobs; -c sweeps others."""
    full = xpm("--run-mode", "generate", str(BENCHMARK / "full.yaml"),
               cwd=tmp_path, workdir=tmp_path / "full")  # fmt: skip
    assert full.returncode == 0, full.stderr
    seeds = [
        json.loads(p.read_text())["objects"][0]["values"]["seed"]
        for p in (tmp_path / "full").glob(f"jobs/{TRAIN}/*/params.json")
    ]
    assert sorted(seeds) == [0] * 9 + [1] * 9 + [2] * 9

    other = xpm("--run-mode", "generate", "-c", "tasks=[moons]", "-c", "optimizers=[sgd]",
                "-c", "grid_search.seed=[3, 4]", str(BENCHMARK / "full.yaml"),
                cwd=tmp_path, workdir=tmp_path / "other")  # fmt: skip
    assert other.returncode == 0, other.stderr
    (run,) = (tmp_path / "other" / "experiments" / "optbench-full").glob("2*")
    jobs = [json.loads(line) for line in (run / "jobs.jsonl").read_text().splitlines()]
    assert [job["tags"]["seed"] for job in jobs] == [3, 4]

    wrong = xpm("-c", "grid_search.seed=[0, one]", str(BENCHMARK / "full.yaml"),
                cwd=tmp_path, workdir=tmp_path / "wrong")  # fmt: skip
    assert wrong.returncode == 2
    assert "grid_search.seed[1]: expected int, got 'one' (str)" in wrong.stderr
    assert not (tmp_path / "wrong" / "jobs").exists()


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the example, to break files in."""
    target = tmp_path / "examples"
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(BENCHMARK, target / "optimizer-benchmark", ignore=ignore)
    return target / "optimizer-benchmark"


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "optbench/tasks/digits/default.yaml",
            "batch_size: 32",
            "batch_size: big",
            "optbench/tasks/digits/default.yaml:3: task.batch_size: expected int, got 'big' (str)",
        ),
        (
            "optbench/optimizers/momentum/default.yaml",
            "momentum: 0.9",
            "momentun: 0.9",
            "optbench/optimizers/momentum/default.yaml:4: optimizer.momentun: unknown key for"
            " MomentumSettings (its keys: name, learning_rate, weight_decay, momentum,"
            " nesterov). Did you mean 'momentum'?",
        ),
        (
            "optbench/tasks/moons/default.yaml",
            "metric: test_acc",
            "metric: test_accuracy",
            "optbench/tasks/moons/default.yaml:12: evaluation.plot.metric: 'test_accuracy' is"
            " not a metric (train_loss, val_loss, val_acc, test_loss, test_acc)."
            " Did you mean 'test_acc'?",
        ),
        (
            "optbench/optimizers/adam/default.yaml",
            "eps: 1.0e-8",
            "eps: [1.0e-8",
            "optbench/optimizers/adam/default.yaml:8: invalid YAML",
        ),
        (
            "debug.yaml",
            "tasks: [digits, moons,",
            "tasks: [digits, mons,",
            "debug.yaml:5: tasks[1]: no task 'mons' in optbench/tasks (known: digits, moons,"
            " regression). Did you mean 'moons'?",
        ),
    ],
    ids=["task-type", "optimizer-key", "task-metric", "optimizer-yaml", "user-task"],
)
def test_error_in_a_layer_names_its_file_and_line(
    copy: Path, file: str, old: str, new: str, message: str
) -> None:
    """A wrong value in any layer exits 2 before any job, pointing at the file and line."""
    path = copy / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    failed = xpm("debug.yaml", cwd=copy, workdir=copy.parent / "ws")
    assert failed.returncode == 2, failed.stderr
    assert failed.stderr.startswith(f"Error: {message}")
    assert failed.stderr.count("\n") == 1
    assert not (copy.parent / "ws" / "jobs").exists()
