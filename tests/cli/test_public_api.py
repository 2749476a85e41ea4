"""xpm.cli's public names: documented, and importable from the package."""

from __future__ import annotations

import pytest

import xpm.cli


def test_public_names_have_docstrings() -> None:
    """Every name in `xpm.cli.__all__` carries its own docstring."""
    missing = [
        name
        for name in xpm.cli.__all__
        if not (getattr(getattr(xpm.cli, name), "__doc__", None) or "").strip()
    ]
    assert missing == []


def test_all_is_sorted_and_complete() -> None:
    """`__all__` is sorted and every name in it exists."""
    assert xpm.cli.__all__ == sorted(xpm.cli.__all__)
    for name in xpm.cli.__all__:
        assert hasattr(xpm.cli, name)


def test_former_names_still_import_unlisted() -> None:
    """`ExperimentHelper` (experimaestro's name) and `errors.run_command` keep working."""
    import xpm.cli.errors
    from xpm.cli import ExperimentHelper, ExperimentRun

    assert ExperimentHelper is ExperimentRun
    assert "ExperimentHelper" not in xpm.cli.__all__
    assert "ExperimentHelper" not in dir(xpm.cli)
    assert xpm.cli.errors.run_command is xpm.cli.errors.run_program
    with pytest.raises(AttributeError, match="no attribute 'ExperimentHelpers'"):
        _ = xpm.cli.ExperimentHelpers  # type: ignore[attr-defined]
