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

import json
import os
import signal
import socket
import sys
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

EXIT_LOCKED = 75
"""Exit code when another process already runs the job."""

LOCK_FD_ENV = "XPM_JOB_LOCK_FD"
"""Set by the local launcher: the descriptor of the job lock it took and handed over."""


class _Cancelled(BaseException):
    """Raised in the task by SIGTERM, so that the job records `cancelled` and exits."""


class _MainScriptStopped(BaseException):
    """Raised by `experiment()` while the job process loads a `__main__` script."""


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(tmp, path)


def _lock(folder: Path, name: str) -> int | None:
    import fcntl

    inherited = os.environ.pop(LOCK_FD_ENV, None)
    if inherited is not None:
        return int(inherited)
    fd = os.open(folder / f"{name}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


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
    sys.modules["__mp_main__"] = module
    os.environ["XPM_LOADING_MAIN"] = "1"
    try:
        spec.loader.exec_module(module)
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


def stop_if_loading_main() -> None:
    """Called by `experiment()`: inside a job loading its script, stop the script there."""
    if os.environ.get("XPM_LOADING_MAIN") == "1":
        raise _MainScriptStopped()


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise _Cancelled()


def run_job(folder: Path) -> int:
    """Run the job of `folder`; return the process exit code."""
    from xpm.core import JobContext, enter_job, execute_task, from_dict

    params_path = folder / "params.json"
    data: dict[str, Any] = json.loads(params_path.read_text(encoding="utf-8"))
    job = data.get("job", {})
    name = str(job.get("name") or folder.parent.name.rsplit(".", 1)[-1])
    workspace = Path(job.get("workspace") or folder.parent.parent.parent)
    done, failed, pid = (folder / f"{name}.{ext}" for ext in ("done", "failed", "pid"))

    fd = _lock(folder, name)
    if fd is None:
        print(f"xpm: job {folder} is already run by another process", file=sys.stderr)
        return EXIT_LOCKED
    if done.exists():
        return 0
    for stale in (failed, folder / f"{name}.progress"):
        stale.unlink(missing_ok=True)
    os.chdir(folder)
    record = _read_record(pid)
    if record is None or record.get("type") == "local":
        from .process import ProcessIdentity

        _write_atomic(pid, json.dumps(ProcessIdentity.current().to_json()))
    host = socket.gethostname()
    _write_atomic(folder / f"{name}.started", json.dumps({"time": time.time(), "host": host}))
    signal.signal(signal.SIGTERM, _on_sigterm)
    code = 0
    failure: dict[str, Any] | None = None
    try:
        for root in data.get("pythonpath", ()):
            if root not in sys.path:
                sys.path.append(root)
        if isinstance(data.get("main"), str):
            _load_main_script(data["main"])
        task = from_dict(data, folder)
        enter_job(JobContext(folder, name, workspace))
        execute_task(task, folder)  # type: ignore[arg-type]
    except _Cancelled:
        code = 128 + signal.SIGTERM
        failure = _failure(code, "cancelled", "cancelled (SIGTERM)", signal.SIGTERM)
    except KeyboardInterrupt:
        code = 128 + signal.SIGINT
        failure = _failure(code, "cancelled", "interrupted (SIGINT)", signal.SIGINT)
    except BaseException as exc:
        traceback.print_exc()
        code = exc.code if isinstance(exc, SystemExit) and isinstance(exc.code, int) else 1
        if code == 0:
            code = 1
        message = f"{type(exc).__name__}: {exc}".rstrip(": ")
        failure = _failure(code, "failed", message, None)
        failure["exception"] = {"type": type(exc).__name__, "message": str(exc)}
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        sys.stdout.flush()
        sys.stderr.flush()
    if failure is None:
        _write_atomic(done, "")
    else:
        _write_atomic(failed, json.dumps(failure))
    record = _read_record(pid)
    if record is not None and record.get("type") == "local":
        pid.unlink(missing_ok=True)
    os.close(fd)
    return code


def _read_record(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _failure(code: int, reason: str, message: str, sig: int | None) -> dict[str, Any]:
    return {
        "code": code,
        "reason": reason,
        "message": message,
        "signal": sig,
        "exception": None,
        "time": time.time(),
    }


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
