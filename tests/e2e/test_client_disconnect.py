"""A query whose client disconnects is stopped (web/disconnect.py), under `graphsvc serve`.

One query slot (`--workers 1`) makes it visible: while the abandoned query runs, nothing else can.
"""

from __future__ import annotations

import contextlib
import socket
import time
import urllib.parse

import httpx

from tests.support import FIXTURES, cli_server

# Minutes on any machine: an eight-way product of the small fixture's 14 triples (1.5e9 rows).
SLOW = "SELECT (COUNT(*) AS ?n) { " + " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(8)) + " }"
ASK = "/sparql?query=ASK%7B%7D"


def start_and_abandon(base_url: str) -> None:
    """Send the slow query, wait until it runs, and close the connection."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(
            f"GET /sparql?query={urllib.parse.quote(SLOW)} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
        )
        time.sleep(1.0)


def ask_time(base_url: str) -> float:
    """Seconds until `ASK {}` is answered (a 503 from a busy slot is asked again)."""
    started = time.monotonic()
    while time.monotonic() - started < 60:
        response = httpx.get(f"{base_url}{ASK}", timeout=60)
        if response.status_code != 503:
            assert response.json()["boolean"] is True
            return time.monotonic() - started
    raise AssertionError("ASK {} got only 503 for a minute")


def test_process_isolation_kills_the_abandoned_query() -> None:
    args = ("--query-isolation", "process", "--workers", "1", "--query-timeout", "30")
    with cli_server(str(FIXTURES / "small"), *args) as base_url:
        start_and_abandon(base_url)
        # Its worker was killed and replaced at once: the one slot is free again long before
        # the 30 s limit.
        assert ask_time(base_url) < 10


def test_thread_isolation_keeps_the_slot_until_the_runaway_is_replaced() -> None:
    """A thread cannot be stopped: the abandoned query keeps its slot (admission never promises
    a thread it does not have), and at its limit it is a runaway like any other, so the
    supervisor replaces the process; the slot is then free in the new one."""
    # One server process: with more, another would answer the query this one has no slot for.
    args = ("--query-isolation", "thread", "--workers", "1", "--query-timeout", "3",
            "--processes", "1")  # fmt: skip
    with cli_server(str(FIXTURES / "small"), *args) as base_url:
        start_and_abandon(base_url)
        with contextlib.suppress(httpx.TimeoutException):
            # Still held: a query that needs the slot waits (and would get 503 at its limit).
            response = httpx.get(f"{base_url}{ASK}", timeout=1)
            assert response.status_code == 503
        # At its limit the runaway's process is replaced; the new one has its slot free.
        assert ask_time(base_url) < 30
