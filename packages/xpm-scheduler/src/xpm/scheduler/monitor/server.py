"""`MonitorServer`: a web page that shows a workspace's experiments and jobs live.

Use it from an experiment or a script::

    server = MonitorServer(workdir)          # 127.0.0.1, a free port, a random token
    server.start()                            # returns at once; serves from threads
    print("Monitor:", server.url)             # http://127.0.0.1:PORT/?token=...
    ...
    server.stop()                             # closes every connection, joins threads

`experiment(..., port=N)` starts one on port N for the experiment's workspace and stops
it when the experiment ends. The server only reads the workspace, except that the page's
kill button sends SIGTERM to a job (or runs `scancel`). It listens on 127.0.0.1 unless
told otherwise; whoever opens the URL with its token can see every job and kill them,
so share the URL only with people who may.

A client cannot exhaust the server: at most `max_connections` connections are served
at once (one thread each; more are answered 503 at once and closed), and a connection
that has not sent its request line and headers within `header_timeout` seconds is
closed, so idle or trickling connections free their place.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import threading
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, final

from .feed import ChangeFeed
from .handler import MonitorContext, MonitorRequestHandler, load_static
from .snapshot import WorkspaceSnapshot

_BUSY_BODY = b'{"error": "too many connections to the monitor; retry soon"}'
_BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n"
    b"Retry-After: 1\r\nConnection: close\r\n"
    b"Content-Length: %d\r\n\r\n%s" % (len(_BUSY_BODY), _BUSY_BODY)
)


class _HTTPServer(ThreadingHTTPServer):
    # One daemon thread per connection (a forgotten server never blocks the interpreter's
    # exit), each one joined by server_close() so that stop() leaves no thread behind.
    request_queue_size = 256
    context: MonitorContext

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[MonitorRequestHandler],
        max_connections: int = 256,
        header_timeout: float = 10.0,
    ) -> None:
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self._requests: list[threading.Thread] = []
        self._requests_lock = threading.Lock()
        self._waiting: dict[Any, float] = {}  # connection -> deadline for its headers
        self._closing = threading.Event()
        super().__init__(address, handler)  # closes the socket, via server_close, if bind fails
        self._watchdog = threading.Thread(
            target=self._close_late_requests, name="xpm-monitor-deadline", daemon=True
        )
        self._watchdog.start()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._requests_lock:
            self._requests = [t for t in self._requests if t.is_alive()]
            if len(self._requests) >= self.max_connections:
                thread = None
            else:
                thread = threading.Thread(
                    target=self.process_request_thread,
                    args=(request, client_address),
                    name="xpm-monitor-request",
                    daemon=True,
                )
                self._requests.append(thread)
                self._waiting[request] = time.monotonic() + self.header_timeout
        if thread is None:
            self._refuse(request)
        else:
            thread.start()

    def _refuse(self, request: socket.socket) -> None:
        try:
            request.settimeout(0.5)
            request.sendall(_BUSY)
        except OSError:
            pass
        self.shutdown_request(request)

    def headers_received(self, request: Any) -> None:
        """The request's line and headers are in: its header deadline no longer applies."""
        with self._requests_lock:
            self._waiting.pop(request, None)

    def shutdown_request(self, request: Any) -> None:
        self.headers_received(request)
        super().shutdown_request(request)

    def _close_late_requests(self) -> None:
        while not self._closing.wait(min(0.25, self.header_timeout / 4)):
            now = time.monotonic()
            with self._requests_lock:
                late = [r for r, deadline in self._waiting.items() if deadline <= now]
                for request in late:
                    del self._waiting[request]
            for request in late:
                with contextlib.suppress(OSError):
                    request.shutdown(socket.SHUT_RDWR)  # its handler reads the end, quietly

    def server_close(self) -> None:
        super().server_close()
        self._closing.set()
        if hasattr(self, "_watchdog"):
            self._watchdog.join()
        with self._requests_lock:
            threads, self._requests = self._requests, []
        for thread in threads:
            thread.join()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser closing its connection mid-answer is normal, not worth a traceback.
        import sys

        error = sys.exc_info()[1]
        if not isinstance(error, OSError):
            super().handle_error(request, client_address)


class _DeadlineHandler(MonitorRequestHandler):
    """Tells the server when a request's headers are in (see `_HTTPServer`)."""

    def parse_request(self) -> bool:
        parsed = super().parse_request()  # reads the headers
        self.server.headers_received(self.request)  # type: ignore[attr-defined]
        return parsed


class _HTTPServer6(_HTTPServer):
    address_family = socket.AF_INET6


@final
class MonitorServer:
    """Serve the monitor page and its API for the workspace `workdir`, from threads.

    Args:
        workdir: The workspace folder (holding `jobs/` and `experiments/`).
        host: The address to listen on; `127.0.0.1` keeps the page on this machine.
        port: The TCP port; 0 picks a free one (read it back from `port` or `url`).
        token: The secret every request must carry; a random one when None.
        interval: Seconds between two rescans of the workspace (changes reach the page
            within about this delay plus the browser's rendering).
        max_connections: Most connections served at once (an open page holds one or
            two); more are answered 503 at once.
        header_timeout: Seconds a client has to send its request line and headers
            before its connection is closed.
    """

    def __init__(
        self,
        workdir: str | os.PathLike[str],
        host: str = "127.0.0.1",
        port: int = 0,
        token: str | None = None,
        *,
        interval: float = 0.25,
        max_connections: int = 256,
        header_timeout: float = 10.0,
    ) -> None:
        self.workdir = Path(workdir).absolute()
        self.host = host
        self.token = token if token is not None else secrets.token_urlsafe(24)
        self._port = port
        self._interval = interval
        self._limits = (max_connections, header_timeout)
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port listened on (the one chosen by the system when 0 was asked)."""
        return self._port

    @property
    def url(self) -> str:
        """The address to open in a browser, with the token (`http://host:port/?token=...`).

        Raises:
            RuntimeError: the server has not been started.
        """
        if self._httpd is None:
            raise RuntimeError("start() the MonitorServer before asking for its url")
        host = self.host
        if host in ("", "0.0.0.0", "::"):
            host = socket.gethostname()
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self._port}/?token={self.token}"

    def start(self) -> None:
        """Scan the workspace once, listen, and serve from background threads.

        Raises:
            OSError: the address cannot be listened on (port taken, unknown host).
        """
        if self._httpd is not None:
            raise RuntimeError("this MonitorServer is already started")
        kind = _HTTPServer6 if ":" in self.host else _HTTPServer
        httpd = kind((self.host, self._port), _DeadlineHandler, *self._limits)
        self._port = int(httpd.server_address[1])
        feed = ChangeFeed(WorkspaceSnapshot(self.workdir), self._interval)
        httpd.context = MonitorContext(self.workdir, self.token, self._port, feed, load_static())
        feed.start()
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="xpm-monitor",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving: end the change streams, close the socket and join every thread."""
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        httpd.context.stopping.set()
        httpd.shutdown()
        thread.join()
        httpd.server_close()
        httpd.context.feed.stop()
        self._httpd = self._thread = None

    def __enter__(self) -> MonitorServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
