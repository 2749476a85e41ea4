"""The class of bug: any file of a workspace damaged, every reader still answers.

Hypothesis writes random, truncated, non-UTF-8, deeply nested or subtly wrong content
(a field replaced by a huge number, NaN, a list...), or a symbolic link, a dangling link
or a folder, into the files of a real workspace (`params.json`, the markers, `.pid`,
`.progress`, `.started`, the logs, `jobs.jsonl`, `status.json`, the token files). Then
`xpm jobs list/show/log`, `xpm experiments list`, the monitor's snapshot and views, and
a rerun of the experiment must answer with a message or skip the damaged entry with a
warning: never a traceback ("this is a bug in xpm"), never a failing monitor round,
never a write outside the workspace. The examples are derandomized, so CI sees the same.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from xpm.cli.errors import BUG_NOTICE, run_program
from xpm.cli.main import xpm
from xpm.scheduler import JobPaths
from xpm.scheduler.monitor.access import AccessDenied
from xpm.scheduler.monitor.feed import ChangeFeed
from xpm.scheduler.monitor.snapshot import WorkspaceSnapshot
from xpm.scheduler.monitor.views import job_detail, log_chunk

from .workspace import Damage, damages, format_files, run_experiment, tree

SECRET = b"outside the workspace\n"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace after one real run: two done jobs, one failed, a token, one run."""
    workspace = tmp_path_factory.mktemp("pristine") / "ws"
    done = run_experiment(workspace, workspace.parent / "log")
    assert done.returncode == 1, done.stderr
    assert len(format_files(workspace)) == 3 * 8 + 2 + 2
    return workspace


@pytest.fixture(autouse=True)
def no_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XPM_CONFIG_DIR", str(tmp_path / "config"))


def _damaged_copy(pristine: Path, damaged: list[Damage]) -> Iterator[tuple[Path, Path]]:
    with tempfile.TemporaryDirectory() as folder:
        workspace, outside = Path(folder) / "ws", Path(folder) / "outside"
        shutil.copytree(pristine, workspace, symlinks=True)
        outside.mkdir()
        (outside / "secret.txt").write_bytes(SECRET)
        for damage in damaged:
            damage.apply(workspace, outside)
        yield workspace, outside


def _xpm(*args: str) -> tuple[int, str]:
    with CliRunner().isolation() as (_out, err, _):
        code = run_program(xpm, list(args))
        return code, err.getvalue().decode(errors="replace")


def _read_everything(workspace: Path) -> None:
    ws = ["--workdir", str(workspace)]
    for command in (["jobs", "list", "--tags"], ["experiments", "list"],
                    ["jobs", "list", "--filter", '@state = "done" and x >= 0'],
                    ["jobs", "kill", '@state = "running"'],  # without --perform: says only
                    ["jobs", "clean", '@state = "done" or @state = "failed"']):  # fmt: skip
        code, err = _xpm(*command[:2], *ws, *command[2:])
        assert code in (0, 1, 2) and BUG_NOTICE not in err, (command, err)
    for folder in sorted((workspace / "jobs").glob("*/*")):
        name = f"{folder.parent.name}/{folder.name}"
        for command in ("show", "log"):
            code, err = _xpm("jobs", command, *ws, name)
            assert code in (0, 1, 2) and BUG_NOTICE not in err, (command, err)
        paths = JobPaths(folder, JobPaths.name_of(folder.parent.name))
        job_detail(paths)
        for stream in ("out", "err"):
            with contextlib.suppress(AccessDenied):  # a linked log: the monitor answers 403
                log_chunk(workspace, paths, stream, -1)
    snapshot = WorkspaceSnapshot(workspace)
    feed = ChangeFeed(snapshot)
    assert feed.publish_changes()
    snapshot.state_json()
    for experiment, run in snapshot.run_ids():
        snapshot.submitted(experiment, run)


@settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_every_reader_answers_whatever_one_file_holds(pristine: Path, data: st.DataObject) -> None:
    damaged = data.draw(st.lists(damages(pristine), min_size=1, max_size=3), label="damages")
    for workspace, outside in _damaged_copy(pristine, damaged):
        _read_everything(workspace)
        assert tree(outside) == {"secret.txt": SECRET}


@settings(
    max_examples=10,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],  # a rerun costs a second: no shrinking
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_a_rerun_answers_and_writes_nothing_outside(pristine: Path, data: st.DataObject) -> None:
    """The rerun ends (exit 0, or 1 with the failed jobs named), never with a bug."""
    damaged = data.draw(st.lists(damages(pristine), min_size=1, max_size=3), label="damages")
    for workspace, outside in _damaged_copy(pristine, damaged):
        done = run_experiment(workspace, workspace.parent / "log")
        assert done.returncode in (0, 1), done.stderr
        assert "Traceback" not in done.stderr.split("failed: ")[0], done.stderr
        assert tree(outside) == {"secret.txt": SECRET}


def _first_job_file(pristine: Path, suffix: str) -> str:
    return next(f for f in format_files(pristine) if f.endswith(suffix))


@pytest.mark.parametrize(
    ("suffix", "kind"),
    [
        (".out", "dangling"),
        (".err", "link"),
        (".lock", "dangling"),
        (".failed", "folder"),
        (".failed", "link"),
        (".done", "folder"),
        (".pid", "folder"),
        ("params.json", "folder"),
        ("params.json", "deep"),
        ("status.json", "link"),
        ("jobs.jsonl", "folder"),
        ("tokens/gpu.json", "link"),
        ("tokens/gpu.json", "dangling"),
        ("tokens/gpu.lock", "dangling"),
    ],
)
def test_a_rerun_never_writes_through_a_link_nor_fails_on_a_folder(
    pristine: Path, suffix: str, kind: str
) -> None:
    """Cases the random search found once: each is checked at every run."""
    file = "tokens/" + suffix[7:] if suffix.startswith("tokens/") else None
    damage = Damage(file or _first_job_file(pristine, suffix), kind, b"[" * 100_000)
    for workspace, outside in _damaged_copy(pristine, [damage]):
        _read_everything(workspace)
        done = run_experiment(workspace, workspace.parent / "log")
        assert done.returncode in (0, 1), done.stderr
        assert "Traceback" not in done.stderr.split("failed: ")[0], done.stderr
        assert tree(outside) == {"secret.txt": SECRET}
