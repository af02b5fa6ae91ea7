"""Soak and lifecycle: a bounded load test, memory within bounds, graceful shutdown."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.query_corpus import CORPUS
from tests.support import FIXTURES, cli_server, free_port, wait_healthy

REQUESTS = 20_000
CONCURRENCY = 32
RSS_BOUND_MB = 600


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += next(
                int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")
            )
            for task in os.listdir(f"/proc/{current}/task"):
                pending += [
                    int(c)
                    for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()
                ]
        except (OSError, StopIteration):
            continue
    return total / 1024


def server_pid(port: int) -> int:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"serve" in cmdline and str(port).encode() in cmdline:
                return int(entry)
    raise LookupError(port)


@pytest.mark.timeout(400)
def test_soak_mixed_requests(tmp_path: Path) -> None:
    """20,000 mixed requests at 32 concurrency: no 5xx but designed 503s, bounded memory.

    The queue admits every client (64 > 32), so how many answers are 200 does not depend on the
    machine's speed; overload 503s are tested on their own in tests/e2e/test_hardening.py.
    """
    with cli_server(
        str(FIXTURES / "small"), "--queries", str(FIXTURES / "queries"), "--max-queued", "64"
    ) as base_url:
        pid = server_pid(int(base_url.rsplit(":", 1)[1]))
        requests: list[tuple[str, str, dict[str, str]]] = []
        for i in range(REQUESTS):
            kind = i % 6
            if kind == 0:
                requests.append(("GET", "/health", {}))
            elif kind == 1:
                requests.append(("GET", "/queries/people-known-by", {"format": "json"}))
            elif kind == 2:
                requests.append(("GET", "/sparql", {"query": "SELEC broken"}))
            else:
                query = CORPUS[i % len(CORPUS)]
                graph = query.startswith(("CONSTRUCT", "DESCRIBE"))
                result_format = (
                    ("nt" if graph else "csv") if i % 2 else ("ttl" if graph else "json")
                )
                requests.append(("GET", "/sparql", {"query": query, "format": result_format}))
        statuses: collections.Counter[int | str] = collections.Counter()
        peak = [0.0]
        done = threading.Event()

        def watch_memory() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss_mb(pid))
                time.sleep(0.5)

        lock = threading.Lock()
        local = threading.local()
        clients: list[httpx.Client] = []

        def send(item: tuple[str, str, dict[str, str]]) -> None:
            client = getattr(local, "client", None)
            if client is None:
                client = local.client = httpx.Client(base_url=base_url, timeout=60)
                with lock:
                    clients.append(client)
            method, path, params = item
            try:
                status: int | str = client.request(method, path, params=params).status_code
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            with lock:
                statuses[status] += 1

        watcher = threading.Thread(target=watch_memory)
        watcher.start()
        try:
            with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
                list(pool.map(send, requests))
        finally:
            done.set()
            watcher.join()
            for client in clients:
                client.close()
        assert sum(statuses.values()) == REQUESTS
        server_errors = {
            s: n for s, n in statuses.items() if not isinstance(s, int) or (s >= 500 and s != 503)
        }
        assert server_errors == {}, statuses
        assert statuses[200] >= REQUESTS * 0.6, statuses
        assert statuses[400] + statuses[503] >= REQUESTS // 6, statuses
        assert statuses[406] == 0, statuses
        assert peak[0] < RSS_BOUND_MB, f"peak resident memory {peak[0]:.0f} MB"


@pytest.fixture
def slow_data(tmp_path: Path) -> Path:
    lines = [f"<http://e/s{i}> <http://e/p> {i} ." for i in range(200)]
    (tmp_path / "numbers.ttl").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_graceful_shutdown_finishes_requests_in_flight(slow_data: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "graphsvc", "serve", str(slow_data), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(base_url, timeout=60)
        # About 8 million solutions to count: a second or two of work.
        query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        result: list[httpx.Response] = []
        client = threading.Thread(
            target=lambda: result.append(
                httpx.get(
                    f"{base_url}/sparql", params={"query": query, "format": "json"}, timeout=60
                )
            )
        )
        client.start()
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        client.join(timeout=60)
        assert result, "the request in flight got no answer"
        assert result[0].status_code == 200
        assert result[0].json()["results"]["bindings"][0]["n"]["value"] == "8000000"
        # uvicorn re-raises the signal once its graceful shutdown is complete.
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
