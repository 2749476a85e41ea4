"""xpm.cli's public names: documented, and importable from the package."""

from __future__ import annotations

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
    """`errors.run_command` keeps working; `ExperimentHelper` keeps experimaestro's name."""
    import xpm.cli.errors

    assert "ExperimentHelper" in xpm.cli.__all__
    assert xpm.cli.errors.run_command is xpm.cli.errors.run_program
