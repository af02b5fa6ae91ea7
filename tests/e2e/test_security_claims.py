"""SECURITY.md's claims about the default server that no other test covers (each claim there names
its test)."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import (
    FIXTURES,
    child_pids,
    free_port,
    logged_server,
    server_pids,
    stop,
    wait_healthy,
)

# An eight-way product of the small fixture's 14 triples: minutes of work, far past any limit.
SLOW = "SELECT (COUNT(*) AS ?n) { " + " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(8)) + " }"


def cpu_ticks(root: int) -> int:
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        todo += child_pids(pid)
    return total


def test_thread_runaway_is_answered_at_once_and_its_cpu_freed_when_its_replacement_serves() -> None:
    """Default mode (query threads): 503 at the limit; the thread runs on until its process is
    stopped, which happens as soon as a new fork of the loader serves in its place."""
    with logged_server("--query-timeout", "1", str(FIXTURES / "small")) as (
        base_url, process, log,
    ):  # fmt: skip
        started = time.monotonic()
        response = httpx.get(f"{base_url}/sparql", params={"query": SLOW}, timeout=30)
        assert response.status_code == 503
        assert "time limit" in response.json()["error"]["message"]
        assert time.monotonic() - started < 3
        # A new fork took over; the process with the runaway thread is stopped.
        deadline = time.monotonic() + 10
        while not (found := re.search(r"server process \d+ replaces (\d+)", log.read_text())):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        old = int(found.group(1))
        while old in server_pids(process.pid):
            assert time.monotonic() < deadline, "the runaway's process was not stopped"
            time.sleep(0.05)
        before = cpu_ticks(process.pid)
        time.sleep(1.0)
        assert cpu_ticks(process.pid) - before < 20, "something still burns CPU"
        ask = httpx.get(f"{base_url}/sparql", params={"query": "ASK {}"})
        assert ask.json()["boolean"] is True


def test_a_chain_that_would_overflow_the_engines_stack_is_400_and_the_server_stays() -> None:
    """20,000 `||` crashed the server process (SIGSEGV in pyoxigraph's parser) before."""
    query = "ASK { FILTER(" + " || ".join(["false"] * 20_000) + " || true) }"
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "graphsvc", "serve", "--port", str(port), str(FIXTURES / "small")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(base_url, timeout=60)
        servers = server_pids(process.pid)
        response = httpx.post(
            f"{base_url}/sparql",
            content=query,
            headers={"Content-Type": "application/sparql-query"},
        )
        assert response.status_code == 400
        assert "the limit is 500" in response.json()["error"]["message"]
        assert httpx.get(f"{base_url}/sparql", params={"query": "ASK {}"}).json()["boolean"]
        assert servers <= server_pids(process.pid)  # no server process was lost
    finally:
        stop(process)
