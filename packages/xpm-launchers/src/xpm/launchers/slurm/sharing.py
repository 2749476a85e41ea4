"""One SLURM poller for all the launchers of a process that ask SLURM the same way.

`SlurmLauncher.config()` and the launcher finder make one launcher per set of sbatch
options. If each followed its jobs alone, an experiment with three kinds of jobs would
ask SLURM three times as often. Launchers with the same runner and polling settings
share one `SlurmPoller` instead, so that one round asks about all their jobs. Each
launcher holds a `PollerShare`, its own view of it: `close` stops following that
launcher's jobs only, and the poller's thread ends with the last share.
"""

from __future__ import annotations

import threading
from collections.abc import Collection
from datetime import datetime
from typing import final

from xpm.scheduler import EndCallback, JobPaths

from .commands import CommandRunner
from .poller import SlurmPoller
from .sacct import SlurmJobStatus

_Key = tuple[int, float, float, float]
_lock = threading.Lock()
_shared: dict[_Key, tuple[SlurmPoller, CommandRunner, set[PollerShare]]] = {}


@final
class PollerShare:
    """One launcher's view of a (possibly shared) `SlurmPoller`."""

    def __init__(self, poller: SlurmPoller, key: _Key | None) -> None:
        self._poller = poller
        self._key = key
        self._is_closed = False

    @property
    def poller(self) -> SlurmPoller:
        """The poller, shared with the other launchers that ask SLURM the same way."""
        return self._poller

    @property
    def is_closed(self) -> bool:
        """Whether `close` was called: this launcher's jobs are no longer followed."""
        return self._is_closed or self._poller.is_closed

    def follow(
        self,
        job_id: str,
        on_end: EndCallback,
        since: datetime | None = None,
        paths: JobPaths | None = None,
    ) -> None:
        """`SlurmPoller.follow`, for this launcher's job.

        Raises:
            RuntimeError: this share is closed.
        """
        if self._is_closed:
            raise RuntimeError("this SLURM launcher is closed: make a new one")
        self._poller.follow(job_id, on_end, since, paths, owner=self)

    def statuses(
        self, job_ids: Collection[str], since: datetime | None = None
    ) -> dict[str, SlurmJobStatus]:
        """`SlurmPoller.statuses`."""
        return self._poller.statuses(job_ids, since)

    def poll_once(self) -> bool:
        """`SlurmPoller.poll_once`: one full round, for every launcher of the poller."""
        return self._poller.poll_once()

    def followed(self) -> list[str]:
        """Return the ids of this launcher's jobs followed now."""
        return self._poller.followed(owner=self)

    def close(self) -> None:
        """Stop following this launcher's jobs; the last share stops the poller."""
        if self._is_closed:
            return
        self._is_closed = True
        self._poller.forget(self)
        if self._key is None:
            self._poller.close()
            return
        with _lock:
            poller, _runner, shares = _shared[self._key]
            shares.discard(self)
            if shares:
                return
            del _shared[self._key]
        poller.close()


def shared_poller(
    runner: CommandRunner,
    *,
    min_interval: float,
    max_interval: float,
    grace: float,
    background: bool,
) -> PollerShare:
    """Return a share of the poller of `runner` with these settings (made if needed).

    Pollers without a background thread (`background=False`) are never shared: their
    owner runs each round itself.
    """
    if not background:
        poller = SlurmPoller(
            runner,
            min_interval=min_interval,
            max_interval=max_interval,
            grace=grace,
            background=False,
        )
        return PollerShare(poller, None)
    key = (id(runner), min_interval, max_interval, grace)
    with _lock:
        entry = _shared.get(key)
        if entry is None:
            poller = SlurmPoller(
                runner, min_interval=min_interval, max_interval=max_interval, grace=grace
            )
            entry = _shared[key] = (poller, runner, set())
        share = PollerShare(entry[0], key)
        entry[2].add(share)
        return share
