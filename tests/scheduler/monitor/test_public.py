"""xpm.scheduler.monitor's surface: documented names, and its page shipped in the package."""

from __future__ import annotations

import inspect
from importlib import resources

import xpm.scheduler.monitor
from xpm.scheduler.monitor import access, feed, handler, sample, server, snapshot, views

MODULES = [access, feed, handler, sample, server, snapshot, views]


def test_every_public_name_has_a_docstring() -> None:
    """Each module, and each public class, function and method in it, is documented."""
    missing = []
    for module in [xpm.scheduler.monitor, *MODULES]:
        if not module.__doc__:
            missing.append(module.__name__)
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and not inspect.getdoc(obj):
                missing.append(f"{module.__name__}.{name}")
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") or attr.startswith("do_"):
                        continue
                    if (callable(member) or isinstance(member, property)) and not member.__doc__:
                        missing.append(f"{module.__name__}.{name}.{attr}")
    assert missing == []


def test_all_is_sorted() -> None:
    assert xpm.scheduler.monitor.__all__ == sorted(xpm.scheduler.monitor.__all__)


def test_the_page_files_are_package_data() -> None:
    """The page ships beside the code (hatchling puts every file of src/xpm in the wheel)."""
    static = resources.files("xpm.scheduler.monitor").joinpath("static")
    for name in ["index.html", "monitor.js", "monitor.css"]:
        assert static.joinpath(name).read_bytes()
    assert set(handler.load_static()) == {"/", "/monitor.js", "/monitor.css"}
