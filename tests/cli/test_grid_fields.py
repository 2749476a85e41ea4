"""`GridSearch[T]` fields and `generate_grid(cfg)`: experimaestro's inline grid search."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import xpm.core.submitters  # see test_grid_search.py
import xpm.scheduler  # noqa: F401
from xpm.cli import (
    ConfigurationError,
    GenericParams,
    GridSearch,
    configuration,
    generate_grid,
)
from xpm.cli.experiment_file import configuration_of, load_experiment_file

from .test_run_experiment import project, run_cli, write  # noqa: F401 - the fixture


@configuration
class Sub:
    param: GridSearch[int] = 1


@configuration
class Config:
    lr: GridSearch[float] = 0.001
    batch_size: GridSearch[int] = 32
    sub: Sub | None = None


def _load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "sweep.yaml"
    path.write_text("id: sweep\n" + textwrap.dedent(text))
    return configuration_of(Config, load_experiment_file(path).configuration)


def test_a_field_holds_one_value_or_the_checked_values_to_sweep(tmp_path: Path) -> None:
    cfg = _load(tmp_path, "lr: 0.1\nbatch_size: {range: [16, 64, 16]}\nsub: {param: [1, 2]}\n")
    assert cfg.lr == 0.1
    assert cfg.batch_size == GenericParams((16, 32, 48))
    assert cfg.sub == Sub(param=GenericParams((1, 2)))
    cfg = _load(tmp_path, "lr: {range_mult: [1e-4, 3, 10]}\nbatch_size: {value: 8}\n")
    assert isinstance(cfg.lr, GenericParams)
    assert cfg.lr.as_list() == pytest.approx([1e-4, 1e-3, 1e-2])
    assert cfg.batch_size == GenericParams((8,))
    assert not cfg.batch_size.is_grid


def test_generate_grid_expands_fields_in_order_and_tags_the_swept_ones(tmp_path: Path) -> None:
    """First field slowest; nested fields by dotted key; one value: set, not a tag."""
    cfg = _load(tmp_path, "lr: [0.1, 0.01]\nbatch_size: [16]\nsub: {param: {range: [1, 3]}}\n")
    configs, tags = generate_grid(cfg)
    assert [(c.lr, c.batch_size, c.sub.param if c.sub else None) for c in configs] == [
        (0.1, 16, 1),
        (0.1, 16, 2),
        (0.01, 16, 1),
        (0.01, 16, 2),
    ]
    assert tags == [
        {"lr": 0.1, "sub.param": 1},
        {"lr": 0.1, "sub.param": 2},
        {"lr": 0.01, "sub.param": 1},
        {"lr": 0.01, "sub.param": 2},
    ]
    assert isinstance(cfg.lr, GenericParams)  # cfg itself is left as it was


def test_grid_search_keys_join_and_replace_field_values(tmp_path: Path) -> None:
    """A grid_search key on a GridSearch field replaces its values, keeping its place."""
    cfg = _load(
        tmp_path,
        """
        lr: [0.1, 0.01]
        batch_size: [1, 2]
        grid_search:
          batch_size: [16, 64]
          config_dicts: [{sub.param: 5}, {sub.param: 6}]
        sub: {}
        """,
    )
    configs, tags = generate_grid(cfg)
    assert [(c.lr, c.batch_size, c.sub.param if c.sub else None) for c in configs][:3] == [
        (0.1, 16, 5),
        (0.1, 16, 6),
        (0.1, 64, 5),
    ]
    assert len(configs) == 8
    assert tags[0] == {"lr": 0.1, "batch_size": 16, "sub.param": 5}


def test_without_a_grid_the_configuration_comes_back_once(tmp_path: Path) -> None:
    cfg = _load(tmp_path, "lr: 0.5\n")
    assert generate_grid(cfg) == ([cfg], [{}])
    assert generate_grid(dataclasses.replace(cfg, lr=GenericParams((1.0, 2.0))))[1] == [
        {"lr": 1.0},
        {"lr": 2.0},
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "batch_size: [16, big]\n",
            "sweep.yaml:2: batch_size[1]: expected int, got 'big' (str)",
        ),
        (
            "sub:\n  param: {range: [3, 3]}\n",
            "sweep.yaml:3: sub.param.range: range [3, 3] is empty (it counts from start up"
            " to stop, excluded): give a stop beyond the start",
        ),
        (
            "lr: {ranges: [1, 2]}\n",
            "sweep.yaml:2: lr: unknown form 'ranges': give a list of values, or a mapping"
            " with one of range, range_mult, value, values_list, values_mult, values_range."
            " Did you mean 'range' or 'range_mult'?",
        ),
        (
            "lr: [0.1, 0.2]\ngrid_search:\n  config_dicts: [{lr: 0.3}]\n",
            "sweep.yaml:4: grid_search.config_dicts: lr is swept both alone and in"
            " config_dicts: keep one",
        ),
        (
            "grid_search:\n  batch_size: [1, 2.5]\n",
            "sweep.yaml:3: grid_search.batch_size[1]: expected int, got 2.5 (float)",
        ),
    ],
)
def test_mistakes_are_located(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        _load(tmp_path, text)
    assert str(caught.value).replace(str(tmp_path) + "/", "") == expected


CODE = """
    from xpm.cli import ExperimentHelper, GridSearch, configuration, generate_grid
    from xpm.core import Param, Task


    class Learn(Task):
        lr: Param[float]

        def execute(self) -> None:
            pass


    @configuration
    class Configuration:
        lr: GridSearch[float] = 0.1


    def run(helper: ExperimentHelper, cfg: Configuration) -> None:
        configs, tags = generate_grid(cfg)
        for point, point_tags in zip(configs, tags):
            task = Learn.C(lr=point.lr)
            for name, value in point_tags.items():
                task.tag(name, value)
            task.submit()
"""


def test_run_experiment_with_generate_grid(runner: CliRunner, project: Path) -> None:  # noqa: F811
    write(project, "code.py", CODE)
    write(project, "exp.yaml", "id: grid\nfile: code\nlr: {range_mult: [0.01, 2, 10]}\n")
    code, _, err = run_cli(runner, project / "ws", "--run-mode", "generate", "exp.yaml")
    assert (code, err) == (0, "")
    (run,) = (project / "ws" / "experiments" / "grid").glob("2*")
    submitted = [json.loads(line) for line in (run / "jobs.jsonl").read_text().splitlines()]
    assert [job["tags"] for job in submitted] == [{"lr": 0.01}, {"lr": 0.1}]


def test_a_wrong_value_exits_2_naming_the_line(runner: CliRunner, project: Path) -> None:  # noqa: F811
    write(project, "code.py", CODE)
    write(project, "exp.yaml", "id: grid\nfile: code\nlr: [0.1, fast]\n")
    code, _, err = run_cli(runner, project / "ws", "exp.yaml")
    assert code == 2
    assert "exp.yaml:3: lr[1]: expected float, got 'fast' (str)" in err


def test_a_swept_field_never_expanded_is_reported(runner: CliRunner, project: Path) -> None:  # noqa: F811
    write(project, "code.py", CODE.replace("configs, tags = generate_grid(cfg)", "return"))
    write(project, "exp.yaml", "id: grid\nfile: code\nlr: [0.1, 0.2]\n")
    code, _, err = run_cli(runner, project / "ws", "--run-mode", "dry-run", "exp.yaml")
    assert code == 0, err
    assert err.endswith(
        "exp.yaml: a GridSearch field takes several values, but run() never iterates"
        " helper.grid(cfg) (or generate_grid(cfg)): nothing was swept\n"
    )


def test_show_and_c_options_use_the_same_forms(runner: CliRunner, project: Path) -> None:  # noqa: F811
    """--show prints a swept field as its list; -c gives a field values to sweep."""
    write(project, "code.py", CODE)
    write(project, "exp.yaml", "id: grid\nfile: code\nlr: {range_mult: [0.01, 2, 10]}\n")
    code, out, err = run_cli(runner, project / "ws", "--show", "exp.yaml")
    assert (code, out) == (0, "lr:\n- 0.01\n- 0.1\n"), err
    code, out, err = run_cli(runner, project / "ws", "--show", "-c", "lr=[1, 2]", "exp.yaml")
    assert (code, out) == (0, "lr:\n- 1.0\n- 2.0\n"), err
