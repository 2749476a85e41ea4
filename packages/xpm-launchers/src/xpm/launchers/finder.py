"""Find the launcher for a requirement: `launchers.py`, then `launchers.yaml`, then here.

The configuration folder is `$XPM_CONFIG_DIR`, by default `~/.config/xpm`. Its
`launchers.py`, if any, is asked first; `launchers.yaml` describes the candidates
otherwise; without it, the local machine (as detected) is the only candidate. Among the
candidates, `match_hosts` picks the first alternative some candidate fits, then the best
priority, then the first in the file's order.
"""

from __future__ import annotations

import importlib
import os
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar, final

from xpm.scheduler import Launcher

from .configfile import LOCAL_NAME, LaunchersConfig, LocalMachine, load_launchers_config
from .errors import LauncherConfigError, NoLauncherError
from .hosts import HostMatch, HostSpec, match_hosts
from .requirements import HostRequirement, Requirement, parse
from .slurm import SlurmOptions

CONFIG_DIR_VARIABLE = "XPM_CONFIG_DIR"
"""The environment variable naming the configuration folder (default `~/.config/xpm`)."""

LAUNCHERS_YAML = "launchers.yaml"
"""The file, in the configuration folder, that describes the candidate launchers."""

LAUNCHERS_PY = "launchers.py"
"""The file, in the configuration folder, whose `find_launcher` is asked first."""

T = TypeVar("T")

_DOCS = "see docs/launchers.md"


def default_config_dir() -> Path:
    """Return the configuration folder to use: `$XPM_CONFIG_DIR`, else `~/.config/xpm`."""
    value = os.environ.get(CONFIG_DIR_VARIABLE)
    return Path(value).expanduser() if value else Path.home() / ".config" / "xpm"


@final
@dataclass(frozen=True)
class LauncherChoice:
    """What `launchers.yaml` (or the local machine) picks for a requirement.

    Attributes:
        name: The chosen candidate: `local` or `slurm/<partition entry>`.
        requirement: The alternative of the requirement that will run.
        match: The whole outcome, with the reason each other candidate was not chosen
            (`match.explain()` prints it).
        slurm_options: The sbatch options, for a SLURM partition (None: local).
        max_jobs: The local launcher's cap on running jobs (None: no cap).
    """

    name: str
    requirement: HostRequirement
    match: HostMatch
    slurm_options: SlurmOptions | None = None
    max_jobs: int | None = None

    @property
    def is_local(self) -> bool:
        """Whether the job runs on this machine (else on SLURM)."""
        return self.slurm_options is None

    def build(self) -> Launcher:
        """Return the launcher: `LocalLauncher(max_jobs)` or `SlurmLauncher(options)`.

        A local launcher enforces the requirement's duration as a time limit.

        Raises:
            NoLauncherError: this installation lacks `SlurmLauncher` (an older
                xpm-launchers); upgrade the xpm packages together.
        """
        if self.slurm_options is None:
            # Imported here: the local launcher's machinery loads only when it is used.
            from xpm.scheduler import LocalLauncher

            duration = self.requirement.duration
            return LocalLauncher(max_jobs=self.max_jobs, time_limit=duration or None)
        return _make(
            "xpm.launchers", "SlurmLauncher", str(self.requirement), options=self.slurm_options
        )


def find_launcher(
    spec: str | Requirement,
    tags: Mapping[str, str] | None = None,
    *,
    config_dir: Path | None = None,
) -> Launcher:
    """Return a launcher able to run a job that needs `spec`.

    `spec` is a requirement (`"duration=2h & cuda(mem=16G)*2 | duration=6h & cpu()"`),
    as text or parsed. `launchers.py` in the configuration folder is asked first, with
    the requirement and `tags`; when it returns None (or is absent), `launchers.yaml`
    decides, and without it the local machine runs the job if it can.

    Raises:
        RequirementSyntaxError: `spec` is not a requirement.
        LauncherConfigError: `launchers.yaml` or `launchers.py` is wrong; the message
            names the file, the line and the key.
        NoLauncherError: no candidate fits; the message lists each one with the reason.
    """
    requirement = spec if isinstance(spec, Requirement) else parse(spec)
    folder = default_config_dir() if config_dir is None else config_dir
    hook = folder / LAUNCHERS_PY
    if hook.is_file():
        launcher = call_hook(hook, requirement, types.MappingProxyType(dict(tags or {})))
        if launcher is not None:
            return launcher
    return choose_launcher(requirement, config_dir=folder).build()


def choose_launcher(spec: str | Requirement, *, config_dir: Path | None = None) -> LauncherChoice:
    """Return what `launchers.yaml` picks for `spec`, without building the launcher.

    This is `find_launcher` without `launchers.py`: a hook may call it to start from the
    file's choice, and it shows why each candidate was or was not chosen.

    Raises:
        RequirementSyntaxError: `spec` is not a requirement.
        LauncherConfigError: `launchers.yaml` is wrong.
        NoLauncherError: no candidate fits.
    """
    requirement = spec if isinstance(spec, Requirement) else parse(spec)
    folder = default_config_dir() if config_dir is None else config_dir
    file = folder / LAUNCHERS_YAML
    has_file = file.is_file()
    if has_file:
        config = _configs.get(file)
        source = str(file)
    else:
        config = LaunchersConfig(file, LocalMachine())
        source = f"the local machine (no {LAUNCHERS_YAML} in {folder})"
    local = config.local.host() if config.local is not None else None
    hosts = [local] if local is not None else []
    hosts.extend(p.host() for p in config.partitions)
    if not hosts:
        raise NoLauncherError(
            f"{file} declares no launcher",
            requirement=str(requirement),
            hint=f"Add a `local` section or `slurm` partitions to it ({_DOCS}).",
        )
    match = match_hosts(requirement, hosts)
    if match.requirement is None:
        if local is not None and not has_file:
            source = f"{source}; detected {_describe(local)}"
        raise NoLauncherError(
            "no candidate fits",
            requirement=str(requirement),
            refusals=match.refusals,
            source=source,
            hint=_hint(file, has_file),
        )
    chosen = match.hosts[0].name
    if chosen == LOCAL_NAME and config.local is not None:
        return LauncherChoice(chosen, match.requirement, match, max_jobs=config.local.max_jobs)
    partition = next(p for p in config.partitions if p.candidate_name == chosen)
    options = partition.slurm_options(match.requirement)
    return LauncherChoice(chosen, match.requirement, match, slurm_options=options)


def _hint(file: Path, has_file: bool) -> str:
    where = f"in {file}" if has_file else f"in a new {file}"
    return (
        "Ask for less or add a cheaper alternative with `|`, or describe a machine or "
        f"SLURM partition that fits {where} ({_DOCS})."
    )


def _describe(host: HostSpec) -> str:
    gpus = ", ".join(f"{a.count} {a.kind.value} ({_gib(a.memory)})" for a in host.accelerators)
    return f"{host.cores} cores, {_gib(host.memory)} of memory, GPUs: {gpus or 'none'}"


def _gib(size: int) -> str:
    return f"{size / 1024**3:.1f} GiB"


def _make(module: str, name: str, requirement: str, **arguments: object) -> Launcher:
    """Build `module.name(**arguments)`, found at run time (it may be absent)."""
    factory = getattr(importlib.import_module(module), name, None)
    if factory is None:
        raise NoLauncherError(
            f"the chosen launcher needs {module}.{name}, which this installation lacks",
            requirement=requirement,
            hint="Install matching versions of xpm-scheduler and xpm-launchers.",
        )
    launcher = factory(**arguments)
    if not isinstance(launcher, Launcher):
        raise TypeError(f"{module}.{name} is not a Launcher: this is a bug in xpm")
    return launcher


class _FileCache(Generic[T]):
    """What was read from each file, read again only when the file changes."""

    def __init__(self, read: Callable[[Path], T]) -> None:
        self._read = read
        self._values: dict[Path, tuple[tuple[int, int], T]] = {}

    def get(self, file: Path) -> T:
        status = file.stat()
        stamp = status.st_mtime_ns, status.st_size
        cached = self._values.get(file)
        if cached is None or cached[0] != stamp:
            cached = stamp, self._read(file)
            self._values[file] = cached
        return cached[1]


def call_hook(file: Path, requirement: Requirement, tags: Mapping[str, str]) -> Launcher | None:
    """Ask the `find_launcher` of the `launchers.py` at `file`; None lets the YAML decide.

    Raises:
        LauncherConfigError: the file defines no `find_launcher`, or it returned something
            that is not a launcher.
    """
    function = getattr(_hooks.get(file), "find_launcher", None)
    if not callable(function):
        raise LauncherConfigError(
            "defines no find_launcher function",
            file=file,
            hint="define `def find_launcher(requirement, tags):` returning a launcher, "
            f"or None to let {LAUNCHERS_YAML} decide",
        )
    result = function(requirement, tags)
    if result is None or isinstance(result, Launcher):
        return result
    code = getattr(function, "__code__", None)
    raise LauncherConfigError(
        f"find_launcher returned {type(result).__name__} {result!r}, not a launcher",
        file=file,
        line=getattr(code, "co_firstlineno", None),
        key="find_launcher",
        hint="return a launcher (a LocalLauncher, a SlurmLauncher, or "
        f"choose_launcher(requirement).build()), or None to let {LAUNCHERS_YAML} decide",
    )


def _run_hook_file(file: Path) -> types.ModuleType:
    """Return `launchers.py` run as a module."""
    module = types.ModuleType("xpm_launchers_hook")
    module.__file__ = str(file)
    # Compiled with its path, so that tracebacks show the user's file and lines.
    code = compile(file.read_bytes(), str(file), "exec")
    exec(code, module.__dict__)
    return module


_configs = _FileCache(load_launchers_config)
_hooks = _FileCache(_run_hook_file)
