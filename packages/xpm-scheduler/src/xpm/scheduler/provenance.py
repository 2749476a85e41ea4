"""Where a job comes from: the code and environment it was submitted from.

Each job's `params.json` gets an `environment` object at submission: the Python version,
the versions of xpm's distributions and of the distribution the task's module belongs
to, the file that defines the task (`source`), the experiment's script, and the git
state (commit, branch, dirty flag) of the repository holding the task's file. `xpm jobs
show` and the monitor's job panel show it.

When a run finds a job already done, its recorded environment is compared with the
current one: a job made from another commit, another dirty state, or (for tasks defined
in a script, whose type ids are `__main__.<name>`) by another script gets a warning. The
job is never recomputed: the folder is the truth. In a large plan, the first thousand
done jobs of each task class are compared, then one in a hundred.

Everything is computed once per experiment (per task class, per repository), and the
text is spliced into `params.json`, which is written anyway: submitting 10,000 jobs
writes no extra file (an extra atomic file per job costs ~1 ms on a slow file system).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

_XPM = ("xpm-core", "xpm-scheduler", "xpm-launchers", "xpm-cli")
_SITE = frozenset({"site-packages", "dist-packages"})
GIT_TIMEOUT = 5.0
"""Seconds `git status` may take to tell whether a repository has uncommitted changes."""
CHECKED_IN_FULL = 1000
"""A run compares the environment of the first this-many done jobs of each task class;"""
CHECK_EVERY = 100
"""then of one done job in this many: a re-run of 100,000 done jobs would spend half its
time reading their `params.json`, and a difference shared by a group of jobs is found."""


class Provenance:
    """The environment of one experiment process, as JSON text per task class.

    Created by the experiment; `text(cls)` is what a job of `cls` records, `check`
    compares a done job's record with it.
    """

    def __init__(self, script: Path | None = None) -> None:
        self._script = script
        self._texts: dict[type, str] = {}
        self._encoded: dict[type, bytes] = {}
        self._repos: dict[str, Path | None] = {}
        self._git: dict[Path, dict[str, Any] | None] = {}
        self._versions: dict[str, str | None] = {}
        self._module_dists: dict[str, list[str]] | None = None
        self._told: set[str] = set()
        self._compared: set[tuple[type, bytes]] = set()
        self._found_done: dict[type, int] = {}

    def text(self, cls: type) -> str:
        """Return the `environment` JSON of a job of the task class `cls` (cached)."""
        text = self._texts.get(cls)
        if text is None:
            text = json.dumps(self.environment(cls), ensure_ascii=False, sort_keys=True)
            self._texts[cls] = text
        return text

    def environment(self, cls: type) -> dict[str, Any]:
        """Return the environment a job of `cls` records (see the module's doc)."""
        module = cls.__module__
        script = getattr(sys.modules.get("__main__"), "__file__", None)
        if self._script is not None:
            script = str(self._script)
        elif isinstance(script, str):
            script = str(Path(script).absolute())
        else:
            script = None
        file = getattr(sys.modules.get(module), "__file__", None)
        source = str(Path(file).absolute()) if isinstance(file, str) else None
        # An installed package is told by its version, not by a repository around its venv.
        installed = source is not None and not _SITE.isdisjoint(Path(source).parts)
        repo = None if installed else self._repository(source or script)
        packages = {}
        for dist in (*_XPM, *(self._distributions_of(module) if installed else ())):
            version = self._version(dist)
            if version is not None:
                packages[dist] = version
        return {
            "python": platform.python_version(),
            "module": module,
            "source": source,
            "script": script,
            "git": None if repo is None else self._git_state(repo),
            "packages": packages,
        }

    def check(
        self, params_file: str | Path, cls: type, job_id: str, note: Callable[[str], None]
    ) -> None:
        """Warn (through `note`) when the done job whose `params.json` is `params_file`
        was made from other code than a job of `cls` would be now; once per difference.

        Past the first `CHECKED_IN_FULL` done jobs of `cls`, one in `CHECK_EVERY` is read.
        """
        found = self._found_done[cls] = self._found_done.get(cls, 0) + 1
        if found > CHECKED_IN_FULL and found % CHECK_EVERY:
            return
        current = self.text(cls)
        encoded = self._encoded.get(cls)
        if encoded is None:
            encoded = self._encoded[cls] = current.encode()
        try:
            raw = _read_bytes(params_file)
        except OSError:
            return
        if encoded in raw:
            return  # the same environment
        at = raw.rfind(b'"environment"')
        if at < 0:
            return  # none recorded (older xpm, experimaestro)
        told = (cls, raw[at:])  # jobs of one earlier run share their environment's text
        if told in self._compared:
            return
        if len(self._compared) < 1000:
            self._compared.add(told)
        recorded = _environment_in(raw)
        if recorded is None:
            return
        for key, message in differences(recorded, json.loads(current), job_id):
            if key not in self._told:
                self._told.add(key)
                note(message)

    def _repository(self, file: str | None) -> Path | None:
        if file is None:
            return None
        folder = str(Path(file).parent)
        if folder not in self._repos:
            self._repos[folder] = find_repository(Path(folder))
        return self._repos[folder]

    def _git_state(self, repo: Path) -> dict[str, Any] | None:
        if repo not in self._git:
            self._git[repo] = git_state(repo)
        return self._git[repo]

    def _version(self, dist: str) -> str | None:
        """The installed version of the distribution `dist`, found by its name: reading
        every distribution's metadata costs a tenth of a second in a research venv."""
        if dist not in self._versions:
            from importlib import metadata

            try:
                self._versions[dist] = metadata.version(dist)
            except metadata.PackageNotFoundError:
                self._versions[dist] = None
        return self._versions[dist]

    def _distributions_of(self, module: str) -> list[str]:
        """The distributions that install the top-level package of `module`: the one of
        the same name when it exists (`numpy`), else a lookup through every installed
        distribution's file list (`yaml` is PyYAML's), once per experiment."""
        top = module.partition(".")[0]
        if top in ("__main__", "xpm"):
            return []
        if self._version(_canonical(top)) is not None:
            return [_canonical(top)]
        if self._module_dists is None:
            from importlib import metadata

            self._module_dists = {
                k: [_canonical(d) for d in v] for k, v in metadata.packages_distributions().items()
            }
        return self._module_dists.get(top, [])


def differences(
    recorded: dict[str, Any], current: dict[str, Any], job_id: str
) -> list[tuple[str, str]]:
    """Return (key, message) for each way a done job's environment differs from now.

    Only differences of code count: another script for a task defined in a script,
    another commit or dirty state of the same repository.
    """
    found: list[tuple[str, str]] = []
    old_source, new_source = recorded.get("source"), current.get("source")
    if "__main__" in (recorded.get("module"), current.get("module")) and old_source != new_source:
        found.append(
            (
                f"script:{old_source}:{new_source}",
                f"warning: {job_id} is done, made by the script {old_source}, not by"
                f" {new_source} which defines {job_id.partition('/')[0]} now: both define a"
                " task of that name with the same parameters, so this run gets the other"
                " script's results. Rename one of the tasks (or move it to a module), or"
                " delete the job (xpm jobs clean) to compute it with this script.",
            )
        )
        return found
    old_git, new_git = recorded.get("git"), current.get("git")
    if not isinstance(old_git, dict) or not isinstance(new_git, dict):
        return found
    if old_git.get("root") != new_git.get("root"):
        return found
    if old_git.get("commit") != new_git.get("commit") or old_git.get("dirty") != new_git.get(
        "dirty"
    ):
        found.append(
            (
                f"git:{_describe(old_git)}:{_describe(new_git)}",
                f"warning: {job_id} is done, made from {_describe(old_git)} of"
                f" {new_git.get('root')}, and the code is now {_describe(new_git)}; xpm does"
                " not recompute done jobs (other done jobs made from that code are not"
                " listed): delete a job (xpm jobs clean) to compute it with this code.",
            )
        )
    return found


def read_provenance(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Return the environment a job folder recorded at submission, or None (older xpm,
    experimaestro, or an unreadable `params.json`)."""
    from .atomic import read_json

    data = read_json(Path(folder) / "params.json")
    env = data.get("environment") if isinstance(data, dict) else None
    return env if isinstance(env, dict) else None


def find_repository(folder: Path) -> Path | None:
    """Return the nearest folder at or above `folder` holding `.git`, or None."""
    for candidate in (folder, *folder.parents):
        if os.path.exists(candidate / ".git"):
            return candidate
    return None


def git_state(repo: Path) -> dict[str, Any] | None:
    """Return `{root, commit, branch, dirty}` of the git repository at `repo`.

    The commit and branch are read from the `.git` files (worktrees and packed refs
    included) without running git; `dirty` (uncommitted changes to tracked files) asks
    `git status`, with a timeout, and is None when git is missing or too slow.
    """
    gitdir = _gitdir(repo)
    if gitdir is None:
        return None
    common = gitdir
    with contextlib.suppress(OSError):
        common = (gitdir / (gitdir / "commondir").read_text().strip()).resolve()
    try:
        head = (gitdir / "HEAD").read_text().strip()
    except OSError:
        return None
    branch = None
    commit: str | None = head
    if head.startswith("ref: "):
        ref = head[5:]
        branch = ref.removeprefix("refs/heads/")
        commit = _ref(gitdir, ref) or _ref(common, ref)
    return {"root": str(repo), "commit": commit, "branch": branch, "dirty": _dirty(repo)}


def _gitdir(repo: Path) -> Path | None:
    dot = repo / ".git"
    if dot.is_dir():
        return dot
    try:
        text = dot.read_text().strip()
    except OSError:
        return None
    if not text.startswith("gitdir: "):
        return None
    return (repo / text[8:]).resolve()


def _ref(gitdir: Path, ref: str) -> str | None:
    try:
        return (gitdir / ref).read_text().strip() or None
    except OSError:
        pass
    try:
        lines = (gitdir / "packed-refs").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        commit, _, name = line.partition(" ")
        if name == ref:
            return commit
    return None


def _dirty(repo: Path) -> bool | None:
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=repo,
            capture_output=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return bool(done.stdout.strip()) if done.returncode == 0 else None


def _read_bytes(path: str | Path) -> bytes:
    """The whole file, read with few system calls and a small first buffer: this runs for
    every done job of a re-run (Path.read_bytes, or one large buffer, costs 4x more)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        chunks = [os.read(fd, 1 << 16)]
        if len(chunks[0]) == 1 << 16:
            while chunk := os.read(fd, 1 << 20):
                chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


def _describe(git: dict[str, Any]) -> str:
    commit = str(git.get("commit") or "no commit")[:10]
    return f"commit {commit}" + (" with uncommitted changes" if git.get("dirty") else "")


def _environment_in(raw: str | bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    env = data.get("environment") if isinstance(data, dict) else None
    return env if isinstance(env, dict) else None


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")
