"""Which names and files the monitor accepts: nothing outside the workspace."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xpm.scheduler.monitor.access import (
    AccessDenied,
    cookie_token,
    is_name_valid,
    is_token_valid,
    job_paths,
    open_in_job,
)


@pytest.mark.parametrize("name", ["demo.train", "a_b-c", "20261123_101500", "0" * 64])
def test_plain_names_are_valid(name: str) -> None:
    assert is_name_valid(name)


@pytest.mark.parametrize(
    "name", ["", ".", "..", "a/b", "/etc", ".hidden", "a..b", "a b", "é", "\0"]
)
def test_names_that_could_escape_or_surprise_are_refused(name: str) -> None:
    assert not is_name_valid(name)


def test_tokens_compare_exactly() -> None:
    assert is_token_valid("abc", "abc")
    assert not is_token_valid("abd", "abc")
    assert not is_token_valid(None, "abc")
    assert not is_token_valid("", "abc")


def test_cookie_token_reads_one_cookie_and_survives_garbage() -> None:
    assert cookie_token("a=1; xpm_monitor_80=tok", "xpm_monitor_80") == "tok"
    assert cookie_token("a=1", "xpm_monitor_80") is None
    assert cookie_token(None, "xpm_monitor_80") is None
    assert cookie_token('x="\\', "xpm_monitor_80") is None


def _job(root: Path) -> Path:
    folder = root / "jobs" / "demo.train" / "abc"
    folder.mkdir(parents=True)
    return folder


@pytest.mark.parametrize(
    "job_id",
    ["demo.train", "demo.train/abc/x", "../jobs/abc", "demo.train/..", "/etc/passwd", "a/b/../c"],
)
def test_job_ids_are_checked(tmp_path: Path, job_id: str) -> None:
    _job(tmp_path)
    with pytest.raises(AccessDenied):
        job_paths(tmp_path, job_id)


def test_a_job_folder_symlinked_out_of_the_workspace_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "ws"
    _job(root)
    os.symlink(outside, root / "jobs" / "demo.train" / "evil")
    assert job_paths(root, "demo.train/abc").folder.name == "abc"
    with pytest.raises(AccessDenied):
        job_paths(root, "demo.train/evil")


def test_a_type_folder_symlinked_inside_the_workspace_is_refused_too(tmp_path: Path) -> None:
    """No link is followed under jobs/, even one that stays in the workspace."""
    root = tmp_path / "ws"
    _job(root)
    os.symlink(root / "jobs" / "demo.train", root / "jobs" / "demo.alias")
    os.symlink(root / "jobs" / "demo.train" / "abc", root / "jobs" / "demo.train" / "abd")
    for job_id in ("demo.alias/abc", "demo.train/abd"):
        with pytest.raises(AccessDenied, match="not a real job folder"):
            job_paths(root, job_id)


@pytest.mark.parametrize("name", ["../params.json", "/etc/passwd", "a/../../b", "", "x//y", ".env"])
def test_result_file_names_stay_in_the_job_folder(tmp_path: Path, name: str) -> None:
    _job(tmp_path)
    paths = job_paths(tmp_path, "demo.train/abc")
    with pytest.raises(AccessDenied):
        open_in_job(paths, name)


@pytest.mark.parametrize("relative", ["metrics.json", "sub/metrics.json", "inner/metrics.json"])
def test_no_symbolic_link_is_followed_under_the_job_folder(tmp_path: Path, relative: str) -> None:
    """A link, to outside or even to a file of the same folder, is refused at any depth."""
    folder = _job(tmp_path / "ws")
    secret = tmp_path / "secret.json"
    secret.write_text("{}")
    (folder / "real").mkdir()
    (folder / "real" / "metrics.json").write_text("{}")
    os.symlink(secret, folder / "metrics.json")
    os.symlink(tmp_path, folder / "sub")
    os.symlink(folder / "real", folder / "inner")
    paths = job_paths(tmp_path / "ws", "demo.train/abc")
    with pytest.raises(AccessDenied):
        open_in_job(paths, relative)
    fd = open_in_job(paths, "real/metrics.json")
    assert fd is not None
    with os.fdopen(fd) as opened:
        assert opened.read() == "{}"
    assert open_in_job(paths, "missing.json") is None


def test_a_fifo_is_refused_rather_than_blocking_the_server(tmp_path: Path) -> None:
    folder = _job(tmp_path / "ws")
    os.mkfifo(folder / "metrics.json")
    paths = job_paths(tmp_path / "ws", "demo.train/abc")
    with pytest.raises(AccessDenied, match="not a regular file"):
        open_in_job(paths, "metrics.json")
