"""`xpm results` and the rows behind it: one real experiment, then tables, CSV, heatmaps.

The experiment (a script run in its own process) submits `Prepare` jobs, which write no
metrics, and `Score` jobs tagged `model`, `lr` and `seed` that write `metrics.json`; one
Score job writes none, and one file is damaged afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from xpm.cli.errors import run_program
from xpm.cli.main import xpm
from xpm.scheduler import Results, experiment_results, format_table

SVG = "{http://www.w3.org/2000/svg}"
SCRIPT = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from xpm.core import Meta, Param, Task, pathgenerator, tag
    from xpm.scheduler import experiment

    class Prepare(Task):
        model: Param[str]
        def execute(self) -> None:
            pass

    class Score(Task):
        prepared: Param[Prepare]
        lr: Param[float]
        seed: Param[int]
        write: Param[bool] = True
        metrics: Meta[Path] = pathgenerator("metrics.json")
        def execute(self) -> None:
            if self.write:
                acc = {"bm25": 0.5, "dense": 0.7}[self.prepared.model] + self.lr + self.seed / 100
                loss = round(1 - acc, 4)
                self.metrics.write_text(json.dumps({"acc": round(acc, 4), "test": {"loss": loss}}))

    if __name__ == "__main__":
        with experiment(sys.argv[1], "sweep") as xp:
            for model in ["bm25", "dense"]:
                prepared = Prepare.C(model=tag(model)).submit()
                for lr in [0.1, 0.2]:
                    for seed in [0, 2]:
                        write = not (model == "dense" and lr == 0.2)
                        Score.C(prepared=prepared, lr=tag(lr), seed=tag(seed), write=write).submit()
    """
)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("results")
    (folder / "sweep.py").write_text(SCRIPT)
    workdir = folder / "ws"
    done = subprocess.run(
        [sys.executable, "sweep.py", str(workdir)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert done.returncode == 0, done.stderr
    return workdir


def _short(workdir: Path, model: str, lr: float, seed: int) -> str:
    results = experiment_results(workdir, "sweep")
    row = next(r for r in results.rows if r.tags == {"model": model, "lr": lr, "seed": seed})
    return row.short_name


def test_rows_hold_tags_and_values_of_the_jobs_that_write_the_file(workspace: Path) -> None:
    results = experiment_results(workspace, "sweep")
    assert isinstance(results, Results)
    assert [r.job_id.partition("/")[0] for r in results.rows] == ["__main__.score"] * 8
    assert [(r.tags["model"], r.tags["lr"], r.tags["seed"]) for r in results.rows] == [
        (m, lr, s) for m in ["bm25", "dense"] for lr in [0.1, 0.2] for s in [0, 2]
    ]
    assert results.tag_keys == ["lr", "seed", "model"]
    assert results.value_keys == ["acc", "test.loss"]
    first = results.rows[0]
    assert first.values == {"acc": 0.6, "test.loss": 0.4}
    assert first.data == {"acc": 0.6, "test": {"loss": 0.4}}
    missing = [r for r in results.rows if not r.values]
    assert [(r.tags["model"], r.tags["lr"]) for r in missing] == [("dense", 0.2)] * 2
    assert results.warnings() == [
        f"2 of 8 jobs have no metrics.json (not done, or failed): {missing[0].short_name},"
        f" {missing[1].short_name}"
    ]


def test_grid_is_the_mean_over_the_other_tags(workspace: Path) -> None:
    grid = experiment_results(workspace, "sweep").grid("model", "lr", "acc")
    assert grid.rows == ["bm25", "dense"] and grid.columns == ["0.1", "0.2"]
    assert grid.cells["bm25", "0.1"] == pytest.approx(0.61)
    assert grid.cells["bm25", "0.2"] == pytest.approx(0.71)
    assert grid.cells["dense", "0.1"] == pytest.approx(0.81)
    assert grid.cells["dense", "0.2"] is None


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run `xpm ARGS` as the program does (errors become `Error: ...` and an exit code)."""

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = run_program(xpm, list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def test_the_table_shows_tags_values_and_short_job_names(
    run: Callable[..., tuple[int, str, str]], workspace: Path
) -> None:
    code, out, err = run("results", "--workdir", str(workspace), "sweep")
    assert code == 0, err
    results = experiment_results(workspace, "sweep")
    expected = format_table(
        ["lr", "seed", "model", "acc", "test.loss", "job"],
        [
            [r.tags["lr"], r.tags["seed"], r.tags["model"], r.values.get("acc"),
             r.values.get("test.loss"), r.short_name]
            for r in results.rows
        ],
    )  # fmt: skip
    assert out == expected + "\n"
    lines = out.splitlines()
    assert lines[0].split() == ["lr", "seed", "model", "acc", "test.loss", "job"]
    assert lines[2].split() == ["0.1", "0", "bm25", "0.6", "0.4", _short(workspace, "bm25", 0.1, 0)]
    assert lines[8].split()[:5] == ["0.2", "0", "dense", "-", "-"]
    assert err.count("warning: ") == 1
    assert "2 of 8 jobs have no metrics.json" in err


def test_csv_has_full_ids_and_empty_missing_values(
    run: Callable[..., tuple[int, str, str]], workspace: Path
) -> None:
    code, out, _ = run(
        "results", "--workdir", str(workspace), "sweep", "--csv", "--value", "acc",
        "--filter", "model = 'dense'",
    )  # fmt: skip
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "lr,seed,model,acc,job"
    assert [line.split(",")[:4] for line in lines[1:]] == [
        ["0.1", "0", "dense", "0.8"],
        ["0.1", "2", "dense", "0.82"],
        ["0.2", "0", "dense", ""],
        ["0.2", "2", "dense", ""],
    ]
    job_ids = [r.job_id for r in experiment_results(workspace, "sweep").rows[4:]]
    assert [line.split(",")[4] for line in lines[1:]] == job_ids


def test_heatmap_has_background_labels_cells_and_grey_missing(
    run: Callable[..., tuple[int, str, str]], workspace: Path, tmp_path: Path
) -> None:
    out_svg = tmp_path / "pics" / "acc.svg"
    code, out, err = run(
        "results", "--workdir", str(workspace), "sweep", "--heatmap", str(out_svg),
        "--rows", "model", "--cols", "lr", "--value", "acc",
    )  # fmt: skip
    assert code == 0, err
    assert out == f"heatmap: {out_svg} (4 cells, 1 missing)\n"
    assert not list(out_svg.parent.glob(".*tmp"))
    root = ET.parse(out_svg).getroot()
    background = root[0]
    assert background.tag == f"{SVG}rect" and background.get("fill") == "#ffffff"
    assert (background.get("width"), background.get("height")) == (
        root.get("width"),
        root.get("height"),
    )
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"acc (mean) by model and lr", "model", "lr", "bm25", "dense", "0.1", "0.2"} <= set(
        texts
    )
    cells = {
        (g.get("data-row"), g.get("data-column")): g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "cell"
    }
    assert set(cells) == {(m, lr) for m in ["bm25", "dense"] for lr in ["0.1", "0.2"]}
    missing = cells["dense", "0.2"]
    assert missing[0].get("fill") == "#d0d0d0" and missing[1].text == "-"
    assert cells["bm25", "0.1"][1].text == "0.61"
    assert cells["dense", "0.1"][0].get("fill") != "#d0d0d0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["swep"],
            "no experiment 'swep' in the workspace {ws} (its experiments: sweep)."
            " Did you mean 'sweep'?",
        ),
        (
            ["sweep", "--heatmap", "x.svg", "--rows", "modle", "--cols", "lr", "--value", "acc"],
            "no tag 'modle' in the jobs reading metrics.json (known: lr, seed, model)."
            " Did you mean 'model'?",
        ),
        (
            ["sweep", "--value", "accuracy"],
            "no value 'accuracy' in metrics.json (known: acc, test.loss). Did you mean 'acc'?",
        ),
        (["sweep", "--run", "19990101_000000"], "the experiment 'sweep' has no run"),
        (["sweep", "--file", "../../etc/passwd"], "'../../etc/passwd' is not a file name"),
        (["sweep", "--heatmap", "x.svg", "--rows", "model"], "--heatmap needs --rows TAG"),
    ],
    ids=["experiment", "tag", "value", "run", "file", "heatmap-options"],
)
def test_mistakes_exit_2_and_say_what_is_known(
    run: Callable[..., tuple[int, str, str]], workspace: Path, args: list[str], message: str
) -> None:
    code, out, err = run("results", "--workdir", str(workspace), *args)
    assert code == 2
    assert out == ""
    assert message.format(ws=workspace) in err
    assert "Traceback" not in err


def test_a_damaged_file_is_skipped_with_a_warning(
    run: Callable[..., tuple[int, str, str]], workspace: Path, tmp_path: Path
) -> None:
    results = experiment_results(workspace, "sweep")
    victim = workspace / "jobs" / results.rows[1].job_id / "metrics.json"
    original = victim.read_text()
    victim.write_text('{"acc": 0.')
    try:
        code, out, err = run("results", "--workdir", str(workspace), "sweep", "--value", "acc")
        assert code == 0
        assert f"warning: {victim}: not valid JSON (" in err
        assert err.count(str(victim)) == 1
        assert "acc: missing in 1 of 8 jobs' metrics.json" in err
        assert out.splitlines()[3].split()[3] == "-"
        assert len(out.splitlines()) == 10
    finally:
        victim.write_text(original)
    assert json.loads(victim.read_text())["acc"] == pytest.approx(0.62)
