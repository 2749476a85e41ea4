"""Deprecated parameters and classes, spelled as in experimaestro 2.7.0 (issue 12 item 8).

experimaestro's single decorator `deprecate` has three uses (docs/dev/experimaestro-compat.md,
section 7.8); xpm is to export it from xpm.core with the same meaning and identifiers.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import xpm.core
import xpm.core.jobcontext as jobcontext
from xpm.core import (
    Config,
    ConfigError,
    JobContext,
    Param,
    Task,
    dumps,
    enter_job,
    loads,
    parameters,
    submitting_to,
    type_id,
)

from .golden.compat import expected


def _deprecate() -> Any:
    return xpm.core.deprecate  # type: ignore[attr-defined]


def test_a_deprecated_parameter_is_converted_into_its_replacement() -> None:
    deprecate = _deprecate()

    class Window(Config):
        __xpmid__ = "compat.Window"
        values: Param[list[int]]

        @deprecate
        def value(self, value: int) -> None:
            self.values = [value]

    window = Window.C(value=3)  # type: ignore[call-arg]
    assert window.values == [3]
    assert window.__identifier__() == Window.C(values=[3]).__identifier__()
    assert window.__identifier__().hex() == expected("deprecated_parameter")
    assert list(parameters(Window)) == ["values"]
    window.value = 5  # type: ignore[attr-defined]
    assert window.values == [5]


def test_a_deprecated_subclass_hashes_as_its_parent() -> None:
    deprecate = _deprecate()

    class Encoder(Config):
        __xpmid__ = "compat.Encoder"
        dim: Param[int]

    @deprecate
    class OldEncoder(Encoder):
        __xpmid__ = "compat.OldEncoder"

    old = OldEncoder.C(dim=8)
    assert isinstance(old, Encoder)
    assert old.__identifier__() == Encoder.C(dim=8).__identifier__()
    assert old.__identifier__().hex() == expected("deprecated_class_subclass")


def test_a_deprecated_class_is_hashed_through_its_conversion() -> None:
    deprecate = _deprecate()

    class Sizes(Config):
        __xpmid__ = "compat.Sizes"
        values: Param[list[int]]

    @deprecate(Sizes)
    class Size(Config):
        __xpmid__ = "compat.Size"
        value: Param[int]

        def __convert__(self) -> Sizes:
            return Sizes.C(values=[self.value])

    class Holder(Config):
        __xpmid__ = "compat.Holder"
        sizes: Param[Config]

    assert Size.C(value=4).__identifier__() == Sizes.C(values=[4]).__identifier__()
    assert Size.C(value=4).__identifier__().hex() == expected("deprecated_class_convert")
    nested = Holder.C(sizes=Size.C(value=4))
    assert nested.__identifier__().hex() == expected("deprecated_class_convert_nested")
    encoding = b"\x00compat.holder\x03sizes\x05\x00" + Sizes.C(values=[4]).__identifier__().digest
    assert nested.__identifier__().hex() == hashlib.sha256(encoding).hexdigest()


def test_replace_returns_the_converted_configuration() -> None:
    deprecate = _deprecate()

    class Sizes(Config):
        __xpmid__ = "compat.Sizes"
        values: Param[list[int]]

    @deprecate(Sizes, replace=True)
    class Size(Config):
        __xpmid__ = "compat.Size"
        value: Param[int]

        def __convert__(self) -> Sizes:
            return Sizes.C(values=[self.value])

    converted = Size.C(value=4)
    assert type(converted) is Sizes
    assert converted.values == [4]  # type: ignore[attr-defined]


class Window(Config):
    __xpmid__ = "compat.Window"
    value: Param[int]
    gone: Param[int] = 0


def test_an_old_params_json_loads_through_the_deprecated_setter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """experimaestro fails with a KeyError on the old field; xpm converts it."""
    stored = dumps(Window.C(value=3, gone=2))
    deprecate = _deprecate()

    class Renamed(Config):  # the next version of Window: `value` became `values`
        __xpmid__ = "compat.Window"
        values: Param[list[int]]

        @deprecate
        def value(self, value: int) -> None:
            self.values = [value]

        @deprecate
        def gone(self, value: int) -> None:
            """Dropped: the value no longer matters."""

    monkeypatch.setattr(sys.modules[__name__], "Window", Renamed)
    loaded = loads(stored)
    assert type(loaded) is Renamed
    assert loaded.values == [3]  # type: ignore[attr-defined]
    assert loaded.__identifier__() == Renamed.C(values=[3]).__identifier__()
    assert loaded.__identifier__().hex() == expected("deprecated_parameter")


def test_a_deprecated_parameter_is_not_readable_and_not_stored() -> None:
    deprecate = _deprecate()

    class Window2(Config):
        values: Param[list[int]]

        @deprecate
        def value(self, value: int) -> None:
            self.values = [value]

    window = Window2.C(value=1)  # type: ignore[call-arg]
    assert "value" not in json.loads(dumps(window))["objects"][0]["values"]
    with pytest.raises(AttributeError, match=r"Window2\.value is deprecated"):
        _ = window.value  # type: ignore[attr-defined]


def test_a_deprecated_class_without_a_parent_or_a_conversion_is_refused() -> None:
    deprecate = _deprecate()
    with pytest.raises(ConfigError, match=r"@deprecate\(Config2\) on Old: define __convert__"):

        class Config2(Config):
            x: Param[int]

        @deprecate(Config2)
        class Old(Config):
            x: Param[int]


class Fit(Task):
    __xpmid__ = "compat.Fit"
    x: Param[int]


class _Recorder:
    def __init__(self, root: Path) -> None:
        self.workdir = root

    def job_folder(self, task: Any) -> Path:
        return self.workdir / "jobs" / type_id(task) / str(task.__identifier__())

    def submit(self, task: Any, *, launcher: Any, outputs: Any) -> Any:
        return self


def test_a_job_of_a_class_deprecated_since_keeps_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Fit` became `Learn`; a job of `Fit` still runs in jobs/compat.fit/<its id>."""
    fit = Fit.C(x=1)
    with submitting_to(_Recorder(tmp_path)):
        fit.submit()
    stored = dumps(fit)
    deprecate = _deprecate()

    class Learn(Task):
        __xpmid__ = "compat.Learn"
        x: Param[int]

    @deprecate
    class Renamed(Learn):
        __xpmid__ = "compat.Fit"

    monkeypatch.setattr(sys.modules[__name__], "Fit", Renamed)
    loaded = loads(stored)
    assert type_id(loaded) == "compat.learn"
    monkeypatch.setattr(jobcontext, "_CURRENT", [])
    enter_job(JobContext(tmp_path / "elsewhere", "fit", tmp_path))
    assert loaded.jobpath == tmp_path / "jobs" / "compat.fit" / fit.__identifier__().hex()  # type: ignore[attr-defined]
    assert loaded.__identifier__() == fit.__identifier__()


class Step(Task):
    __xpmid__ = "compat.Step"
    n: Param[int]


class Pipeline(Task):
    __xpmid__ = "compat.Pipeline"
    step: Param[Step]


def test_a_renamed_task_parameter_loads_with_the_task_it_held(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loaded task has a job: the setter may give it to a task-typed parameter."""
    with submitting_to(_Recorder(tmp_path)):
        step = Step.C(n=1)
        step.submit()
        pipeline = Pipeline.C(step=step)
        pipeline.submit()
    stored = dumps(pipeline)
    deprecate = _deprecate()

    class Later(Task):
        __xpmid__ = "compat.Pipeline"
        first: Param[Step]

        @deprecate
        def step(self, value: Step) -> None:
            self.first = value

    monkeypatch.setattr(sys.modules[__name__], "Pipeline", Later)
    loaded = loads(stored)
    assert type(loaded.first) is Step  # type: ignore[attr-defined]
    assert loaded.first.__identifier__() == step.__identifier__()  # type: ignore[attr-defined]
