"""The monitor's HTTP endpoints: the page, the JSON API and the change stream.

Every request first passes the token check (403 otherwise, even for unknown paths);
then `GET /` and its two static files, `GET /api/state`, `/api/run`, `/api/job`,
`/api/log`, `/api/results`, `/api/events` (Server-Sent Events) and `POST /api/kill`.
Job ids, experiment and run names travel in the query string and are validated by
`access` before any file is touched.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from importlib import resources
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from ..kill import KillRefused, kill_job
from ..results import read_results
from ..runs import SubmittedJob
from .access import (
    AccessDenied,
    cookie_name,
    cookie_token,
    is_name_valid,
    is_token_valid,
    job_paths,
    relative_parts,
)
from .encoding import encode_json
from .feed import ChangeFeed
from .views import RESULT_LIMIT, job_detail, log_chunk, read_job_file

_STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/monitor.js": ("monitor.js", "text/javascript; charset=utf-8"),
    "/monitor.css": ("monitor.css", "text/css; charset=utf-8"),
}
_SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
        " script-src 'self'; connect-src 'self'; frame-ancestors 'none'"
    ),
}
_HEARTBEAT = 10.0


def load_static() -> dict[str, tuple[bytes, str]]:
    """Read the page's files shipped in the package, by URL path."""
    folder = resources.files(__package__ or "xpm.scheduler.monitor").joinpath("static")
    return {
        url: (folder.joinpath(name).read_bytes(), kind) for url, (name, kind) in _STATIC.items()
    }


@dataclass
class MonitorContext:
    """What every request handler of one monitor shares."""

    workdir: Path
    token: str
    port: int
    feed: ChangeFeed
    static: dict[str, tuple[bytes, str]]
    stopping: threading.Event = field(default_factory=threading.Event)


class MonitorRequestHandler(BaseHTTPRequestHandler):
    """Answer one request of the monitor (one thread per connection)."""

    server_version = "xpm-monitor"
    timeout = 5

    @property
    def context(self) -> MonitorContext:
        """The monitor this request belongs to."""
        return cast(MonitorContext, getattr(self.server, "context"))  # noqa: B009

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: the monitor prints its URL and nothing per request."""

    def do_GET(self) -> None:
        """Serve the page, the JSON API or the change stream."""
        self._dispatch("GET")

    def do_POST(self) -> None:
        """Serve `POST /api/kill`."""
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        ctx = self.context
        name = cookie_name(ctx.port)
        by_query = is_token_valid(query.get("token"), ctx.token)
        if not by_query and not is_token_valid(
            cookie_token(self.headers["Cookie"], name), ctx.token
        ):
            self._send_json({"error": "forbidden: open the URL with ?token= printed by xpm"}, 403)
            return
        cookie = {}
        if by_query:
            cookie["Set-Cookie"] = f"{name}={ctx.token}; Path=/; HttpOnly; SameSite=Strict"
        path = split.path
        try:
            if method == "POST":
                if path != "/api/kill":
                    self._send_json({"error": "not found"}, 404)
                elif not self._is_same_origin():
                    self._send_json({"error": "forbidden: cross-origin request"}, 403)
                else:
                    self._kill(query)
                return
            if path in ctx.static:
                if by_query and path == "/":
                    # Drop the token from the address bar; the cookie carries it now.
                    self._send(b"", "text/plain", 303, {**cookie, "Location": "/"})
                    return
                body, kind = ctx.static[path]
                self._send(body, kind, 200, cookie)
            elif path == "/api/events":
                self._stream_events(cookie)
            else:
                self._api(path, query, cookie)
        except AccessDenied as e:
            self._send_json({"error": f"not found: {e}"}, 404)

    def _api(self, path: str, query: Mapping[str, str], cookie: Mapping[str, str]) -> None:
        ctx = self.context
        if path == "/api/state":
            self._send(ctx.feed.snapshot.state_json(), "application/json", 200, cookie)
        elif path == "/api/run":
            experiment, run = query.get("experiment", ""), query.get("run", "")
            jobs = self._submitted(experiment, run)
            self._send_json({"experiment": experiment, "run": run, "jobs": jobs}, 200, cookie)
        elif path == "/api/job":
            paths = job_paths(ctx.workdir, query.get("id", ""))
            self._send_json(job_detail(paths), 200, cookie)
        elif path == "/api/log":
            paths = job_paths(ctx.workdir, query.get("id", ""))
            try:
                offset = int(query.get("offset", "-1"))
            except ValueError:
                offset = -1
            chunk = log_chunk(ctx.workdir, paths, query.get("stream", "out"), offset)
            self._send_json(chunk, 200, cookie)
        elif path == "/api/results":
            self._results(query, cookie)
        else:
            self._send_json({"error": "not found"}, 404, cookie)

    def _results(self, query: Mapping[str, str], cookie: Mapping[str, str]) -> None:
        ctx = self.context
        name = query.get("file", "metrics.json")
        relative_parts(name)
        experiment, run = query.get("experiment", ""), query.get("run", "")
        if experiment or run:
            jobs = [
                SubmittedJob(str(s["job"]), s.get("tags") or {})
                for s in self._submitted(experiment, run)
            ]
        else:
            state = json.loads(ctx.feed.snapshot.state_json())
            jobs = [SubmittedJob(str(j["id"]), j.get("tags") or {}) for j in state["jobs"]]
        results = read_results(ctx.workdir, jobs, file=name, reader=self._result_bytes)
        rows = [
            {"job": r.job_id, "tags": dict(r.tags), "values": dict(r.values)}
            for r in results.rows
            if r.values
        ]
        values = {row["job"]: row["values"] for row in rows}
        self._send_json(
            {"file": name, "values": values, "rows": rows, "warnings": results.warnings([])},
            200,
            cookie,
        )

    def _result_bytes(self, job_id: str, name: str) -> bytes | None:
        """A job's result file (at most `RESULT_LIMIT` bytes), or None when it is
        missing, too large, or leaves the job folder or the workspace."""
        workdir = self.context.workdir
        try:
            data = read_job_file(job_paths(workdir, job_id), name, RESULT_LIMIT + 1)
        except (AccessDenied, OSError):
            return None
        return data if data is not None and len(data) <= RESULT_LIMIT else None

    def _submitted(self, experiment: str, run: str) -> list[dict[str, Any]]:
        """Return the jobs one run submitted; a bad or unknown name is "not found"."""
        jobs = (
            self.context.feed.snapshot.submitted(experiment, run)
            if is_name_valid(experiment) and is_name_valid(run)
            else None
        )
        if jobs is None:
            raise AccessDenied(f"no run {experiment!r}/{run!r}")
        return jobs

    def _kill(self, query: Mapping[str, str]) -> None:
        paths = job_paths(self.context.workdir, query.get("id", ""))
        try:
            how = kill_job(paths)
        except KillRefused as e:
            self._send_json({"error": str(e)}, 409)
            return
        self._send_json({"sent": True, "how": how}, 200)

    def _is_same_origin(self) -> bool:
        origin = self.headers["Origin"]
        return origin is None or origin == f"http://{self.headers['Host']}"

    def _stream_events(self, cookie: Mapping[str, str]) -> None:
        ctx = self.context
        sub = ctx.feed.subscribe()
        try:
            self.send_response(200)
            for key, value in {**_SECURITY_HEADERS, **cookie}.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b"retry: 1000\n\n")
            self.wfile.flush()
            last = time.monotonic()
            while not ctx.stopping.is_set() and not sub.is_lost:
                event = sub.get(timeout=0.2)
                if event is None:
                    if time.monotonic() - last < _HEARTBEAT:
                        continue
                    event = b": heartbeat\n\n"
                self.wfile.write(event)
                self.wfile.flush()
                last = time.monotonic()
        except OSError:
            pass  # the page went away
        finally:
            ctx.feed.unsubscribe(sub)
            self.close_connection = True

    def _send_json(self, data: Any, status: int, headers: Mapping[str, str] | None = None) -> None:
        self._send(encode_json(data), "application/json", status, headers)

    def _send(
        self, body: bytes, kind: str, status: int, headers: Mapping[str, str] | None = None
    ) -> None:
        try:
            self.send_response(status, HTTPStatus(status).phrase)
            for key, value in {**_SECURITY_HEADERS, **(headers or {})}.items():
                self.send_header(key, value)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client closed the connection
