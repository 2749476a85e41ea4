"""`forwardoption`: click options that copy a configuration parameter's type, help and
default."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Literal

import click
import pytest
from click.testing import CliRunner

from xpm.cli import (
    ForwardOptionError,
    UnknownParameterError,
    arguments,
    forwardoption,
)
from xpm.core import Config, Constant, Meta, Param, XpmError, field


class Schedule(enum.Enum):
    LINEAR = "linear"
    COSINE = "cosine"


class Optimizer(Config):
    lr: Param[float] = 1e-3
    """Learning rate"""
    schedule: Param[Schedule] = Schedule.LINEAR
    """How the learning rate decays"""


class Learner(Config):
    epochs: Param[int] = 10
    """Number of epochs"""
    optimizer: Param[Optimizer]
    """The optimizer"""
    run_name: Meta[str | None] = None
    """A name to show in logs"""
    layers: Param[list[int]] = field(default_factory=lambda: [64, 32])
    """Hidden layer sizes"""
    shuffle: Param[bool] = True
    """Shuffle the training set"""
    output: Meta[Path] = Path("out")
    precision: Param[Literal["fp16", "fp32"]] = "fp32"
    seed: Param[int]
    version: Constant[int] = 2


def echo_params(**values: object) -> None:
    click.echo(repr(dict(sorted(values.items()))))


def test_option_copies_type_help_and_default(runner: CliRunner) -> None:
    """`--epochs` is an int option with the docstring as help and 10 as default."""

    @click.command()
    @forwardoption(arguments(Learner).epochs)
    def command(epochs: int) -> None:
        echo_params(epochs=epochs)

    assert runner.invoke(command, []).output == "{'epochs': 10}\n"
    assert runner.invoke(command, ["--epochs", "3"]).output == "{'epochs': 3}\n"
    bad = runner.invoke(command, ["--epochs", "x"])
    assert bad.exit_code == 2
    assert "'x' is not a valid integer" in bad.output
    help_text = runner.invoke(command, ["--help"]).output
    assert "--epochs INTEGER  Number of epochs  [default: 10]" in help_text


def test_attribute_form_and_nested_paths(runner: CliRunner) -> None:
    """`forwardoption.optimizer.lr(Learner)` gives `--optimizer-lr`."""

    @click.command()
    @forwardoption.optimizer.lr(Learner)
    @forwardoption(arguments(Learner).optimizer.schedule)
    @forwardoption.run_name(Learner)
    def command(**values: object) -> None:
        echo_params(**values)

    result = runner.invoke(command, ["--optimizer-lr", "0.5", "--optimizer-schedule", "COSINE"])
    assert result.output == (
        "{'optimizer_lr': 0.5, 'optimizer_schedule': <Schedule.COSINE: 'cosine'>,"
        " 'run_name': None}\n"
    )
    default = runner.invoke(command, [])
    assert "'optimizer_schedule': <Schedule.LINEAR: 'linear'>" in default.output
    assert "Learning rate" in runner.invoke(command, ["--help"]).output


def test_renaming_the_option(runner: CliRunner) -> None:
    """Extra declarations replace the derived name, in both forms."""

    @click.command()
    @forwardoption(arguments(Learner).epochs, "--n-epochs", "-n")
    @forwardoption.optimizer.lr(Learner, "--lr")
    def command(n_epochs: int, lr: float) -> None:
        echo_params(n_epochs=n_epochs, lr=lr)

    assert runner.invoke(command, ["-n", "4", "--lr", "1"]).output == (
        "{'lr': 1.0, 'n_epochs': 4}\n"
    )


def test_works_above_and_below_click_command(runner: CliRunner) -> None:
    """Like click.option, the decorator may come before or after @click.command."""

    @forwardoption(arguments(Learner).epochs)
    @click.command()
    @forwardoption.seed(Learner)
    def command(epochs: int, seed: int) -> None:
        echo_params(epochs=epochs, seed=seed)

    assert runner.invoke(command, ["--seed", "1", "--epochs", "2"]).output == (
        "{'epochs': 2, 'seed': 1}\n"
    )


def test_required_parameter_gives_a_required_option(runner: CliRunner) -> None:
    """A parameter without a default must be given."""

    @click.command()
    @forwardoption.seed(Learner)
    def command(seed: int) -> None:
        echo_params(seed=seed)

    result = runner.invoke(command, [])
    assert result.exit_code == 2
    assert "Missing option '--seed'" in result.output


def test_lists_bools_paths_and_literals(runner: CliRunner) -> None:
    """Lists repeat the option, bools get --x/--no-x, Literals are choices."""

    @click.command()
    @forwardoption.layers(Learner)
    @forwardoption.shuffle(Learner)
    @forwardoption.output(Learner)
    @forwardoption.precision(Learner)
    def command(**values: object) -> None:
        echo_params(**values)

    assert runner.invoke(command, []).output == (
        "{'layers': [64, 32], 'output': PosixPath('out'), 'precision': 'fp32', 'shuffle': True}\n"
    )
    result = runner.invoke(
        command,
        [
            "--layers",
            "8",
            "--layers",
            "4",
            "--no-shuffle",
            "--output",
            "o",
            "--precision",
            "fp16",
        ],
    )
    assert result.output == (
        "{'layers': [8, 4], 'output': PosixPath('o'), 'precision': 'fp16', 'shuffle': False}\n"
    )
    assert runner.invoke(command, ["--precision", "fp8"]).exit_code == 2


def test_renamed_bool_is_a_flag(runner: CliRunner) -> None:
    """A renamed bool option without `/` is a flag."""

    @click.command()
    @forwardoption.shuffle(Learner, "--mix", default=False)
    def command(mix: bool) -> None:
        echo_params(mix=mix)

    assert runner.invoke(command, []).output == "{'mix': False}\n"
    assert runner.invoke(command, ["--mix"]).output == "{'mix': True}\n"


def test_click_attributes_win_over_the_parameter(runner: CliRunner) -> None:
    """Keyword arguments go to click.option and override what was read."""

    @click.command()
    @forwardoption(arguments(Learner).epochs, default=99, help="How long")
    def command(epochs: int) -> None:
        echo_params(epochs=epochs)

    assert runner.invoke(command, []).output == "{'epochs': 99}\n"
    assert "How long" in runner.invoke(command, ["--help"]).output


def test_paths_have_a_readable_repr() -> None:
    """A path shows how it was written."""
    assert repr(arguments(Learner).optimizer.lr) == "arguments(Learner).optimizer.lr"


def test_unknown_parameter_suggests_close_names() -> None:
    """A misspelled parameter is an XpmError and an AttributeError."""
    with pytest.raises(UnknownParameterError) as info:
        arguments(Learner).optimizer.lrr  # noqa: B018
    assert isinstance(info.value, AttributeError)
    assert isinstance(info.value, XpmError)
    assert str(info.value) == (
        "Optimizer has no parameter 'lrr' (its parameters: lr, schedule). Did you mean 'lr'?"
    )
    with pytest.raises(UnknownParameterError):
        forwardoption.epoch(Learner)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: forwardoption(arguments(Learner).optimizer),
            "cannot forward Learner.optimizer as an option: it is a configuration"
            " (Optimizer); forward one of its parameters, e.g."
            " arguments(Learner).optimizer.lr",
        ),
        (
            lambda: forwardoption(arguments(Learner).version),
            "cannot forward Learner.version as an option: it is a constant, fixed by its class",
        ),
        (
            lambda: forwardoption(arguments(Learner)),
            "cannot forward Learner as an option: pick a parameter: arguments(Cls).name",
        ),
        (
            lambda: arguments(Learner).epochs.value,
            "cannot forward Learner.epochs as an option: its type int has no parameters",
        ),
    ],
)
def test_parameters_that_cannot_be_options(make: object, message: str) -> None:
    """Configurations, constants and roots are refused with the reason."""
    assert callable(make)
    with pytest.raises(ForwardOptionError) as info:
        make()
    assert isinstance(info.value, TypeError)
    assert str(info.value) == message
