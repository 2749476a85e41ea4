"""`@configuration` classes: type conversion and error messages for experiment keys."""

from __future__ import annotations

import dataclasses
import enum
import textwrap
from pathlib import Path
from typing import Literal, Optional

import pytest

from xpm.cli import (
    ConfigurationError,
    ConfigurationTypeError,
    Located,
    as_plain,
    configuration,
    is_configuration,
    load_configuration,
    load_experiment_file,
    render_yaml,
)
from xpm.core import XpmError


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


@configuration
class Layer:
    size: int
    activation: Literal["relu", "tanh"] = "relu"


@configuration
class Everything:
    count: int
    ratio: float
    name: str
    enabled: bool
    layers: list[Layer]
    widths: list[int] = dataclasses.field(default_factory=list)
    weights: dict[str, float] = dataclasses.field(default_factory=dict)
    maybe: Optional[int] = None  # noqa: UP045 - the typing spelling must work too
    other: int | None = None
    color: Color = Color.RED
    level: Level = Level.LOW
    output: Path = Path("out")
    mode: Literal["fast", "slow", 3] = "fast"


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Work inside `tmp_path`, so error messages show short relative paths."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def tree(folder: Path, text: str) -> Located:
    path = folder / "exp.yaml"
    path.write_text("id: t\n" + textwrap.dedent(text).lstrip(), encoding="utf-8")
    return load_experiment_file(path).configuration


MINIMAL = """
count: 3
ratio: 1
name: run
enabled: yes
layers: [{size: 8}, {size: 4, activation: tanh}]
"""


def error(folder: Path, text: str, cls: type = Everything) -> str:
    with pytest.raises(ConfigurationError) as info:
        load_configuration(cls, tree(folder, text))
    assert isinstance(info.value, XpmError)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def test_decorated_class_is_a_keyword_only_dataclass() -> None:
    """`@configuration` gives a dataclass whose fields are keyword-only."""
    assert dataclasses.is_dataclass(Layer)
    assert is_configuration(Layer)
    assert is_configuration(Layer(size=1))
    assert not is_configuration(Color)
    with pytest.raises(TypeError):
        Layer(1)  # type: ignore[misc]


def test_every_supported_type_is_converted(folder: Path) -> None:
    """Values are checked and converted; an int is accepted for a float; defaults fill
    the keys left out."""
    loaded = load_configuration(Everything, tree(folder, MINIMAL))
    assert loaded == Everything(
        count=3,
        ratio=1.0,
        name="run",
        enabled=True,
        layers=[Layer(size=8), Layer(size=4, activation="tanh")],
    )
    assert isinstance(loaded.ratio, float)


def test_all_fields_set(folder: Path) -> None:
    """Enums by value or name, paths from strings, dicts, lists and optionals."""
    text = MINIMAL + textwrap.dedent(
        """
        widths: [1, 2]
        weights: {a: 1, b: 0.5}
        maybe: 4
        other: null
        color: GREEN
        level: 2
        output: results/run1
        mode: 3
        """
    )
    loaded = load_configuration(Everything, tree(folder, text))
    assert loaded.widths == [1, 2]
    assert loaded.weights == {"a": 1.0, "b": 0.5}
    assert (loaded.maybe, loaded.other) == (4, None)
    assert (loaded.color, loaded.level) == (Color.GREEN, Level.HIGH)
    assert loaded.output == Path("results/run1")
    assert loaded.mode == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("count: ten", "exp.yaml:2: count: expected int, got 'ten' (str)"),
        ("count: true", "exp.yaml:2: count: expected int, got True (bool)"),
        ("ratio: '1.5'", "exp.yaml:3: ratio: expected float, got '1.5' (str)"),
        (
            "name: 12",
            "exp.yaml:4: name: expected str, got 12 (int); quote it to write a string",
        ),
        ("enabled: 1", "exp.yaml:5: enabled: expected bool, got 1 (int)"),
        ("widths: 3", "exp.yaml:7: widths: expected list[int], got 3 (int)"),
        ("widths: [1, x]", "exp.yaml:7: widths[1]: expected int, got 'x' (str)"),
        (
            "weights: [1]",
            "exp.yaml:7: weights: expected dict[str, float], got a list",
        ),
        (
            "weights: {a: no}",
            "exp.yaml:7: weights.a: expected float, got False (bool)",
        ),
        ("maybe: 1.5", "exp.yaml:7: maybe: expected int, got 1.5 (float)"),
        ("other: x", "exp.yaml:7: other: expected int, got 'x' (str)"),
        (
            "color: gren",
            "exp.yaml:7: color: expected one of 'red', 'green' (Color), got 'gren'"
            " (str). Did you mean 'green'?",
        ),
        (
            "level: 3",
            "exp.yaml:7: level: expected one of 'LOW', 'HIGH' (Level), got 3 (int)",
        ),
        (
            "mode: fats",
            "exp.yaml:7: mode: expected one of 'fast', 'slow', 3, got 'fats' (str)."
            " Did you mean 'fast'?",
        ),
        ("output: [a]", "exp.yaml:7: output: expected Path, got a list"),
        (
            "name: no",
            "exp.yaml:4: name: expected str, got False (bool); quote it to write a string",
        ),
    ],
)
def test_wrong_type_names_file_line_key_expected_and_given(
    folder: Path, extra: str, message: str
) -> None:
    """Each mismatch says where, which key, what was expected and what was given."""
    key = extra.split(":")[0] + ":"
    original = next((x for x in MINIMAL.splitlines() if x.startswith(key)), None)
    text = MINIMAL.replace(original, extra) if original else MINIMAL + extra + "\n"
    assert error(folder, text) == message


def test_error_inside_a_list_of_nested_configurations(folder: Path) -> None:
    """Paths index into lists: `layers[1].activation`."""
    text = MINIMAL.replace("activation: tanh", "activation: sigmoid")
    assert error(folder, text) == (
        "exp.yaml:6: layers[1].activation: expected one of 'relu', 'tanh', got 'sigmoid' (str)"
    )


def test_unknown_key_suggests_close_matches(folder: Path) -> None:
    """A misspelled key lists the valid keys and the closest ones."""
    assert error(folder, MINIMAL + "cuont: 3\n") == (
        "exp.yaml:7: cuont: unknown key for Everything (its keys: count, ratio, name,"
        " enabled, layers, widths, weights, maybe, other, color, level, output, mode)."
        " Did you mean 'count'?"
    )


def test_unknown_nested_key_names_its_line(folder: Path) -> None:
    """Unknown keys inside nested mappings carry the full dotted path."""
    text = MINIMAL.replace("{size: 8}", "{size: 8, activaton: relu}")
    assert error(folder, text) == (
        "exp.yaml:6: layers[0].activaton: unknown key for Layer (its keys: size,"
        " activation). Did you mean 'activation'?"
    )


def test_missing_key_names_the_mapping_that_lacks_it(folder: Path) -> None:
    """A required key left out is reported at its mapping, with its type."""
    assert error(folder, MINIMAL.replace("count: 3\n", "")) == (
        "exp.yaml:1: count: missing required key, expected int"
    )
    assert error(folder, MINIMAL.replace("{size: 4, ", "{")) == (
        "exp.yaml:6: layers[1].size: missing required key, expected int"
    )


def test_nested_configuration_must_be_a_mapping(folder: Path) -> None:
    """A scalar where a nested configuration is expected is a type mismatch."""
    assert error(folder, MINIMAL.replace("[{size: 8}, ", "[8, ")) == (
        "exp.yaml:6: layers[0]: expected a mapping (Layer), got 8 (int)"
    )


def test_post_init_value_error_becomes_a_configuration_error(folder: Path) -> None:
    """A class may validate itself; its ValueError is reported with file and line."""

    @configuration
    class Positive:
        n: int

        def __post_init__(self) -> None:
            if self.n <= 0:
                raise ValueError("n must be positive")

    assert error(folder, "n: -1\n", Positive) == "exp.yaml:1: n must be positive"


def test_unsupported_annotation_is_a_type_error(folder: Path) -> None:
    """A field type that YAML cannot fill is the class author's error."""

    @configuration
    class Odd:
        when: complex

    with pytest.raises(ConfigurationTypeError) as info:
        load_configuration(Odd, tree(folder, "when: 1\n"))
    assert isinstance(info.value, TypeError)
    assert str(info.value) == (
        "Odd.when: unsupported type <class 'complex'>; use int, float, str, bool, Path,"
        " an Enum, Literal, Optional, list[T], dict[str, T] or a @configuration class"
    )


def test_as_plain_and_render_show_the_resolved_configuration(folder: Path) -> None:
    """Enums render as their values and paths as strings, in field order."""
    loaded = load_configuration(Everything, tree(folder, MINIMAL))
    plain = as_plain(loaded)
    assert isinstance(plain, dict)
    assert plain["color"] == "red"
    assert plain["output"] == "out"
    rendered = render_yaml(loaded)
    assert rendered.startswith("count: 3\nratio: 1.0\nname: run\nenabled: true\n")
    assert "layers:\n- size: 8\n  activation: relu\n" in rendered


def test_unresolvable_annotation_is_a_type_error(folder: Path) -> None:
    """String annotations naming an unknown type are reported, not a NameError."""

    @configuration
    class Dangling:
        part: Missing  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(ConfigurationTypeError) as info:
        load_configuration(Dangling, tree(folder, "part: 1\n"))
    assert str(info.value) == (
        "Dangling: cannot resolve the annotation 'Missing'; define the types it names"
        " at module level"
    )
