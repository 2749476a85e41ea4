"""What `xpm.core` offers experiment code, what `xpm.core.plumbing` offers the scheduler."""

from __future__ import annotations

import subprocess
import sys

import pytest

import xpm.core
import xpm.core.plumbing

# Names that left `xpm.core.__all__` for `xpm.core.plumbing` (or became private to a
# submodule): code written against the former list still imports them.
FORMER = [
    "Identifier",
    "JobContext",
    "MISSING",
    "NoExperimentError",
    "Option",
    "Parameter",
    "SealedError",
    "SerializationError",
    "Submitter",
    "TagConflictWarning",
    "UnsetParameterError",
    "cache_folder",
    "current_job",
    "current_submitter",
    "current_workspace",
    "dumps",
    "enter_job",
    "execute_task",
    "from_dict",
    "loads",
    "submit_hooks",
    "submitting_to",
    "task_dependencies",
    "to_dict",
    "validate",
]


def test_the_public_surface_is_small_and_every_name_resolves() -> None:
    # 25 after issue 11, plus experimaestro's `deprecate`, `param_group`, `partial` and
    # `sealed_set` (issues 12 and 15), and issue 15's ResumableTask, GracefulTimeout and
    # Retries: a new public name must be argued for here.
    assert len(xpm.core.__all__) <= 32
    assert sorted(xpm.core.__all__) == xpm.core.__all__
    for name in xpm.core.__all__:
        assert getattr(xpm.core, name) is not None, name
    for name in ("Config", "Task", "Param", "Meta", "tag", "JobHandle", "type_id"):
        assert name in xpm.core.__all__


def test_scheduler_only_names_live_in_plumbing() -> None:
    scheduler_only = {"execute_task", "enter_job", "submitting_to", "current_submitter"}
    assert scheduler_only.isdisjoint(xpm.core.__all__)
    assert scheduler_only <= set(xpm.core.plumbing.__all__)
    for name in xpm.core.plumbing.__all__:
        assert getattr(xpm.core.plumbing, name) is not None, name


@pytest.mark.parametrize("name", FORMER)
def test_former_public_names_still_import_from_xpm_core(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from xpm.core import {name}", namespace)
    assert namespace[name] is not None
    assert name not in xpm.core.__all__
    assert name not in dir(xpm.core)
    if name in xpm.core.plumbing.__all__:
        assert namespace[name] is getattr(xpm.core.plumbing, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match=r"module 'xpm\.core' has no attribute 'Nope'"):
        xpm.core.Nope  # noqa: B018
    with pytest.raises(ImportError):
        exec("from xpm.core.plumbing import Config", {})


def test_import_loads_neither_the_scheduler_nor_the_class_reader() -> None:
    """`import xpm.core` (and its plumbing) loads no scheduler module, and not typing."""
    code = (
        "import sys, xpm.core, xpm.core.plumbing\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('xpm') or m == 'typing')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    loaded = set(result.stdout.split())
    assert not any(name.startswith("xpm.scheduler") for name in loaded)
    assert "typing" not in loaded
    assert {"xpm.core.spec", "xpm.core.graph", "xpm.core.identifier"}.isdisjoint(loaded)


def test_lazy_exports_import_on_first_use_and_hide_former_names() -> None:
    """A listed name is imported when first used, then kept; a hidden one is neither."""
    code = """
import sys, types
module = types.ModuleType("pkg_lazy_demo")
sys.modules["pkg_lazy_demo"] = module
exec(
    "from xpm.core.plumbing import lazy_exports\\n"
    "__getattr__, __dir__ = lazy_exports("
    "__name__, {'dumps': 'json'}, hidden={'JSONDecodeError': 'json'})",
    vars(module),
)
assert "json" not in sys.modules
assert "dumps" in dir(module) and "JSONDecodeError" not in dir(module)
import json
assert module.dumps is json.dumps and "dumps" in vars(module)
assert module.JSONDecodeError is json.JSONDecodeError
assert "JSONDecodeError" not in vars(module) and "JSONDecodeError" not in dir(module)
try:
    module.loads
except AttributeError as error:
    print(error)
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "module 'pkg_lazy_demo' has no attribute 'loads'\n"
