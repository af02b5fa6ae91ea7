"""`graphsvc serve` with query threads: limits hold, and a runaway query's process is replaced.

Each test runs the real command (the supervisor and its server processes) and talks HTTP to it.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.support import CORES, child_pids, free_port, server_pids, stop, wait_healthy

pytestmark = pytest.mark.e2e

# Five unconstrained patterns over 100 triples: 10^10 solutions, far past any time limit.
CARTESIAN = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"
)
ASK = {"query": "ASK { ?s ?p ?o }", "format": "json"}


@pytest.fixture(scope="module")
def numbers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("numbers")
    lines = [f"<http://example.org/s{i}> <http://example.org/p> {i} ." for i in range(100)]
    (folder / "numbers.ttl").write_text("\n".join(lines) + "\n")
    return folder


def _servers(supervisor: int) -> set[int]:
    """The server processes below the supervisor (forked by its loader, or its children)."""
    return server_pids(supervisor)


def _cpu_ticks(root: int) -> int:
    """CPU ticks used so far by every process below ``root``."""
    total = 0
    stack = child_pids(root)
    while stack:
        pid = stack.pop()
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
        stack += child_pids(pid)
    return total


@contextmanager
def supervised(data: Path, *args: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "graphsvc", "serve", str(data), "--port", str(port),
         "--no-validate", "--query-isolation", "thread", "--log-level", "warning",
         "--memory-budget", "0", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url, timeout=60)
        expected = int(args[args.index("--processes") + 1]) if "--processes" in args else CORES
        deadline = time.monotonic() + 60
        while len(_servers(process.pid)) < expected:
            assert time.monotonic() < deadline, "the server processes did not all start"
            time.sleep(0.05)
        yield base_url, process
    finally:
        stop(process)


def test_a_runaway_query_is_answered_503_and_its_process_replaced(numbers: Path) -> None:
    with supervised(numbers, "--query-timeout", "1", "--workers", "2") as (base_url, process):
        before = _servers(process.pid)
        # Queries keep being answered, by the other processes and then the replacement.
        stop = threading.Event()
        statuses: list[int] = []

        def keep_asking() -> None:
            with httpx.Client(timeout=10) as client:
                while not stop.is_set():
                    statuses.append(client.get(f"{base_url}/sparql", params=ASK).status_code)
                    time.sleep(0.02)

        asker = threading.Thread(target=keep_asking)
        asker.start()
        try:
            started = time.monotonic()
            response = httpx.get(f"{base_url}/sparql", params={"query": CARTESIAN}, timeout=30)
            elapsed = time.monotonic() - started
            assert response.status_code == 503
            assert response.headers["retry-after"]
            assert "time limit" in response.json()["error"]["message"]
            assert elapsed < 3
            deadline = time.monotonic() + 30
            while before <= _servers(process.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            servers = _servers(process.pid)
            assert len(before - servers) == 1, "the process with the runaway query was not stopped"
            while len(servers) < len(before) and time.monotonic() < deadline:
                time.sleep(0.1)
                servers = _servers(process.pid)
            assert len(servers) == len(before)
        finally:
            stop.set()
            asker.join()
        assert statuses and set(statuses) == {200}, statuses
        # The runaway ended with its process: nothing below the supervisor burns CPU now.
        before = _cpu_ticks(process.pid)
        time.sleep(1.0)
        assert _cpu_ticks(process.pid) - before < 20
        assert httpx.get(f"{base_url}/sparql", params=ASK).json()["boolean"] is True
        assert process.poll() is None


def test_slow_queries_do_not_block_others(numbers: Path) -> None:
    with (
        supervised(numbers, "--query-timeout", "2", "--workers", "3") as (base_url, _),
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        slow = [
            pool.submit(httpx.get, f"{base_url}/sparql", params={"query": CARTESIAN}, timeout=30)
            for _ in range(2)
        ]
        time.sleep(0.3)
        started = time.monotonic()
        assert httpx.get(f"{base_url}/health", timeout=5).status_code == 200
        trivial = httpx.get(f"{base_url}/sparql", params=ASK, timeout=5)
        assert time.monotonic() - started < 1.0
        assert trivial.json()["boolean"] is True
        assert all(f.result().status_code == 503 for f in slow)


def test_queries_beyond_threads_and_queue_are_refused_503(numbers: Path) -> None:
    # One process: with more, the other would take the query this one has no room for.
    args = ("--query-timeout", "2", "--workers", "1", "--max-queued", "0", "--processes", "1")
    with supervised(numbers, *args) as (base_url, _), ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(httpx.get, f"{base_url}/sparql", params={"query": CARTESIAN}, timeout=30)
        time.sleep(0.3)
        refused = httpx.get(f"{base_url}/sparql", params=ASK, timeout=5)
        assert refused.status_code == 503
        assert "waiting" in refused.json()["error"]["message"]
        assert slow.result().status_code == 503


@pytest.mark.parametrize("on_disk", [False, True], ids=["in-memory", "on-disk"])
def test_several_server_processes_share_the_port(
    numbers: Path, on_disk: bool, tmp_path: Path
) -> None:
    store = ["--store", str(tmp_path / "store")] if on_disk else []
    with supervised(numbers, "--processes", "2", *store) as (base_url, process):
        deadline = time.monotonic() + 30
        while len(_servers(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_servers(process.pid)) == 2
        with httpx.Client() as client:
            answers = [client.get(f"{base_url}/sparql", params=ASK).json() for _ in range(20)]
        assert all(a["boolean"] is True for a in answers)
        count = {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "format": "json"}
        counts = set()
        for _ in range(20):  # a new connection each time: either process may take it
            answer = httpx.get(f"{base_url}/sparql", params=count).json()
            counts.add(answer["results"]["bindings"][0]["n"]["value"])
        assert counts == {"100"}


def test_processes_need_query_threads(numbers: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "graphsvc", "serve", str(numbers), "--processes", "2",
         "--query-isolation", "process", "--port", str(free_port())],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--processes is for query threads" in result.stderr
