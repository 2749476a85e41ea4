"""Fixtures for xpm.cli tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from .synthetic import SyntheticWorkspace


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner that keeps stderr apart from stdout."""
    return CliRunner()


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point xpm's settings and default workspace into the test's folder; return the former."""
    config = tmp_path / "config"
    monkeypatch.setenv("XPM_CONFIG_DIR", str(config))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("XPM_WORKDIR", raising=False)
    return config


@pytest.fixture
def synthetic(tmp_path: Path) -> Iterator[SyntheticWorkspace]:
    """An empty synthetic workspace; its sleeping job processes end with the test."""
    workspace = SyntheticWorkspace(tmp_path / "ws")
    workspace.workdir.mkdir()
    yield workspace
    workspace.stop()
