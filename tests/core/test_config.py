"""Building configurations: construction, type checks, defaults, sealing, clear errors."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

import pytest

from xpm.core import (
    Config,
    ConfigError,
    Constant,
    Meta,
    Param,
    SealedError,
    Task,
    UnsetParameterError,
    ValidationError,
    field,
    parameters,
    submitting_to,
    validate,
)

from .golden.stability import DryRun


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Model(Config):
    layers: Param[int] = 3
    """Number of layers"""

    width: Param[float] = 1.0
    color: Param[Color] = Color.RED
    sizes: Param[list[int]] = field(default_factory=list)
    name: Param[str | None] = None


class Learner(Task):
    model: Param[Model]
    epochs: Param[int]
    gpus: Meta[int] = 2
    version: Constant[int] = 1


def test_c_and_call_build_the_same_configuration() -> None:
    """`Model.C(...)` and `Model(...)` are the same constructor."""
    assert Model.C is Model
    assert Model.C(layers=4).__identifier__() == Model(layers=4).__identifier__()


def test_defaults_are_filled_and_factories_called_per_object() -> None:
    a, b = Model.C(), Model.C()
    assert (a.layers, a.width, a.color, a.name) == (3, 1.0, Color.RED, None)
    assert a.sizes == [] and a.sizes is not b.sizes


def test_int_is_converted_for_float_parameters() -> None:
    model = Model.C(width=2)
    assert model.width == 2.0 and type(model.width) is float


def test_wrong_type_at_construction_names_the_parameter() -> None:
    with pytest.raises(ConfigError) as info:
        Model.C(layers="three")
    assert str(info.value) == (
        "Model.layers: expected int, got str ('three'): text is converted only when it "
        'writes a whole number ("3", "3.0"); give an int'
    )
    assert info.value.path == "Model.layers"


def test_a_number_written_as_text_is_converted_as_experimaestro_does() -> None:
    assert Model.C(layers="3").layers == 3
    assert Model.C(layers=" 3.0 ").layers == 3


def test_wrong_type_at_assignment_names_the_parameter() -> None:
    learner = Learner.C(epochs=1)
    with pytest.raises(
        ConfigError, match=r"Learner.model: expected a Model configuration, got int"
    ):
        learner.model = 3  # type: ignore[assignment]


def test_wrong_element_type_names_the_index() -> None:
    with pytest.raises(ConfigError, match=r"^Model.sizes\[1\]: expected int, got str"):
        Model.C(sizes=[1, "two"])


def test_a_fraction_is_not_an_int() -> None:
    with pytest.raises(ConfigError, match=r"expected int, got float \(2\.5\): it is not a whole"):
        Model.C(layers=2.5)


def test_a_bool_given_to_an_int_is_stored_as_an_int() -> None:
    """experimaestro stores `True` as 1; the identifier is the same either way."""
    layers = Model.C(layers=True).layers
    assert layers == 1 and type(layers) is int


def test_unknown_parameter_suggests_the_closest_name() -> None:
    with pytest.raises(ConfigError) as info:
        Model.C(layer=3)
    assert "Model has no parameter 'layer'. Did you mean 'layers'?" in str(info.value)


def test_missing_required_parameters_are_listed_with_full_paths() -> None:
    learner = Learner.C(model=Model.C())
    with pytest.raises(ValidationError) as info:
        validate(learner)
    assert str(info.value) == (
        "Learner.epochs: required parameter is not set; set it before submitting"
    )


def test_missing_nested_parameter_has_its_full_path() -> None:
    class Inner(Config):
        value: Param[int]

    class Outer(Config):
        inner: Param[Inner]

    with pytest.raises(ValidationError, match=r"Outer\.inner\.value"):
        Outer.C(inner=Inner.C()).__identifier__()


def test_reading_an_unset_parameter_says_how_to_set_it() -> None:
    with pytest.raises(UnsetParameterError, match=r"Learner.epochs is not set: pass it"):
        _ = Learner.C().epochs


def test_constants_cannot_be_changed() -> None:
    with pytest.raises(ConfigError, match="is a constant"):
        Learner.C(version=2)
    learner = Learner.C()
    with pytest.raises(ConfigError, match="is a constant"):
        learner.version = 2


def test_submitted_graph_is_sealed() -> None:
    model = Model.C()
    learner = Learner.C(model=model, epochs=3)
    with submitting_to(DryRun()):
        learner.submit()
    with pytest.raises(SealedError, match=r"Model.layers cannot be changed: .* sealed"):
        model.layers = 5
    with pytest.raises(SealedError):
        learner.epochs = 1


def test_submit_without_experiment_says_to_open_one() -> None:
    from xpm.core import NoExperimentError

    with pytest.raises(NoExperimentError, match=r"with experiment\(workdir, name\)"):
        Learner.C(model=Model.C(), epochs=1).submit()


def test_forward_references_and_cycles_by_name() -> None:
    a = NodeA.C()
    b = NodeB.C(a=a)
    a.b = b
    assert len(a.__identifier__().hex()) == 64


class NodeA(Config):
    b: Param[NodeB]


class NodeB(Config):
    a: Param[NodeA | None] = None


def test_parameters_expose_type_help_and_default() -> None:
    params = parameters(Model)
    assert list(params) == ["layers", "width", "color", "sizes", "name"]
    assert params["layers"].type is int
    assert params["layers"].help == "Number of layers"
    assert params["layers"].default == 3
    assert parameters(Learner)["gpus"].kind.value == "meta"


def test_path_values_accept_strings() -> None:
    class WithPath(Config):
        where: Param[Path]

    assert WithPath.C(where="/tmp/x").where == Path("/tmp/x")


def test_non_parameter_attributes_are_free() -> None:
    model = Model.C()
    model.cache_value = 3
    assert model.cache_value == 3


def test_repr_shows_values() -> None:
    assert repr(Model.C(layers=4, sizes=[1])) == (
        "Model(layers=4, width=1.0, color=<Color.RED: 'red'>, sizes=[1], name=None)"
    )


def test_any_and_dict_types() -> None:
    class Loose(Config):
        anything: Param[Any]
        table: Param[dict[str, float]]

    loose = Loose.C(anything=object(), table={"a": 1})
    assert loose.table == {"a": 1.0}


def test_markers_are_annotated_aliases() -> None:
    """`Param[int]` is `Annotated[int, Kind.PARAM]`, as before markers were built lazily."""
    import typing

    from xpm.core import Constant, Meta, Option, Param
    from xpm.core.params import Kind

    assert Param[int] == typing.Annotated[int, Kind.PARAM]
    assert Meta[int] == Option[int] == typing.Annotated[int, Kind.META]
    assert Constant[int] == typing.Annotated[int, Kind.CONSTANT]
    assert repr(Kind.PARAM) == "<Kind.PARAM: 'param'>"


def test_config_metaclass_is_a_dataclass_transform() -> None:
    """The runtime marker equals the one `typing.dataclass_transform` would set."""
    import typing

    from xpm.core.config import ConfigMeta
    from xpm.core.params import Field

    expected = typing.dataclass_transform(kw_only_default=True, field_specifiers=(field, Field))(
        type("Probe", (), {})
    )
    assert ConfigMeta.__dataclass_transform__ == expected.__dataclass_transform__  # type: ignore[attr-defined]
