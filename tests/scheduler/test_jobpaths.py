"""Tests of xpm.scheduler.jobpaths: the names of a job folder's files."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from pathlib import Path

import pytest

from xpm.core import XpmError
from xpm.scheduler.errors import JobPathError
from xpm.scheduler.jobpaths import JobPaths


def test_of_names_every_file_like_experimaestro(tmp_path: Path) -> None:
    """The folder is jobs/<type id>/<identifier> and files share a short name."""
    paths = JobPaths.of(tmp_path, "my.package.Learner", "abc123")
    folder = tmp_path / "jobs" / "my.package.Learner" / "abc123"
    assert paths.folder == folder
    assert paths.name == "learner"
    assert paths.params == folder / "params.json"
    named = {
        paths.stdout: "learner.out",
        paths.stderr: "learner.err",
        paths.done: "learner.done",
        paths.failed: "learner.failed",
        paths.pid: "learner.pid",
        paths.lock: "learner.lock",
        paths.started: "learner.started",
        paths.progress: "learner.progress",
    }
    for path, name in named.items():
        assert path == folder / name
    assert paths.lock not in paths.markers()
    assert paths.done in paths.markers()
    assert not tmp_path.joinpath("jobs").exists()


@pytest.mark.parametrize(("type_id", "name"), [("Learner", "learner"), ("a.B.CdE", "cde")])
def test_name_is_last_dotted_part_lowercased(type_id: str, name: str) -> None:
    """`name_of` keeps what follows the last dot, in lower case."""
    assert JobPaths.name_of(type_id) == name


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "a\0b"])
def test_parts_that_could_escape_the_jobs_folder_are_refused(tmp_path: Path, bad: str) -> None:
    """Empty, dot, or slash-holding parts raise JobPathError, a ValueError."""
    with pytest.raises(JobPathError) as info:
        JobPaths.of(tmp_path, bad, "id")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, XpmError)
    assert "type id" in str(info.value)
    with pytest.raises(JobPathError, match="job identifier"):
        JobPaths.of(tmp_path, "a.B", bad)


def test_job_paths_are_frozen(tmp_path: Path) -> None:
    """A JobPaths cannot be changed once made, and compares by value."""
    paths = JobPaths.of(tmp_path, "a.B", "id")
    with pytest.raises(dataclasses.FrozenInstanceError):
        paths.name = "c"  # type: ignore[misc]
    assert paths == JobPaths.of(tmp_path, "a.B", "id")
    assert hash(paths) == hash(JobPaths(str(paths.folder), "b"))
    for copied in (copy.copy(paths), copy.deepcopy(paths), pickle.loads(pickle.dumps(paths))):
        assert copied == paths and copied.folder_text == str(tmp_path / "jobs" / "a.B" / "id")


def test_paths_within_a_type_folder_equal_the_checked_ones(tmp_path: Path) -> None:
    """`within` (what an experiment makes per job, without a Path) names the same files."""
    checked = JobPaths.of(tmp_path, "a.B", "0f" * 32)
    lazy = JobPaths.within(tmp_path / "jobs" / "a.B", "0f" * 32, "b")
    as_text = JobPaths(str(checked.folder), "b")
    assert lazy.folder_text == as_text.folder_text == str(checked.folder)
    assert lazy.folder_name == as_text.folder_name == checked.folder_name == "0f" * 32
    assert lazy == checked == as_text and len({lazy, checked, as_text}) == 1
    assert (lazy.done, as_text.pid) == (checked.done, checked.pid)
    assert repr(lazy) == f"JobPaths(folder={checked.folder!r}, name='b')"
