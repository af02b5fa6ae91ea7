"""Query workers: they never outlive their server, and one that copied the store is replaced."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphsvc import workers
from graphsvc.service import GraphService, ServiceOptions, build_service
from tests.support import FIXTURES, free_port, wait_healthy

NAMES = "SELECT ?name WHERE { ?p <http://xmlns.com/foaf/0.1/name> ?name } ORDER BY ?name"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.e2e
def test_workers_exit_when_the_server_is_killed() -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "graphsvc", "serve", str(FIXTURES / "small"), "--port", str(port),
         "--workers", "3", "--no-validate"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}", timeout=60)
        workers = _children(server.pid)
        assert len(workers) >= 3
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        left = [w for w in workers if _alive(w)]
        for pid in left:  # do not leave them behind if the test fails
            os.kill(pid, signal.SIGKILL)
        assert left == []
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def _worker_pids(service: GraphService) -> set[int]:
    assert service.executor is not None
    return {w.process.pid for w in service.executor._all if w.process.pid is not None}


def _one_worker_service() -> GraphService:
    options = ServiceOptions(base_iri="https://w3id.org/graphsvc/", query_workers=1)
    return build_service(
        [FIXTURES / "small"], engine="oxigraph", options=options, project_root=None
    )


def test_a_worker_that_copied_the_store_is_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    # Bounds at zero: every query counts as long and every private page as too many.
    monkeypatch.setattr(workers, "RECYCLE_AFTER_SECONDS", 0.0)
    monkeypatch.setattr(workers, "RECYCLE_PRIVATE_BYTES", 0)
    monkeypatch.setattr(workers, "RECYCLE_PRIVATE_SHARE", 0.0)
    service = _one_worker_service()

    async def scenario() -> None:
        service.start()
        try:
            before = _worker_pids(service)
            first = await service.run(NAMES, "application/sparql-results+json")
            after = _worker_pids(service)
            assert len(after) == 1 and after != before  # a fresh fork took its place
            second = await service.run(NAMES, "application/sparql-results+json")
            assert first.body == second.body
            names = [b["name"]["value"] for b in json.loads(first.body)["results"]["bindings"]]
            assert names == ["Alice", "Bob", 'Carol, "the" third']
        finally:
            service.stop()

    asyncio.run(scenario())


def test_a_worker_is_kept_after_a_short_query() -> None:
    service = _one_worker_service()

    async def scenario() -> None:
        service.start()
        try:
            before = _worker_pids(service)
            await service.run(NAMES, "application/sparql-results+json")
            assert _worker_pids(service) == before
        finally:
            service.stop()

    asyncio.run(scenario())
