"""The HTTP systems under test, each a subprocess on a free port of 127.0.0.1.

A system is a command line plus how to ask it a query. The driver starts it, waits until it
answers, measures it, and stops it (SIGTERM, then SIGKILL), always by its own process id.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.measure import CAP_SECONDS, MemorySampler
from bench.mix import QUERIES_DIR, Query

BIN = Path(sys.executable).parent
DUMPS = "/dumps?format=json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class System:
    name: str
    kind: str
    """graphsvc, ceiling or peer."""
    args: list[str] = field(default_factory=list)
    """Extra arguments after the data file; ``{data}`` stands for the data file's path."""
    http_workers: int = 1
    endpoint: str = "/sparql"
    latency: bool = True
    """False: only throughput is measured (the warm result cache)."""
    settle_path: str | None = None
    ready_path: str = "/sparql?query=ASK%7B%7D"
    named_queries: bool = False

    def command(self, data: Path | None, port: int) -> list[str]:
        if self.kind == "ceiling":
            return [
                sys.executable, "-m", "bench.ceiling", "--port", str(port),
                "--http-workers", str(self.http_workers),
            ]  # fmt: skip
        assert data is not None
        if self.kind == "graphsvc":
            # Server processes (query threads); the ceiling runs as many uvicorn workers.
            workers = ["--processes", str(self.http_workers)] if self.http_workers > 1 else []
            return [
                sys.executable, "-m", "graphsvc", "serve", str(data), "--port", str(port),
                "--queries", str(QUERIES_DIR), "--query-timeout", str(CAP_SECONDS),
                "--log-level", "warning", "--no-validate", *workers,
                *(a.replace("{data}", str(data)) for a in self.args),
            ]  # fmt: skip
        return [str(BIN / "rdflib-endpoint"), "serve", str(data), "--port", str(port),
                "--host", "127.0.0.1", *self.args]  # fmt: skip

    def path_for(self, query: Query) -> str:
        if self.named_queries and query.named:
            return f"/queries/{query.named}?" + urlencode(query.params)
        return f"{self.endpoint}?" + urlencode({"query": query.text})


class Running:
    """A started system: its process, base URL, time to ready and memory sampler."""

    def __init__(self, system: System, data: Path | None, log: Path, timeout: float) -> None:
        self.system = system
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            system.command(data, self.port),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,
        )
        self.memory = MemorySampler(self.process.pid)
        self._wait_ready(timeout)
        self.ready_seconds = time.perf_counter() - started
        self._conn: http.client.HTTPConnection | None = None
        if system.settle_path:
            self._settle(system.settle_path, timeout)
        self.settled_seconds = time.perf_counter() - started

    def _settle(self, path: str, timeout: float) -> None:
        """Wait for work a server does in the background after it is ready (graphsvc writes
        its dumps), so that it does not compete with the measurements."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.get(path, "application/json")
            if answer is None or answer[0] != 503:
                return
            time.sleep(0.1)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.system.name} exited; see {self.log.name}")
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            status = None
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn.request("GET", self.system.ready_path)
                status = conn.getresponse().status
            # Closed whatever happened: a connection left to the collector is a ResourceWarning,
            # which the test suite treats as an error.
            conn.close()
            if status is not None:
                if status == 200:
                    return
                if status != 503:
                    self.stop()
                    raise RuntimeError(f"{self.system.name} answers {status} to its ready check")
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"{self.system.name} did not answer within {timeout} s")

    def get(self, path: str, accept: str) -> tuple[int, str, bytes] | None:
        """One request on a kept-alive connection; None when it passed the cap."""
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=CAP_SECONDS + 5
                )
            try:
                self._conn.request("GET", path, headers={"Accept": accept})
                response = self._conn.getresponse()
                return response.status, response.getheader("content-type", ""), response.read()
            except TimeoutError:
                self._conn.close()
                self._conn = None
                return None
            except (OSError, http.client.HTTPException):
                # A kept-alive connection the server closed: retry once on a new one.
                self._conn.close()
                self._conn = None
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def stop(self) -> int:
        """Stop the process group; return the peak memory seen."""
        if self._conn is not None:
            self._conn.close()
        peak = self.memory.stop()
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        return peak


def systems(*, include_rdflib: bool, http_workers: int = 1) -> list[System]:
    found = [
        System(
            "graphsvc-oxigraph",
            "graphsvc",
            http_workers=http_workers,
            named_queries=True,
            settle_path=DUMPS,
        ),
    ]
    # The optional result cache, reported apart as warm throughput (the targets are cache off).
    found.append(
        System(
            "graphsvc-oxigraph-cached",
            "graphsvc",
            ["--result-cache", str(64 << 20)],
            http_workers=http_workers,
            named_queries=True,
            settle_path=DUMPS,
            latency=False,
        )
    )
    # Both cores serving: two server processes over one on-disk store (the first loads it, the
    # second opens it read-only). Reported apart, like the cache: the ceiling runs one process.
    found.append(
        System(
            "graphsvc-oxigraph-disk-2proc",
            "graphsvc",
            ["--store", "{data}.graphsvc-store", "--processes", "2"],
            named_queries=True,
            settle_path=DUMPS,
            latency=False,
        )
    )
    if include_rdflib:
        found.append(
            System(
                "graphsvc-rdflib",
                "graphsvc",
                ["--engine", "rdflib"],
                named_queries=True,
                settle_path=DUMPS,
            )
        )
    found.append(System("http-ceiling", "ceiling", http_workers=http_workers, ready_path="/"))
    if include_rdflib:
        peer = System("rdflib-endpoint", "peer", endpoint="/", ready_path="/?query=ASK%7B%7D")
        found.append(peer)
    return found
