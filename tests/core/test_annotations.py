"""String annotations name the class Python's scoping would find, not the last of that name."""

from __future__ import annotations

import importlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from xpm.core import ConfigError, parameters

# Two modules, each defining its own `Model` and a `Learner` using it. The classes live
# inside a function, as in a test or a notebook cell: they are not module globals, so
# only their qualified names (`build.<locals>.Model`) tell the two `Model`s apart.
LOCAL = """
    from __future__ import annotations
    from xpm.core import Config, Param

    def build():
        class Model(Config):
            {field}

        class Learner(Config):
            model: Param[Model]
            models: Param[list[Model]] = []

        return Model, Learner
"""

GLOBAL = """
    from xpm.core import Config, Param

    class Learner(Config):
        model: "Param[Model]"

    class Model(Config):
        {field}
"""


@pytest.fixture
def modules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    names: list[str] = []

    def write(name: str, template: str, field: str) -> ModuleType:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(template.format(field=field)))
        names.append(name)
        return importlib.import_module(name)

    monkeypatch.syspath_prepend(str(tmp_path))
    yield write
    for name in names:
        sys.modules.pop(name, None)


def test_local_classes_of_the_same_name_in_two_modules(modules: Any) -> None:
    first = modules("xpm_ann_first", LOCAL, "layers: Param[int] = 1")
    second = modules("xpm_ann_second", LOCAL, "width: Param[float] = 1.0")
    model_a, learner_a = first.build()
    model_b, learner_b = second.build()

    assert parameters(learner_a)["model"].type is model_a
    assert parameters(learner_b)["model"].type is model_b
    assert learner_a.C(model=model_a.C(), models=[model_a.C()]).model.layers == 1
    assert learner_b.C(model=model_b.C()).model.width == 1.0
    with pytest.raises(ConfigError, match="expected a Model configuration"):
        learner_a.C(model=model_b.C())


def test_module_level_classes_of_the_same_name_in_two_modules(modules: Any) -> None:
    first = modules("xpm_ann_glob_first", GLOBAL, "layers: Param[int] = 1")
    second = modules("xpm_ann_glob_second", GLOBAL, "width: Param[float] = 1.0")

    assert parameters(first.Learner)["model"].type is first.Model
    assert parameters(second.Learner)["model"].type is second.Model
    assert first.Learner.C(model=first.Model.C()).model.layers == 1


def test_a_name_no_scope_holds_and_two_modules_define_is_refused(modules: Any) -> None:
    """Neither the module nor an enclosing function defines `Model`: xpm will not guess."""
    modules("xpm_ann_amb_first", GLOBAL, "layers: Param[int] = 1")
    modules("xpm_ann_amb_second", GLOBAL, "width: Param[float] = 1.0")
    orphan = modules(
        "xpm_ann_orphan",
        """
        from xpm.core import Config, Param

        class Holder(Config):
            model: "Param[Model]"
        """,
        "",
    )
    with pytest.raises(ConfigError) as error:
        orphan.Holder.C()
    message = str(error.value)
    assert "cannot resolve the annotation of Holder: 'Model' names several" in message
    assert "xpm_ann_amb_first.Model" in message and "xpm_ann_amb_second.Model" in message
    assert "import the one you mean there" in message


def test_a_class_defined_in_one_place_only_is_found_from_another_module(modules: Any) -> None:
    """As before the fix: a unique name resolves even when the module does not import it."""
    only = modules("xpm_ann_only", GLOBAL.replace("Model", "Encoder"), "depth: Param[int] = 2")
    user = modules(
        "xpm_ann_user",
        """
        from xpm.core import Config, Param

        class Uses(Config):
            encoder: "Param[Encoder]"
        """,
        "",
    )
    assert parameters(user.Uses)["encoder"].type is only.Encoder


def test_a_name_defined_nowhere_is_reported_with_its_class() -> None:
    from xpm.core import Config, Param

    class Inner(Config):
        x: Param[int] = 1

    class Outer(Config):
        inner: Param[Inner]
        missing: Param[NotDefinedAnywhere]  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(ConfigError, match=r"cannot resolve the annotation of .*Outer"):
        Outer.C()
