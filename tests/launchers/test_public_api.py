"""xpm.launchers' public names: documented, and the same in the slurm subpackage."""

from __future__ import annotations

import inspect

import xpm.launchers
import xpm.launchers.slurm


def test_public_names_have_docstrings() -> None:
    """Every class and function in __all__ has a docstring (constants excepted)."""
    undocumented = [
        name
        for name in xpm.launchers.__all__
        if (inspect.isclass(obj := getattr(xpm.launchers, name)) or callable(obj))
        and not inspect.getdoc(obj)
    ]
    assert undocumented == []


def test_slurm_names_are_exported_at_the_top() -> None:
    """Users import SLURM helpers from xpm.launchers directly."""
    assert set(xpm.launchers.slurm.__all__) <= set(xpm.launchers.__all__)
    for name in xpm.launchers.__all__:
        assert hasattr(xpm.launchers, name), name
