"""Each package imports only what lies below it, and xpm.core stays light."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest


def _modules_after(statement: str) -> set[str]:
    code = f"import sys\n{statement}\nprint(repr(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return set(ast.literal_eval(result.stdout))


def test_core_loads_no_third_party_module() -> None:
    """`import xpm.core` loads the standard library and xpm.core only."""
    loaded = _modules_after("import xpm.core")
    third_party = {
        name
        for name in loaded
        if name.split(".")[0] not in sys.stdlib_module_names
        and name.split(".")[0] not in {"xpm", "__main__", "_distutils_hack", "typing_extensions"}
        and not name.startswith("_")
    }
    assert third_party == set()
    assert not any(name.startswith("xpm.") and not name.startswith("xpm.core") for name in loaded)


@pytest.mark.parametrize("heavy", ["json", "inspect", "dataclasses", "difflib", "ast"])
def test_core_import_skips_modules_it_needs_only_on_demand(heavy: str) -> None:
    assert heavy not in _modules_after("import xpm.core")


def test_job_process_loads_no_experiment_machinery() -> None:
    """A job process starts fast: the runner does not load the scheduler's engine."""
    loaded = _modules_after("import xpm.scheduler.run")
    heavy = {
        "subprocess",
        "socket",
        "filelock",
        "xpm.scheduler.experiments",
        "xpm.scheduler.params",
        "xpm.scheduler.runs",
        "xpm.scheduler.scheduler",
        "xpm.scheduler.tokens",
    }
    assert heavy.isdisjoint(loaded)


def test_fork_server_loads_no_module_with_a_fork_hook() -> None:
    """`threading`, `random` and `logging` run code in every forked child (their
    `os.register_at_fork` hooks): half a millisecond per job forked by the server,
    a sixth of a trivial task. A task that imports them pays it, no other does."""
    loaded = _modules_after(
        "import xpm.core, xpm.core.plumbing\n"
        "for package in (xpm.core, xpm.core.plumbing):\n"
        "    for name in package.__all__: getattr(package, name)\n"
        "import xpm.scheduler.forkserver, xpm.scheduler.jobprocess"
    )
    assert {"threading", "random", "logging"}.isdisjoint(loaded)


@pytest.mark.parametrize(
    "slow", ["typing", "pathlib", "enum", "re", "functools", "hashlib", "contextlib", "warnings"]
)
def test_core_import_stays_fast(slow: str) -> None:
    """`import xpm.core` loads none of the modules that cost milliseconds to import."""
    assert slow not in _modules_after("import xpm.core")


def test_core_names_load_on_first_use() -> None:
    """Every name of `__all__` resolves, also through `import *`, and shows in `dir()`."""
    code = (
        "import xpm.core\n"
        "names = {n: getattr(xpm.core, n) for n in xpm.core.__all__}\n"
        "ns = {}\n"
        "exec('from xpm.core import *', ns)\n"
        "assert set(xpm.core.__all__) <= set(ns) and set(xpm.core.__all__) <= set(dir(xpm.core))\n"
        "assert callable(xpm.core.cache) and not hasattr(xpm.core, 'Nonexistent')\n"
        "import xpm.core.cache\n"
        "from xpm.core import cache\n"
        "assert callable(cache)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
