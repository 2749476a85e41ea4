"""Compute experimaestro 2.7.0's identifiers for the compatibility vectors.

Run with experimaestro's own interpreter (it must not import xpm):

    /work/venvs/xpmref/bin/python tests/core/golden/make_compat_vectors.py

It writes `compat-vectors.json` next to this file. Each vector is a Python snippet that
defines its classes and sets `result`; the snippet uses only names that experimaestro and
xpm share (`Config`, `Task`, `Param`, `field`, `tag`, ...), so `test_compat_vectors.py`
executes the same text against xpm and compares. Snippets marked `submit` run inside an
open experiment (experimaestro: a dry-run experiment; xpm: a submitter that runs
nothing). A vector with `partial` also records the partial identifier of `result` for
the partial of that name, and `partial_path`, the generated path relative to the
workspace. A *refusal* is a snippet experimaestro rejects; the exception's class is
recorded (its message is experimaestro's text, described in docs/dev/experimaestro-compat.md).
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import tempfile
import textwrap
import types
import warnings
from pathlib import Path
from typing import Any

MODULE = "compat_vectors"

VECTORS: dict[str, dict[str, Any]] = {}
REFUSALS: dict[str, dict[str, Any]] = {}


def vector(
    name: str,
    item: str,
    description: str,
    source: str,
    *,
    submit: bool = False,
    partial: str | None = None,
    path: str | None = None,
) -> None:
    VECTORS[name] = {
        "item": item,
        "description": description,
        "source": textwrap.dedent(source).strip() + "\n",
        "submit": submit,
        "partial": partial,
        "path_parameter": path,
    }


def refusal(name: str, item: str, description: str, source: str) -> None:
    REFUSALS[name] = {
        "item": item,
        "description": description,
        "source": textwrap.dedent(source).strip() + "\n",
    }


LEAF = """
class Leaf(Config):
    __xpmid__ = "compat.Leaf"
    x: Param[int]
    note: Meta[str] = field(default="")
"""

# --- item 3: Param[Optional[X]] without a default -------------------------------------

OPTIONAL = """
from typing import Optional

class OptionalInt(Config):
    __xpmid__ = "compat.OptionalInt"
    y: Param[Optional[int]]
"""
vector(
    "optional_none_implicit",
    "3",
    "Param[Optional[int]] without default, not given: None, skipped in the hash",
    OPTIONAL + "result = OptionalInt.C()",
)
vector(
    "optional_none_explicit",
    "3",
    "the same parameter given None: same identifier as not given",
    OPTIONAL + "result = OptionalInt.C(y=None)",
)
vector(
    "optional_value",
    "3",
    "the same parameter given 1: hashed",
    OPTIONAL + "result = OptionalInt.C(y=1)",
)
vector(
    "optional_pipe_none",
    "3",
    "Param[int | None] without default, not given",
    """
    class OptionalPipe(Config):
        __xpmid__ = "compat.OptionalPipe"
        y: Param[int | None]

    result = OptionalPipe.C()
    """,
)
OPTIONAL_DEFAULT = """
from typing import Optional

class OptionalDefault(Config):
    __xpmid__ = "compat.OptionalDefault"
    y: Param[Optional[int]] = field(default=3)
"""
vector(
    "optional_default_given_none",
    "3",
    "Param[Optional[int]] = field(default=3) given None: None is hashed (06)",
    OPTIONAL_DEFAULT + "result = OptionalDefault.C(y=None)",
)
vector(
    "optional_default_implicit",
    "3",
    "Param[Optional[int]] = field(default=3) not given: 3 is hashed",
    OPTIONAL_DEFAULT + "result = OptionalDefault.C()",
)
vector(
    "optional_config_none",
    "3",
    "Param[Optional[Leaf]] without default, not given",
    LEAF
    + """
from typing import Optional

class OptionalLeaf(Config):
    __xpmid__ = "compat.OptionalLeaf"
    leaf: Param[Optional[Leaf]]

result = OptionalLeaf.C()
""",
)

# --- item 6: configuration-valued defaults compared by value --------------------------

CONFIG_DEFAULTS = (
    LEAF
    + """
class DefaultIgnored(Config):
    __xpmid__ = "compat.DefaultIgnored"
    leaf: Param[Leaf] = field(default=Leaf.C(x=3), ignore_default=True)

class DefaultHashed(Config):
    __xpmid__ = "compat.DefaultHashed"
    leaf: Param[Leaf] = field(default=Leaf.C(x=3))

class FactoryIgnored(Config):
    __xpmid__ = "compat.FactoryIgnored"
    leaf: Param[Leaf] = field(default_factory=lambda: Leaf.C(x=1), ignore_default=True)

class FactoryHashed(Config):
    __xpmid__ = "compat.FactoryHashed"
    leaf: Param[Leaf] = field(default_factory=lambda: Leaf.C(x=1))
"""
)
for cls, value in (
    ("DefaultIgnored", 3),
    ("DefaultHashed", 3),
    ("FactoryIgnored", 1),
    ("FactoryHashed", 1),
):
    key = cls.replace("Default", "default_").replace("Factory", "factory_").lower()
    vector(
        f"config_{key}_implicit",
        "6",
        f"{cls}: a Leaf parameter left at its default Leaf.C(x={value})",
        CONFIG_DEFAULTS + f"result = {cls}.C()",
    )
    vector(
        f"config_{key}_equal_copy",
        "6",
        f"{cls} given a distinct but equal Leaf.C(x={value}): same as the default",
        CONFIG_DEFAULTS + f"result = {cls}.C(leaf=Leaf.C(x={value}))",
    )
    vector(
        f"config_{key}_other",
        "6",
        f"{cls} given Leaf.C(x={value + 1})",
        CONFIG_DEFAULTS + f"result = {cls}.C(leaf=Leaf.C(x={value + 1}))",
    )
vector(
    "config_default_ignored_meta_differs",
    "6",
    "DefaultIgnored given Leaf.C(x=3, note='n'): experimaestro compares the default with "
    "== over every declared value, Meta included, so the Leaf is hashed here even though "
    "its own identifier equals the default's",
    CONFIG_DEFAULTS + "result = DefaultIgnored.C(leaf=Leaf.C(x=3, note='n'))",
)
vector(
    "config_default_ignored_submitted",
    "6",
    "the same as config_default_ignored_equal_copy, inside a submitted task",
    CONFIG_DEFAULTS
    + """
class UsesDefault(Task):
    __xpmid__ = "compat.UsesDefault"
    inner: Param[DefaultIgnored]

    def execute(self) -> None:
        pass

result = UsesDefault.C(inner=DefaultIgnored.C(leaf=Leaf.C(x=3)))
result.submit()
""",
    submit=True,
)

# --- item 7: sets and init tasks -------------------------------------------------------

SETS = (
    LEAF
    + """
class LeafSet(Config):
    __xpmid__ = "compat.LeafSet"
    items: Param[set[Leaf]]
"""
)
vector(
    "set_duplicate_configs",
    "7",
    "a set built from Leaf(1), an equal Leaf(1) and Leaf(2): two elements are hashed",
    SETS + "result = LeafSet.C(items=sealed_set(Leaf.C(x=1), Leaf.C(x=1), Leaf.C(x=2)))",
)
vector(
    "set_distinct_configs",
    "7",
    "a set of Leaf(1) and Leaf(2): same identifier as set_duplicate_configs",
    SETS + "result = LeafSet.C(items=sealed_set(Leaf.C(x=1), Leaf.C(x=2)))",
)
INIT = """
class Prepare(LightweightTask):
    __xpmid__ = "compat.Prepare"
    p: Param[int]

    def execute(self) -> None:
        pass

class Warmup(Task):
    __xpmid__ = "compat.Warmup"
    p: Param[int]

    def execute(self) -> None:
        pass

class Main(Task):
    __xpmid__ = "compat.Main"
    x: Param[int]

    def execute(self) -> None:
        pass
"""
vector(
    "init_task_is_task",
    "7",
    "a Task (not lightweight, never submitted) given as init task: 0c + 00 + its digest",
    INIT + "result = Main.C(x=2)\nresult.submit(init_tasks=[Warmup.C(p=3)])",
    submit=True,
)
vector(
    "init_task_submitted_task",
    "7",
    "a submitted Task given as init task (it also becomes a dependency)",
    INIT
    + """
warmup = Warmup.C(p=4)
warmup.submit()
result = Main.C(x=3)
result.submit(init_tasks=[warmup])
""",
    submit=True,
)
vector(
    "init_tasks_mixed",
    "7",
    "a LightweightTask then a Task as init tasks, in that order",
    INIT + "result = Main.C(x=4)\nresult.submit(init_tasks=[Prepare.C(p=1), Warmup.C(p=2)])",
    submit=True,
)

# --- item 8: deprecation ---------------------------------------------------------------

vector(
    "deprecated_class_subclass",
    "8",
    "@deprecate on a subclass of the new class: hashed under the new class's type id",
    """
    class Encoder(Config):
        __xpmid__ = "compat.Encoder"
        dim: Param[int]

    @deprecate
    class OldEncoder(Encoder):
        __xpmid__ = "compat.OldEncoder"

    result = OldEncoder.C(dim=8)
    """,
)
vector(
    "deprecated_class_convert",
    "8",
    "@deprecate(New) with __convert__: the identifier is the converted configuration's",
    """
    class Sizes(Config):
        __xpmid__ = "compat.Sizes"
        values: Param[list[int]]

    @deprecate(Sizes)
    class Size(Config):
        __xpmid__ = "compat.Size"
        value: Param[int]

        def __convert__(self):
            return Sizes.C(values=[self.value])

    result = Size.C(value=4)
    """,
)
vector(
    "deprecated_class_convert_nested",
    "8",
    "a deprecated, converted class used as a parameter: the converted digest is hashed",
    """
    class Sizes(Config):
        __xpmid__ = "compat.Sizes"
        values: Param[list[int]]

    @deprecate(Sizes)
    class Size(Config):
        __xpmid__ = "compat.Size"
        value: Param[int]

        def __convert__(self):
            return Sizes.C(values=[self.value])

    class Holder(Config):
        __xpmid__ = "compat.Holder"
        sizes: Param[Config]

    result = Holder.C(sizes=Size.C(value=4))
    """,
)
vector(
    "deprecated_parameter",
    "8",
    "a deprecated parameter converted into its replacement: hashed as the replacement",
    """
    class Window(Config):
        __xpmid__ = "compat.Window"
        values: Param[list[int]]

        @deprecate
        def value(self, value: int):
            self.values = [value]

    result = Window.C(value=3)
    """,
)

# --- item 9: generics, overrides, __post_init__, tags ----------------------------------

GENERIC = """
from typing import Generic, TypeVar

T = TypeVar("T")

class Model(Config, Generic[T]):
    __xpmid__ = "compat.Model"
    p: Param[T]
"""
vector("generic_int", "9", "Param[T] given 1", GENERIC + "result = Model.C(p=1)")
vector("generic_str", "9", "Param[T] given 'a'", GENERIC + "result = Model.C(p='a')")
vector(
    "generic_float_kept",
    "9",
    "Param[T] given 1.0: a TypeVar is not coerced, 1.0 is hashed as a float",
    GENERIC + "result = Model.C(p=1.0)",
)
vector(
    "generic_subscripted",
    "9",
    "Model[int].C(p=1): the same identifier as Model.C(p=1)",
    GENERIC + "result = Model[int].C(p=1)",
)
vector(
    "generic_config",
    "9",
    "Param[T] given a configuration",
    GENERIC + LEAF + "result = Model.C(p=Leaf.C(x=1))",
)
OVERRIDES = (
    LEAF
    + """
class Base(Config):
    __xpmid__ = "compat.Base"
    x: Param[int] = field(default=1)
    y: Param[Config]

class Derived(Base):
    __xpmid__ = "compat.Derived"
    x: Param[int] = field(default=2, overrides=True)
    y: Param[Leaf] = field(overrides=True)
"""
)
vector(
    "overrides_implicit",
    "9",
    "field(default=2, overrides=True) replaces the parent's default 1 (hashed)",
    OVERRIDES + "result = Derived.C(y=Leaf.C(x=1))",
)
vector(
    "overrides_explicit",
    "9",
    "the same with x=2 given: same identifier",
    OVERRIDES + "result = Derived.C(x=2, y=Leaf.C(x=1))",
)
vector(
    "post_init_not_hashed",
    "9",
    "__post_init__ runs on instances only: the configuration keeps y=0",
    """
    class Doubler(Config):
        __xpmid__ = "compat.Doubler"
        x: Param[int]
        y: Param[int] = field(default=0)

        def __post_init__(self):
            self.y = self.x * 2

    result = Doubler.C(x=2)
    """,
)
TAGGED = (
    LEAF
    + """
class Tagged(Config):
    __xpmid__ = "compat.Tagged"
    a: Param[int]
    leaf: Param[Leaf]
"""
)
vector(
    "tags_on_values",
    "9",
    "tag(3) on a value and .tag() on a nested configuration: no effect on the identifier",
    TAGGED + "result = Tagged.C(a=tag(3), leaf=Leaf.C(x=1).tag('size', 'small'))",
)
vector(
    "tags_none",
    "9",
    "the same configuration untagged",
    TAGGED + "result = Tagged.C(a=3, leaf=Leaf.C(x=1))",
)

# --- item 10: coercion -----------------------------------------------------------------

SCALARS = """
class Int(Config):
    __xpmid__ = "compat.Int"
    x: Param[int]

class Float(Config):
    __xpmid__ = "compat.Float"
    x: Param[float]

class Bool(Config):
    __xpmid__ = "compat.Bool"
    x: Param[bool]

class Str(Config):
    __xpmid__ = "compat.Str"
    x: Param[str]

class Ints(Config):
    __xpmid__ = "compat.Ints"
    x: Param[list[int]]

class IntSet(Config):
    __xpmid__ = "compat.IntSet"
    x: Param[set[int]]

class Floats(Config):
    __xpmid__ = "compat.Floats"
    x: Param[dict[str, float]]

class IntOrFloat(Config):
    __xpmid__ = "compat.IntOrFloat"
    x: Param[int | float]

class IntTuple(Config):
    __xpmid__ = "compat.IntTuple"
    x: Param[tuple[int, ...]]
"""
COERCED = [
    ("int_from_int", "Int", "1", "reference: 1"),
    ("int_from_float", "Int", "1.0", "1.0 becomes 1"),
    ("int_from_bool", "Int", "True", "True becomes 1"),
    ("int_from_str", "Int", "'1'", "'1' becomes 1"),
    ("int_from_padded_str", "Int", "' 2 '", "' 2 ' becomes 2"),
    ("int_from_float_str", "Int", "'1.0'", "'1.0' becomes 1"),
    ("float_from_float", "Float", "1.0", "reference: 1.0"),
    ("float_from_int", "Float", "1", "1 becomes 1.0"),
    ("float_from_bool", "Float", "True", "True becomes 1.0"),
    ("float_from_str", "Float", "'1.5'", "'1.5' becomes 1.5"),
    ("bool_from_bool", "Bool", "True", "reference: True"),
    ("bool_from_one", "Bool", "1", "1 becomes True"),
    ("bool_from_zero", "Bool", "0", "0 becomes False"),
    ("bool_from_float", "Bool", "1.0", "1.0 becomes True"),
    ("bool_from_true_str", "Bool", "'true'", "'true' becomes True"),
    ("bool_from_yes_str", "Bool", "'yes'", "'yes' becomes True"),
    ("bool_from_off_str", "Bool", "'off'", "'off' becomes False"),
    ("list_of_int_coerced", "Ints", "[1.0, '2', True]", "elements coerced: [1, 2, 1]"),
    ("set_of_int_from_floats", "IntSet", "{1.0, 2.0}", "elements coerced: {1, 2}"),
    ("dict_of_float_from_int", "Floats", "{'a': 1}", "values coerced: {'a': 1.0}"),
    ("dict_of_float_from_str", "Floats", "{'a': '1.5'}", "values coerced: {'a': 1.5}"),
    ("union_int_float_from_int", "IntOrFloat", "1", "int | float given 1: an int"),
    ("union_int_float_from_float", "IntOrFloat", "1.0", "int | float given 1.0: the int 1"),
    ("union_int_float_from_str", "IntOrFloat", "'1.5'", "int | float given '1.5': 1.5"),
]
for name, cls, value, what in COERCED:
    vector(name, "10", f"{cls}.C(x={value}): {what}", SCALARS + f"result = {cls}.C(x={value})")
REFUSED = [
    ("int_from_fraction", "Int", "1.5", "a float with a fractional part for an int"),
    ("int_from_word", "Int", "'a'", "a non-numeric string for an int"),
    ("bool_from_two", "Bool", "2", "2 for a bool"),
    ("str_from_int", "Str", "1", "an int for a str (no coercion to str)"),
    ("list_from_tuple", "Ints", "(1, 2)", "a tuple for a list"),
    ("set_from_list", "IntSet", "[1, 2]", "a list for a set"),
    ("tuple_param", "IntTuple", "(1, 2)", "a tuple parameter: accepted, but not hashable"),
]
for name, cls, value, what in REFUSED:
    refusal(name, "10", f"{cls}.C(x={value}): {what}", SCALARS + f"result = {cls}.C(x={value})")
refusal(
    "set_of_unsealed_configs",
    "7",
    "a set literal of configurations that are not sealed",
    SETS + "result = LeafSet.C(items={Leaf.C(x=1), Leaf.C(x=2)})",
)
refusal(
    "unsubmitted_task_parameter",
    "1",
    "a never-submitted task given as a task parameter (refused when given, not at submit)",
    """
    class Say(Task):
        __xpmid__ = "compat.Say"
        word: Param[str]

        def execute(self) -> None:
            pass

    class Concat(Task):
        __xpmid__ = "compat.Concat"
        says: Param[list[Say]]

        def execute(self) -> None:
            pass

    result = Concat.C(says=[Say.C(word="hi")])
    """,
)

# --- issue 15: partial identifiers -----------------------------------------------------

PARTIALS = (
    LEAF
    + """
from pathlib import Path

iterations = param_group("iterations")
optimizer = param_group("optimizer")

class Learn(Task):
    __xpmid__ = "compat.Learn"
    checkpoints = partial(exclude_groups=[iterations])
    max_iter: Param[int] = field(groups=[iterations])
    lr: Param[float] = field(groups=[optimizer])
    model: Param[Leaf]
    path: Meta[Path] = field(default_factory=PathGenerator("ckpt", partial=checkpoints))

    def execute(self) -> None:
        pass

class Tune(Task):
    __xpmid__ = "compat.Tune"
    only_optimizer = partial(exclude_all=True, include_groups=[optimizer])
    grouped_only = partial(exclude_no_group=True)
    max_iter: Param[int] = field(groups=[iterations])
    lr: Param[float] = field(groups=[optimizer])
    seed: Param[int]

    def execute(self) -> None:
        pass
"""
)
for iterations in (10, 20):
    vector(
        f"partial_exclude_group_{iterations}",
        "15",
        f"Learn(max_iter={iterations}, lr=0.1, model=Leaf(1)): the partial 'checkpoints' "
        "leaves out the iterations group, so both share one partial folder",
        PARTIALS + f"result = Learn.C(max_iter={iterations}, lr=0.1, model=Leaf.C(x=1))\n"
        "result.submit()",
        submit=True,
        partial="checkpoints",
        path="path",
    )
vector(
    "partial_other_lr",
    "15",
    "Learn with lr=0.2: another partial folder",
    PARTIALS + "result = Learn.C(max_iter=10, lr=0.2, model=Leaf.C(x=1))\nresult.submit()",
    submit=True,
    partial="checkpoints",
    path="path",
)
vector(
    "partial_include_only",
    "15",
    "partial(exclude_all=True, include_groups=[optimizer]): only lr is hashed",
    PARTIALS + "result = Tune.C(max_iter=10, lr=0.1, seed=1)",
    partial="only_optimizer",
)
vector(
    "partial_exclude_no_group",
    "15",
    "partial(exclude_no_group=True): seed (no group) is left out",
    PARTIALS + "result = Tune.C(max_iter=10, lr=0.1, seed=1)",
    partial="grouped_only",
)


def _namespace() -> types.ModuleType:
    import experimaestro as xpmref

    module = types.ModuleType(MODULE)
    module.__file__ = __file__
    module.__package__ = MODULE
    for name in (
        "Config",
        "Task",
        "LightweightTask",
        "Param",
        "Meta",
        "field",
        "tag",
        "param_group",
        "partial",
        "PathGenerator",
        "deprecate",
        "sealed_set",
    ):
        setattr(module, name, getattr(xpmref, name))
    sys.modules[MODULE] = module
    return module


def _run(source: str, submit: bool, workspace: Path) -> types.ModuleType:
    module = _namespace()
    if not submit:
        exec(compile(source, f"<{MODULE}>", "exec"), module.__dict__)
        return module
    from experimaestro import experiment
    from experimaestro.scheduler.workspace import RunMode

    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
        experiment(workspace, "compat", run_mode=RunMode.DRY_RUN, no_environmental_impact=True),
    ):
        exec(compile(source, f"<{MODULE}>", "exec"), module.__dict__)
    return module


def main() -> None:
    import experimaestro

    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    out: dict[str, Any] = {
        "experimaestro": experimaestro.__version__,
        "module": MODULE,
        "vectors": {},
        "refusals": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        workspace = Path(tmp).resolve()
        for name, spec in VECTORS.items():
            module = _run(spec["source"], spec["submit"], workspace)
            result = module.result
            entry = dict(spec)
            entry["identifier"] = result.__identifier__().all.hex()
            if spec["partial"] is not None:
                which = getattr(type(result), spec["partial"])
                entry["partial_identifier"] = result.__xpm__.get_partial_identifier(which).all.hex()
            if spec["path_parameter"] is not None:
                value = getattr(result, spec["path_parameter"])
                entry["partial_path"] = str(Path(value).relative_to(workspace))
            out["vectors"][name] = entry
        for name, spec in REFUSALS.items():
            entry = dict(spec)
            try:
                module = _run(spec["source"], False, workspace)
                module.result.__identifier__()
            except Exception as error:
                entry["refused_with"] = type(error).__name__
            else:
                raise SystemExit(f"{name}: experimaestro accepted it")
            out["refusals"][name] = entry
    target = Path(__file__).with_name("compat-vectors.json")
    target.write_text(json.dumps(out, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(f"{len(out['vectors'])} vectors, {len(out['refusals'])} refusals -> {target}")


if __name__ == "__main__":
    main()
