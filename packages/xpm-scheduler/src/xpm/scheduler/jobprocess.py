"""The job process, started as `python -m xpm.scheduler.run <job folder>`.

Every launcher runs this, locally or on a cluster node. It holds the job lock for the
whole run, loads the task from `params.json`, runs it in the job folder and leaves the
ending on disk: an empty `<name>.done`, or `<name>.failed` with the exit code, the reason
and the exception (its traceback goes to `<name>.err`). A job already done is not run
again; a job whose lock another process holds exits with code 75 and touches nothing.

Only xpm.core and the standard library are imported before the task's own modules, so a
job starts fast.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

from .atomic import read_json, write_json_atomic, write_text_atomic
from .attempts import begin_attempt
from .jobpaths import JobPaths
from .locks import acquire_job_lock, wait_for_lock
from .locks import is_job_locked as is_locked
from .pids import HOST, ProcessIdentity
from .records import Failure

EXIT_LOCKED = 75
"""Exit code when another process already runs the job."""

LOCK_FD_ENV = "XPM_JOB_LOCK_FD"
"""Set by the local launcher: the descriptor of the job lock it took and handed over."""

TIME_LIMIT_ENV = "XPM_TIME_LIMIT"
"""Set by launchers with a time limit: its seconds, from the job process's start."""

WARNING_SIGNAL = signal.SIGUSR1
"""What launchers send some time before the time limit (SLURM: `--signal=B:USR1@N`)."""


PARTIAL_LOCK = ".xpm-partial.lock"
"""The lock file in each partial folder: one job at a time writes in the folder."""


class _Cancelled(BaseException):
    """Raised in the task by SIGTERM, so that the job records `cancelled` and exits."""


class _Unreadable(Exception):
    """`params.json` cannot be read: the job fails with this message, no traceback."""


def _read_params(path: Path) -> tuple[dict[str, Any], str | None]:
    """Return the content of `params.json` and None, or `{}` and why it cannot be read.

    Only what the job process needs before loading the task is checked here (the names
    of the job, the folders to import from); the graph is checked by `from_dict`.
    """
    try:
        data = json.loads(path.read_bytes())
    except OSError as error:
        return {}, f"cannot read {path}: {error.strerror or error}"
    except (ValueError, RecursionError) as error:
        return {}, f"cannot read {path}: not JSON ({error})"
    problem = _params_problem(data)
    if problem is not None:
        return {}, f"cannot read {path}: {problem}"
    return data, None


def _params_problem(data: Any) -> str | None:
    """What makes `data` (a `params.json`) unusable before the task is loaded, or None."""
    if not isinstance(data, dict):
        return "not a JSON object"
    job = data.get("job", {})
    if not isinstance(job, dict):
        return "'job' is not an object"
    for key in ("type_id", "name", "workspace"):
        if job.get(key) is not None and not isinstance(job[key], str):
            return f"'job.{key}' is not a string"
    roots = data.get("pythonpath", [])
    if not isinstance(roots, list) or not all(isinstance(r, str) for r in roots):
        return "'pythonpath' is not a list of folders"
    if data.get("main") is not None and not isinstance(data["main"], str):
        return "'main' is not a file name"
    return None


class _MainScriptStopped(BaseException):
    """Raised by `experiment()` while the job process loads a `__main__` script."""


def _lock(paths: JobPaths) -> int | None:
    """The job lock's descriptor: handed over by the launcher, or taken here."""
    inherited = os.environ.pop(LOCK_FD_ENV, None)
    if inherited is not None:
        return int(inherited)
    lock = acquire_job_lock(paths.lock)
    if lock is None:
        return None
    fd, lock.fd = lock.fd, -1
    return fd


_LOADED_SCRIPTS: set[str] = set()
"""Experiment scripts this process has loaded (a fork server loads its script once)."""


def import_task_code(data: dict[str, Any], folder: Path) -> None:
    """Make the classes of a job's `params.json` importable: its import roots on
    `sys.path`, and its `__main__` script or saved code loaded (once per process).

    The job process calls this before rebuilding the task; the fork server calls it
    before forking, so that its children find the script loaded already.
    """
    for root in data.get("pythonpath", ()):
        if root not in sys.path:
            sys.path.append(root)
    script = data.get("main")
    code = data.get("main_code")
    if isinstance(script, str) and script not in _LOADED_SCRIPTS:
        _load_main_script(script)
        _LOADED_SCRIPTS.add(script)
    elif not isinstance(script, str) and isinstance(code, dict):
        source = str(code.get("source", ""))
        if source not in _LOADED_SCRIPTS:
            _load_main_code(code, folder)
            _LOADED_SCRIPTS.add(source)


def _load_main_script(script: str) -> None:
    """Run the experiment's script as `__mp_main__` so its classes can be found.

    Top-level code stops at the first `experiment(...)` (the job must not start the
    experiment again); classes defined before it are what the task needs.
    """
    import importlib.util

    spec = importlib.util.spec_from_file_location("__mp_main__", script)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load the experiment script {script}")
    module = importlib.util.module_from_spec(spec)
    loader = spec.loader
    _run_main(module, lambda: loader.exec_module(module))


def _load_main_code(code: dict[str, Any], folder: Path) -> None:
    """Run the code saved in `params.json` for classes no file holds (`mainsource`).

    It is registered with `linecache` under a name that says where it is, so that
    tracebacks show its lines.
    """
    import linecache
    import types

    source = str(code.get("source", ""))
    name = f"{folder / 'params.json'} (main_code, from {code.get('origin', '?')})"
    linecache.cache[name] = (len(source), None, source.splitlines(keepends=True), name)
    module = types.ModuleType("__mp_main__")
    module.__file__ = name
    compiled = compile(source, name, "exec")
    _run_main(module, lambda: exec(compiled, vars(module)))


def _run_main(module: Any, run: Any) -> None:
    sys.modules["__mp_main__"] = module
    os.environ["XPM_LOADING_MAIN"] = "1"
    try:
        run()
    except _MainScriptStopped:
        pass
    finally:
        os.environ.pop("XPM_LOADING_MAIN", None)
    _claim_classes(vars(module).values())
    sys.modules["__main__"] = module


def _claim_classes(values: Any) -> None:
    """Give the script's classes the module name they had in the experiment: `__main__`.

    Type ids (and so identifiers) contain the module name.
    """
    for value in values:
        if isinstance(value, type) and value.__module__ == "__mp_main__":
            value.__module__ = "__main__"
            _claim_classes(vars(value).values())


def _lock_partials(task: Any, workspace: Path) -> list[int]:
    """Create the task's partial folders and lock each, waiting while another job
    writes in one (in sorted order, so that two jobs never wait for each other)."""
    from xpm.core.plumbing import partial_folders

    fds: list[int] = []
    for relative in sorted(partial_folders(task)):
        where = workspace / relative
        where.mkdir(parents=True, exist_ok=True)
        lock = where / PARTIAL_LOCK
        if is_locked(lock):
            print(f"xpm: waiting for {where}: another job writes in it", file=sys.stderr)
            sys.stderr.flush()
        fds.append(wait_for_lock(lock))
    return fds


def stop_if_loading_main() -> None:
    """Called by `experiment()`: inside a job loading its script, stop the script there."""
    if os.environ.get("XPM_LOADING_MAIN") == "1":
        raise _MainScriptStopped()


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Cancelled()


def _on_warning(task: list[Any]) -> Any:
    """The handler of `WARNING_SIGNAL`: the time limit is near (see `ResumableTask`)."""
    from xpm.core.plumbing import note_time_warning

    def handler(signum: int, frame: FrameType | None) -> None:
        note_time_warning()
        print("xpm: the time limit is near (warning signal received)", file=sys.stderr)
        hook = getattr(task[0], "on_time_warning", None) if task else None
        if callable(hook):
            hook()

    return handler


def _deadline(start: float) -> float | None:
    limit = os.environ.get(TIME_LIMIT_ENV)
    try:
        return start + float(limit) if limit else None
    except ValueError:
        return None


def run_job(folder: Path, data: dict[str, Any] | None = None) -> int:
    """Run the job of `folder` (`data`: its `params.json`, if already read); return the
    process exit code."""
    from xpm.core.plumbing import JobContext, enter_job, execute_task, from_dict

    holder: list[Any] = []  # the task, once loaded, for its on_time_warning()
    signal.signal(WARNING_SIGNAL, _on_warning(holder))
    if data is None or _params_problem(data) is not None:
        data, unreadable = _read_params(folder / "params.json")
    else:
        unreadable = None
    job = data.get("job") or {}
    type_id = str(job.get("type_id") or folder.parent.name)
    paths = JobPaths(folder, str(job.get("name") or JobPaths.name_of(type_id)))
    workspace = Path(job.get("workspace") or folder.parent.parent.parent)

    try:
        fd = _lock(paths)
    except OSError as error:
        print(f"xpm: cannot take the job lock: {_why(error)}", file=sys.stderr)
        return 1
    if fd is None:
        print(f"xpm: job {folder} is already run by another process", file=sys.stderr)
        return EXIT_LOCKED
    if paths.done.exists():
        return 0
    start = time.time()
    try:
        # A requeued job's stopped attempt left its .failed: recorded, then removed.
        requeued = os.environ.get("SLURM_RESTART_COUNT", "0") not in ("", "0")
        attempt = begin_attempt(paths, HOST, os.environ.get("SLURM_JOB_ID"), requeued)
        for stale in (paths.failed, paths.progress):
            stale.unlink(missing_ok=True)
        os.chdir(folder)
        record = read_json(paths.pid)
        own = not isinstance(record, dict) or record.get("type") == "local"
        if own:
            write_json_atomic(paths.pid, ProcessIdentity.current().to_json())
    except OSError as error:  # a folder or a link where a marker goes
        message = f"cannot prepare the job folder: {_why(error)}"
        print(f"xpm: {message}", file=sys.stderr)
        with contextlib.suppress(OSError):
            write_json_atomic(paths.failed, Failure("failed", 1, message).to_json())
        os.close(fd)
        return 1
    signal.signal(signal.SIGTERM, _on_sigterm)
    failure: Failure | None = None
    partial_fds: list[int] = []
    try:
        if unreadable is not None:
            raise _Unreadable(unreadable)
        import_task_code(data, folder)
        task = from_dict(data, folder)
        holder.append(task)
        enter_job(JobContext(folder, paths.name, workspace, attempt, _deadline(start)))
        partial_fds = _lock_partials(task, workspace)
        execute_task(task, folder)  # type: ignore[arg-type]
    except _Cancelled:
        sig = signal.SIGTERM
        failure = Failure("cancelled", 128 + sig, "cancelled (SIGTERM)", signal=sig)
    except KeyboardInterrupt:
        sig = signal.SIGINT
        failure = Failure("cancelled", 128 + sig, "interrupted (SIGINT)", signal=sig)
    except _Unreadable as exc:
        print(f"xpm: {exc}", file=sys.stderr)
        failure = Failure("failed", 1, str(exc))
    except BaseException as exc:
        traceback.print_exc()
        code = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 1
        message = f"{type(exc).__name__}: {exc}".rstrip(": ")
        exception = (type(exc).__name__, str(exc))
        reason = "timeout" if _is_timeout(exc) else "failed"
        failure = Failure(reason, code or 1, message, exception=exception)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sys.stdout.flush()
        sys.stderr.flush()
    if failure is not None and failure.reason != "timeout" and _warned():
        # The task stopped after the warning before the time limit: a time-out.
        message = f"stopped after the time-limit warning ({failure.message})"
        failure = Failure("timeout", failure.code, message, failure.signal, failure.exception)
    if failure is None:
        _mark_done(paths)
    else:
        write_json_atomic(paths.failed, failure.to_json())
    if own:
        paths.pid.unlink(missing_ok=True)
    for partial_fd in partial_fds:
        os.close(partial_fd)
    os.close(fd)
    return 0 if failure is None else failure.code or 1


def _mark_done(paths: JobPaths) -> None:
    """Create the empty `.done`: in one step, needing no temporary file (NFS included);
    what stands in its way (a link, say) is replaced atomically."""
    try:
        fd = os.open(paths.done, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    except OSError:
        write_text_atomic(paths.done, "")
    else:
        os.close(fd)


def _why(error: OSError) -> str:
    return f"{error.filename}: {error.strerror or error}" if error.filename else str(error)


def _is_timeout(exc: BaseException) -> bool:
    from xpm.core import GracefulTimeout

    return isinstance(exc, GracefulTimeout)


def _warned() -> bool:
    from xpm.core.plumbing import time_warning_received

    return time_warning_received()


def main(argv: list[str] | None = None) -> NoReturn:
    """Entry point: `python -m xpm.scheduler.run <job folder>`."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m xpm.scheduler.run <job folder>", file=sys.stderr)
        sys.exit(2)
    folder = Path(args[0]).absolute()
    if not (folder / "params.json").is_file():
        print(f"xpm: {folder} is not a job folder (no params.json)", file=sys.stderr)
        sys.exit(2)
    sys.exit(run_job(folder))
