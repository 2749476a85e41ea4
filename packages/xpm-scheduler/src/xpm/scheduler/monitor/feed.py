"""The thread that rescans the workspace and hands each change to every open page.

Each browser holds one Server-Sent Events stream; each stream is a `Subscription` with
its own bounded queue. A page too slow to keep up loses its subscription rather than
holding memory: its stream ends, the browser reconnects and reloads the whole state.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import final

from .encoding import encode_json
from .snapshot import WorkspaceSnapshot

_QUEUE_SIZE = 256

logger = logging.getLogger("xpm.scheduler.monitor")


@final
class Subscription:
    """The changes not yet sent to one page, as encoded Server-Sent Events."""

    def __init__(self) -> None:
        self._queue: queue.Queue[bytes] = queue.Queue(_QUEUE_SIZE)
        self.is_lost = False

    def put(self, event: bytes) -> None:
        """Queue `event`; a full queue marks the subscription lost instead of blocking."""
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            self.is_lost = True

    def get(self, timeout: float) -> bytes | None:
        """Return the next event, or None after `timeout` seconds without one."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None


@final
class ChangeFeed:
    """Rescan `snapshot` every `interval` seconds in a thread and publish the changes."""

    def __init__(self, snapshot: WorkspaceSnapshot, interval: float = 0.25) -> None:
        self.snapshot = snapshot
        self.interval = interval
        self._subscribers: set[Subscription] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._logged: set[str] = set()

    def start(self) -> None:
        """Scan once (so the first page load is complete), then keep scanning in a thread.

        A scan that fails (a bug, or a file no reader expected) is logged; the monitor
        starts anyway and the next rounds run.
        """
        self._round(self.snapshot.rescan)
        self._thread = threading.Thread(target=self._run, name="xpm-monitor-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop scanning and wait for the thread to end."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def subscribe(self) -> Subscription:
        """Return a new subscription that receives every later change."""
        sub = Subscription()
        with self._lock:
            self._subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        """Stop sending changes to `sub`."""
        with self._lock:
            self._subscribers.discard(sub)

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            self._round(self.publish_changes)

    def _round(self, scan: Callable[[], object]) -> None:
        """Run one rescan; an error is logged (once per message) and never ends the thread,
        so that the page keeps updating whatever one file of the workspace holds."""
        try:
            scan()
        except Exception as error:
            text = f"{type(error).__name__}: {error}"
            if text not in self._logged:
                self._logged.add(text)
                logger.exception("xpm monitor: a rescan of %s failed", self.snapshot.workdir)

    def publish_changes(self) -> bool:
        """Rescan now and send what changed to every subscriber; return whether anything did."""
        change = self.snapshot.rescan()
        if change is None:
            return False
        data = encode_json(change.to_json(), compact=True)
        event = f"id: {change.version}\nevent: change\ndata: ".encode() + data + b"\n\n"
        with self._lock:
            subscribers = list(self._subscribers)
        for sub in subscribers:
            sub.put(event)
        return True
