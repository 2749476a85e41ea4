"""`grid_search` in experiment files: experimaestro's keys, checked types, automatic tags."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

# Imported once here: the `project` fixture restores sys.modules after each test, and a
# second copy of xpm.core.submitters would not see the experiment the first copy opened.
import xpm.core.submitters
import xpm.scheduler  # noqa: F401
from xpm.cli import ConfigurationError, configuration
from xpm.cli.experiment_file import configuration_of, load_experiment_file
from xpm.cli.grid_search import read_grid, split_grid

from .test_run_experiment import project, run_cli, write  # noqa: F401 - the fixture


@configuration
class Optimizer:
    name: str = "sgd"
    lr: float = 0.1


@configuration
class Sweep:
    epochs: int = 10
    lr: float = 0.1
    optimizer: Optimizer = dataclasses.field(default_factory=Optimizer)
    model: str = "mlp"


def _grid(tmp_path: Path, text: str) -> list[tuple[Sweep, dict[str, object]]]:
    path = tmp_path / "sweep.yaml"
    path.write_text("id: sweep\n" + textwrap.dedent(text))
    tree = load_experiment_file(path).configuration
    cfg = configuration_of(Sweep, tree)
    grid = read_grid(cfg, split_grid(tree)[1])
    assert grid is not None
    return [(point.cfg, point.tags) for point in grid.points(cfg)]


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "sweep.yaml"
    path.write_text("id: sweep\n" + textwrap.dedent(text))
    with pytest.raises(ConfigurationError) as caught:
        configuration_of(Sweep, load_experiment_file(path).configuration)
    return str(caught.value).replace(str(tmp_path) + "/", "")


def test_values_range_and_range_mult_make_every_combination(tmp_path: Path) -> None:
    points = _grid(
        tmp_path,
        """
        grid_search:
          epochs: {range: [10, 30, 10]}
          optimizer.lr: {range_mult: [0.001, 2, 10]}
          model: [mlp]
        """,
    )
    assert [(c.epochs, c.optimizer.lr, c.model) for c, _ in points] == [
        (10, 0.001, "mlp"),
        (10, 0.01, "mlp"),
        (20, 0.001, "mlp"),
        (20, 0.01, "mlp"),
    ]
    assert [tags for _, tags in points] == [
        {"epochs": 10, "optimizer.lr": 0.001},
        {"epochs": 10, "optimizer.lr": 0.01},
        {"epochs": 20, "optimizer.lr": 0.001},
        {"epochs": 20, "optimizer.lr": 0.01},
    ]
    assert all(c.optimizer.name == "sgd" and c.lr == 0.1 for c, _ in points)


def test_values_are_converted_to_the_fields_type(tmp_path: Path) -> None:
    """An int in a float field becomes a float; `1e-4` (a string to YAML 1.1) is a number."""
    points = _grid(
        tmp_path,
        """
        grid_search:
          lr: {values_list: [1, 0.5]}
          optimizer.lr: {values_mult: [1e-4, 2, 10]}
        """,
    )
    assert [(c.lr, type(c.lr), c.optimizer.lr) for c, _ in points] == [
        (1.0, float, 1e-4),
        (1.0, float, 1e-3),
        (0.5, float, 1e-4),
        (0.5, float, 1e-3),
    ]


def test_config_dicts_set_values_together(tmp_path: Path) -> None:
    """Rows vary fastest; only the keys that differ between rows are tags."""
    points = _grid(
        tmp_path,
        """
        grid_search:
          epochs: [1, 2]
          config_dicts:
            - {model: small, optimizer.name: adam}
            - {model: large, optimizer.name: adam}
        """,
    )
    assert [(c.epochs, c.model, c.optimizer.name) for c, _ in points] == [
        (1, "small", "adam"),
        (1, "large", "adam"),
        (2, "small", "adam"),
        (2, "large", "adam"),
    ]
    assert points[1][1] == {"epochs": 1, "model": "large"}


def test_a_wrong_type_in_the_list_names_its_line(tmp_path: Path) -> None:
    message = _error(tmp_path, "grid_search:\n  lr:\n    - 0.1\n    - fast\n")
    assert message == "sweep.yaml:5: grid_search.lr[1]: expected float, got 'fast' (str)"


def test_an_empty_range_names_its_line(tmp_path: Path) -> None:
    message = _error(tmp_path, "epochs: 3\ngrid_search:\n  epochs: {range: [10, 10]}\n")
    assert message == (
        "sweep.yaml:4: grid_search.epochs.range: range [10, 10] is empty (it counts from"
        " start up to stop, excluded): give a stop beyond the start"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "grid_search:\n  optimizer.lrr: [0.1]\n",
            "sweep.yaml:3: grid_search.optimizer.lrr: unknown key 'lrr' for Optimizer"
            " (its keys: name, lr). Did you mean 'lr'?",
        ),
        (
            "grid_search:\n  lr: {ranges: [1, 3]}\n",
            "sweep.yaml:3: grid_search.lr: unknown form 'ranges': give a list of values, or a"
            " mapping with one of range, range_mult, value, values_list, values_mult,"
            " values_range. Did you mean 'range' or 'range_mult'?",
        ),
        (
            "grid_search:\n  lr: []\n",
            "sweep.yaml:3: grid_search.lr: an empty list sweeps nothing: give at least one value",
        ),
        (
            "grid_search:\n  epochs: {range: [1, 5.5]}\n",
            "sweep.yaml:3: grid_search.epochs.range[1]: expected an integer, got 5.5:"
            " [start, stop] or [start, stop, step], integers (stop is excluded)",
        ),
        (
            "grid_search:\n  lr: {range_mult: [0.1, 0, 10]}\n",
            "sweep.yaml:3: grid_search.lr.range_mult[1]: expected a count of values of at"
            " least 1, got 0: [start, count, factor]: count values from start, each factor"
            " times the last",
        ),
        (
            "grid_search:\n  model.size: [1]\n",
            "sweep.yaml:3: grid_search.model.size: model is str, not a mapping of keys:"
            " grid_search sweeps fields of @configuration classes",
        ),
        (
            "grid_search:\n  config_dicts:\n    - {lr: 0.1, epochs: 1}\n    - {lr: 0.2}\n",
            "sweep.yaml:5: grid_search.config_dicts[1]: every row sets the same keys as the"
            " first (lr, epochs): missing epochs",
        ),
        (
            "grid_search:\n  lr: [1, 2]\n  config_dicts:\n    - {lr: 0.1}\n",
            "sweep.yaml:4: grid_search.config_dicts: lr is swept both alone and in"
            " config_dicts: keep one",
        ),
    ],
)
def test_mistakes_are_located(tmp_path: Path, text: str, expected: str) -> None:
    assert _error(tmp_path, text) == expected


GRID_CODE = """
    from xpm.cli import ExperimentHelper, configuration
    from xpm.core import Param, Task


    class Learn(Task):
        lr: Param[float]
        epochs: Param[int]

        def execute(self) -> None:
            pass


    @configuration
    class Configuration:
        lr: float = 0.1
        epochs: int = 1


    def run(helper: ExperimentHelper, cfg: Configuration) -> None:
        for point in helper.grid(cfg):
            Learn.C(lr=point.cfg.lr, epochs=point.cfg.epochs).submit()
            print(point.tags)
"""


def test_run_experiment_tags_each_submitted_task(runner: CliRunner, project: Path) -> None:  # noqa: F811
    """Tasks submitted in the loop carry the swept values; jobs.jsonl records them."""
    write(project, "grid_code.py", GRID_CODE)
    write(
        project,
        "exp.yaml",
        "id: grid\nfile: grid_code\nepochs: 3\ngrid_search:\n  lr: {range_mult: [0.01, 3, 10]}\n",
    )
    code, out, err = run_cli(runner, project / "ws", "--run-mode", "generate", "exp.yaml")
    assert code == 0, err
    assert out.splitlines() == ["{'lr': 0.01}", "{'lr': 0.1}", "{'lr': 1.0}"]
    (run,) = (project / "ws" / "experiments" / "grid").glob("2*")
    submitted = [json.loads(line) for line in (run / "jobs.jsonl").read_text().splitlines()]
    assert [job["tags"] for job in submitted] == [{"lr": 0.01}, {"lr": 0.1}, {"lr": 1.0}]


def test_a_grid_that_run_never_asks_for_is_reported(
    runner: CliRunner,
    project: Path,  # noqa: F811
) -> None:
    code_text = GRID_CODE.replace("for point in helper.grid(cfg):", "for point in [cfg]:")
    code_text = code_text.replace("point.cfg.", "point.").replace("print(point.tags)", "pass")
    write(project, "grid_code2.py", code_text)
    write(project, "exp.yaml", "id: grid\nfile: grid_code2\n\ngrid_search:\n  lr: [1, 2]\n")
    code, _, err = run_cli(runner, project / "ws", "--run-mode", "dry-run", "exp.yaml")
    assert code == 0, err
    assert (
        "[xpm] warning: exp.yaml:4: grid_search is set, but run() never iterates"
        " helper.grid(cfg) (or generate_grid(cfg)): nothing was swept\n"
    ) in err
