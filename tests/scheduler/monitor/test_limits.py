"""The monitor stays available to its page when clients open connections and send nothing."""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from xpm.scheduler.monitor import MonitorServer

from .conftest import TOKEN, request


@pytest.fixture
def small_server(workspace: Path) -> Iterator[MonitorServer]:
    """A monitor serving at most 4 connections, each given 1 s to send its headers."""
    with MonitorServer(
        workspace, token=TOKEN, interval=0.1, max_connections=4, header_timeout=1.0
    ) as monitor:
        yield monitor


def _idle(server: MonitorServer, count: int, first_bytes: bytes = b"") -> list[socket.socket]:
    conns = []
    for _ in range(count):
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        conn.sendall(first_bytes)
        conns.append(conn)
    time.sleep(0.2)  # let the server accept them all
    return conns


def _closed_by_server(conn: socket.socket, within: float) -> bytes:
    conn.settimeout(within)
    data = b""
    while chunk := conn.recv(4096):
        data += chunk
    return data


def test_idle_connections_below_the_cap_do_not_block_a_page(small_server: MonitorServer) -> None:
    conns = _idle(small_server, 3)
    try:
        started = time.monotonic()
        assert request(small_server, "/api/state").status == 200
        assert time.monotonic() - started < 0.9  # served before any idle one was dropped
    finally:
        for conn in conns:
            conn.close()


def test_past_the_cap_connections_get_503_at_once(small_server: MonitorServer) -> None:
    conns = _idle(small_server, 4)
    try:
        started = time.monotonic()
        answer = request(small_server, "/api/state")
        assert answer.status == 503 and answer.headers["Retry-After"] == "1"
        assert answer.json() == {"error": "too many connections to the monitor; retry soon"}
        assert time.monotonic() - started < 0.9
    finally:
        for conn in conns:
            conn.close()


def test_a_slowloris_client_is_cut_off_at_the_header_deadline(small_server: MonitorServer) -> None:
    """Connections that trickle bytes (or send nothing) are closed after 1 s; the page is
    then served again."""
    trickling = _idle(small_server, 2, b"GET /api/state?token=")
    silent = _idle(small_server, 2)
    try:
        started = time.monotonic()
        open_ones = list(trickling)
        while open_ones and time.monotonic() - started < 5:
            for conn in list(open_ones):  # one byte every 0.25 s: no read ever waits 5 s
                try:
                    conn.sendall(b"x")
                except OSError:
                    open_ones.remove(conn)
            time.sleep(0.25)
        for conn in trickling + silent:
            with contextlib.suppress(ConnectionResetError):
                assert _closed_by_server(conn, within=5) == b""
        assert 0.9 < time.monotonic() - started < 4
        assert request(small_server, "/api/state").status == 200
    finally:
        for conn in trickling + silent:
            conn.close()
