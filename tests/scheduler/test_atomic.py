"""Tests of xpm.scheduler.atomic: files are replaced whole or not at all."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from xpm.scheduler.atomic import (
    write_bytes_atomic,
    write_json_atomic,
    write_text_atomic,
)


def test_writes_create_and_replace_files(tmp_path: Path) -> None:
    """Each writer creates the file, then replaces its whole content."""
    target = tmp_path / "f"
    write_text_atomic(target, "héllo")
    assert target.read_text("utf-8") == "héllo"
    write_bytes_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    write_json_atomic(target, {"a": [1, 2], "é": None}, fsync=True)
    assert json.loads(target.read_text("utf-8")) == {"a": [1, 2], "é": None}
    assert os.listdir(tmp_path) == ["f"]


def test_new_file_permissions_follow_the_umask(tmp_path: Path) -> None:
    """The file is not left with the 0600 mode of usual temporary files."""
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "f", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f").stat().st_mode) == 0o644


def test_unserializable_json_leaves_target_and_folder_untouched(tmp_path: Path) -> None:
    """A value JSON cannot hold raises TypeError before any file is created."""
    target = tmp_path / "f.json"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_json_atomic(target, {"x": object()})
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["f.json"]


def test_failed_rename_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the final rename fails, the error propagates and no temporary file stays."""
    target = tmp_path / "f"
    target.write_text("old")

    def failing_replace(src: object, dst: object) -> None:
        raise OSError(5, "simulated I/O error")

    monkeypatch.setattr("xpm.scheduler.atomic.os.replace", failing_replace)
    with pytest.raises(OSError, match="simulated"):
        write_text_atomic(target, "new")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["f"]


def test_interrupted_write_removes_the_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a KeyboardInterrupt during the write leaves no temporary file behind."""

    def interrupted_write(fd: int, data: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr("xpm.scheduler.atomic.os.write", interrupted_write)
    with pytest.raises(KeyboardInterrupt):
        write_bytes_atomic(tmp_path / "f", b"data")
    assert os.listdir(tmp_path) == []


def test_missing_folder_raises_file_not_found(tmp_path: Path) -> None:
    """The folder is not created: writing into a missing one is an error."""
    with pytest.raises(FileNotFoundError):
        write_text_atomic(tmp_path / "missing" / "f", "x")
    assert os.listdir(tmp_path) == []
