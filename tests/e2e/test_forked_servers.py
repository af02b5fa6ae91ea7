"""With the store in memory, `graphsvc serve` loads it once, in a loader process, and forks one
server process per core from it (server/supervisor.py): they share the loaded store, and a
replacement serves within moments instead of a reload."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest
from bench.generate import ensure

from tests.e2e.test_supervisor import CARTESIAN, supervised
from tests.support import CORES, child_pids, logged_server, server_pids

pytestmark = pytest.mark.e2e

KIB = 1024


def _memory(pid: int, field: str) -> int:
    """A field of /proc/PID/smaps_rollup (Rss, Pss...), in bytes; 0 if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * KIB
    except OSError:
        pass
    return 0


@pytest.fixture(scope="module")
def claims(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The benchmark's synthetic claims graph at 200k triples: its store outweighs Python."""
    return ensure(200_000, tmp_path_factory.mktemp("claims"))[0]


def test_one_loader_forks_a_server_process_per_core_and_they_share_its_store(
    claims: Path,
) -> None:
    with supervised(claims) as (base_url, process):
        (loader,) = child_pids(process.pid)
        servers = server_pids(process.pid)
        assert len(servers) == CORES
        assert servers <= set(child_pids(loader)), "the server processes are not the loader's"
        # The tree's proportional memory (shared pages counted once) is about one store, not
        # one per process: copies would make it at least (1 + CORES) times the loader's.
        tree = [process.pid, loader, *servers]
        proportional = sum(_memory(pid, "Pss") for pid in tree)
        assert proportional < 1.5 * _memory(loader, "Rss"), (
            proportional >> 20,
            _memory(loader, "Rss") >> 20,
        )
        count = {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "format": "json"}
        answers = {
            httpx.get(f"{base_url}/sparql", params=count).json()["results"]["bindings"][0]["n"][
                "value"
            ]
            for _ in range(10)  # new connections: every process may take one
        }
        assert len(answers) == 1 and int(answers.pop()) > 190_000


def test_a_runaway_query_s_process_is_replaced_by_a_fork_within_moments(claims: Path) -> None:
    with logged_server(
        str(claims), "--query-timeout", "1", "--no-validate", "--memory-budget", "0"
    ) as (base_url, process, log):
        before = server_pids(process.pid)
        response = httpx.get(f"{base_url}/sparql", params={"query": CARTESIAN}, timeout=30)
        assert response.status_code == 503
        answered = time.monotonic()
        deadline = answered + 10
        while not (found := re.search(r"server process (\d+) replaces (\d+)", log.read_text())):
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.02)
        # No reload: the replacement was forked from the loaded store.
        assert time.monotonic() - answered < 2
        new, old = int(found.group(1)), int(found.group(2))
        assert old in before and new not in before
        assert log.read_text().count("has loaded the data") == 1
        ask = httpx.get(f"{base_url}/sparql", params={"query": "ASK {}"})
        assert ask.json()["boolean"] is True
