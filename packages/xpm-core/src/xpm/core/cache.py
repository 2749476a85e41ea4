"""`@cache("file")`: compute a file once per configuration, shared by every job.

A method decorated with `@cache("terms.npy")` receives the path where its result
belongs, `<workspace>/config/<type id>/<identifier>/terms.npy`, and returns whatever it
likes; it runs under a file lock, so two jobs needing the same cache compute it once
(the second finds the file the first wrote).
"""

from __future__ import annotations

from .errors import XpmError

# Imported by `import xpm.core` (its name is also the module's): it must stay light.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Concatenate, ParamSpec, TypeVar

    from .config import Config

    P = ParamSpec("P")
    R = TypeVar("R")
    S = TypeVar("S", bound=Config)


def cache(
    filename: str,
) -> Callable[[Callable[Concatenate[S, Path, P], R]], Callable[Concatenate[S, P], R]]:
    """Decorate a config method `f(self, path, ...)`; callers call `self.f(...)`.

    The folder is created if needed; the method decides whether `path` already holds
    its result (`if path.exists(): return load(path)`).

    Raises:
        XpmError: called with no workspace known (neither inside a job nor inside an
            open experiment).
    """
    if not filename or "/" in filename or filename in (".", ".."):
        raise ValueError(f"@cache needs a plain file name, got {filename!r}")

    import functools

    def decorate(method: Callable[Concatenate[S, Path, P], R]) -> Callable[Concatenate[S, P], R]:
        @functools.wraps(method)
        def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            import fcntl
            import os

            folder = cache_folder(self)
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(folder / f".{filename}.lock", os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                return method(self, folder / filename, *args, **kwargs)
            finally:
                os.close(fd)

        return wrapper

    return decorate


def cache_folder(config: Config) -> Path:
    """Return `<workspace>/config/<type id>/<identifier>/` for `config`."""
    from .jobcontext import current_job
    from .spec import type_id
    from .submitters import current_workspace

    job = current_job()
    workspace = job.workspace if job is not None else current_workspace()
    if workspace is None:
        raise XpmError(
            f"{type(config).__name__}: @cache needs a workspace: call the method inside a "
            "running job or inside `with experiment(...)`"
        )
    return workspace / "config" / type_id(config) / config.__identifier__().hex()
