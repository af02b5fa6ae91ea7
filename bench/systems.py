"""The HTTP systems under test, each a subprocess on a free port of 127.0.0.1 (but Virtuoso).

A system is a command line plus how to ask it a query. The driver starts it, waits until it
answers, measures it, and stops it (SIGTERM, then SIGKILL), always by its own process id.
Virtuoso is started by the driver (tests/remote/virtuoso.py) around the two systems that need it
and only attached to here (``Attached``).

graphsvc's main row is started as a user would start it: ``graphsvc serve FILE --host H --port
P`` and ``--queries DIR`` for the named query, nothing else, so every default (validation,
entailment, logging, limits, processes, memory budget) is what is measured. Each tuned
configuration is a row of its own, its flags in ``args`` and named in the report.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from bench.measure import CAP_SECONDS, Memory, MemorySampler, tree_memory
from bench.mix import QUERIES_DIR, Query
from graphsvc.store.remote.sockets import quick_ack

BIN = Path(sys.executable).parent
DUMPS = "/dumps?format=json"
ASK = "/sparql?query=ASK%7B%7D"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class System:
    name: str
    kind: str
    """graphsvc, wrapper, ceiling, peer (rdflib-endpoint) or virtuoso (attached, not started)."""
    args: list[str] = field(default_factory=list)
    """Arguments after the defaults; ``{data}`` stands for the data file's path."""
    about: str = ""
    """What the row is, for the report."""
    data_file: bool = True
    """False: the system serves what a remote store holds (graphsvc --engine remote)."""
    endpoint: str = "/sparql"
    params: tuple[tuple[str, str], ...] = ()
    """Parameters added to every query (Virtuoso: the graph the data is in)."""
    latency: bool = True
    """False: only throughput is measured (the warm result cache, the on-disk store)."""
    roundtrip: bool = False
    """A fixed answer: its sequential round trip is measured instead of the query mix."""
    settle_path: str | None = None
    settle_timeout: float | None = None
    """At most this long to wait for it to settle (None: the ready timeout)."""
    restart: bool = False
    """Started again on what the first start left on disk, and that start timed."""
    ready_path: str = ASK
    named_queries: bool = False

    def command(self, data: Path | None, port: int) -> list[str]:
        files = [str(data)] if self.data_file and data is not None else []
        extra = [a.replace("{data}", str(data)) for a in self.args]
        if self.kind == "ceiling":
            return [sys.executable, "-m", "bench.ceiling", "--port", str(port), *extra]
        if self.kind == "wrapper":
            return [sys.executable, "-m", "bench.wrapper", *files, "--port", str(port), *extra]
        if self.kind == "graphsvc":
            # As a user starts it: the files, where to listen, the named queries of the mix.
            return [
                sys.executable, "-m", "graphsvc", "serve", *files,
                "--host", "127.0.0.1", "--port", str(port), "--queries", str(QUERIES_DIR),
                *extra,
            ]  # fmt: skip
        if self.kind == "peer":
            return [str(BIN / "rdflib-endpoint"), "serve", *files, "--port", str(port),
                    "--host", "127.0.0.1", *extra]  # fmt: skip
        raise ValueError(f"{self.name} is not started by the driver")

    def shown(self) -> str:
        """The command line, for the report (FILE and P for the data file and port)."""
        if self.kind == "virtuoso":
            return "virtuoso-t +foreground +configfile virtuoso.ini"
        words = self.command(Path("FILE"), 0)
        words[0] = "python" if words[0] == sys.executable else Path(words[0]).name
        text = shlex.join(words).replace("--port 0", "--port P")
        text = re.sub(r"http://127\.0\.0\.1:\d+/", "http://127.0.0.1:VIRTUOSO/", text)
        return text.replace(str(QUERIES_DIR), "bench/queries").replace(str(BIN) + "/", "")

    def path_for(self, query: Query) -> str:
        if self.named_queries and query.named:
            return f"/queries/{query.named}?" + urlencode(query.params)
        return f"{self.endpoint}?" + urlencode([("query", query.text), *self.params])


def _clean(environ: os._Environ[str] | dict[str, str]) -> dict[str, str]:
    """The environment without graphsvc's settings (GRAPHSVC_*): a row runs with the defaults
    and the flags it names, whatever the shell that started the benchmark has set."""
    return {k: v for k, v in environ.items() if not k.startswith("GRAPHSVC_")}


class Server:
    """A system answering on ``base``: a kept-alive client and the process tree's memory."""

    system: System
    base: str
    port: int
    pid: int
    ready_seconds: float
    settled_seconds: float
    settled: bool
    memory_ready: Memory
    memory_settled: Memory

    def __init__(self) -> None:
        self._conn: http.client.HTTPConnection | None = None
        self.memory: MemorySampler | None = None

    def _settle(self, path: str, timeout: float) -> bool:
        """Wait for work a server does in the background after it is ready (graphsvc writes
        its dumps), so that it does not compete with the measurements. False: still busy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            answer = self.get(path, "application/json")
            if answer is None or answer[0] != 503:
                return True
            time.sleep(0.1)
        return False

    def get(self, path: str, accept: str) -> tuple[int, str, bytes] | None:
        """One request on a kept-alive connection; None when it passed the cap.

        The client acknowledges what it receives at once (``quick_ack``), for every system: a
        server that writes an answer in pieces without TCP_NODELAY (Virtuoso) would otherwise
        wait up to 40 ms for the delayed acknowledgement (docs/remote.md).
        """
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=CAP_SECONDS + 5
                )
            try:
                self._conn.request("GET", path, headers={"Accept": accept})
                quick_ack(self._conn.sock)
                response = self._conn.getresponse()
                parts = []
                while True:
                    quick_ack(self._conn.sock)
                    if not (data := response.read1(1 << 16)):
                        break
                    parts.append(data)
                return response.status, response.getheader("content-type", ""), b"".join(parts)
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

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def stop(self) -> int:
        """Stop measuring (and the process, when it is ours); return the peak PSS seen."""
        self.close()
        return self.memory.stop() if self.memory is not None else 0


class Running(Server):
    """A started system: its process, base URL, time to first answer and memory sampler."""

    def __init__(
        self,
        system: System,
        data: Path | None,
        log: Path,
        timeout: float,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.system = system
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            system.command(data, self.port),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env={**_clean(os.environ), "PYTHONUNBUFFERED": "1", **(env or {})},
            start_new_session=True,
        )
        self.pid = self.process.pid
        self.memory = MemorySampler(self.process.pid)
        self._wait_ready(timeout)
        # Process start to the first 200 to ASK {}: what a user waits for.
        self.ready_seconds = time.perf_counter() - started
        self.memory_ready = tree_memory(self.pid)
        self.settled = True
        if system.settle_path:
            self.settled = self._settle(system.settle_path, system.settle_timeout or timeout)
        self.settled_seconds = time.perf_counter() - started
        self.memory_settled = tree_memory(self.pid)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
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

    def stop(self) -> int:
        """Stop the process group; return the peak memory seen."""
        peak = super().stop()
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


class Attached(Server):
    """A server the driver started elsewhere (Virtuoso): measured, never stopped here."""

    def __init__(self, system: System, port: int, pid: int, ready_seconds: float) -> None:
        super().__init__()
        self.system, self.port, self.pid = system, port, pid
        self.base = f"http://127.0.0.1:{port}"
        self.memory = MemorySampler(pid)
        self.ready_seconds = self.settled_seconds = ready_seconds
        self.memory_ready = self.memory_settled = tree_memory(pid)
        self.settled = True


CACHE_BYTES = 64 << 20


def systems(*, include_rdflib: bool, include_cache: bool = True) -> list[System]:
    """The systems that serve the data file, in the order they are measured."""
    found = [
        System(
            "graphsvc-defaults",
            "graphsvc",
            about="graphsvc with its defaults, as a user starts it",
            named_queries=True,
            settle_path=DUMPS,
        ),
    ]
    # Tuned configurations, each apart and named by its flags; throughput only.
    if include_cache:
        cached = System(
            "graphsvc-cached",
            "graphsvc",
            ["--result-cache", str(CACHE_BYTES)],
            about="tuned: the optional result cache (64 MiB), warm",
            named_queries=True,
            settle_path=DUMPS,
            latency=False,
        )
        found.append(cached)
    found += [
        System(
            "graphsvc-disk",
            "graphsvc",
            ["--store", "{data}.graphsvc-store"],
            about="tuned: the store on disk (RocksDB); restarted on it, it opens, not loads",
            named_queries=True,
            settle_path=DUMPS,
            latency=False,
            restart=True,
        ),
    ]
    if include_rdflib:
        found.append(
            System(
                "graphsvc-rdflib",
                "graphsvc",
                ["--engine", "rdflib"],
                about="graphsvc on its rdflib engine (defaults otherwise)",
                named_queries=True,
                settle_path=DUMPS,
            )
        )
    found += [
        System("fastapi-wrapper", "wrapper",
               about="bench/wrapper.py: the simplest FastAPI wrapper over pyoxigraph"),
        System("asgi-fixed", "ceiling", ready_path="/", roundtrip=True,
               about="bench/ceiling.py: bare ASGI app, one fixed answer (the HTTP ceiling)"),
        System("fastapi-fixed", "ceiling", ["--framework", "fastapi"], ready_path="/",
               roundtrip=True, about="bench/ceiling.py: one FastAPI route, one fixed answer"),
    ]  # fmt: skip
    if include_rdflib:
        peer = System("rdflib-endpoint", "peer", endpoint="/", ready_path="/?query=ASK%7B%7D",
                      about="rdflib-endpoint, the closest Python peer")  # fmt: skip
        found.append(peer)
    return found


def remote_systems(sparql: str, graph: str, release: str) -> list[System]:
    """Virtuoso itself, and graphsvc --engine remote in front of it (with its defaults)."""
    return [
        System(
            "virtuoso",
            "virtuoso",
            about="Virtuoso 7.2 (Debian's virtuoso-opensource) queried directly at its /sparql: "
            "a private server (tests/remote/virtuoso.py), bulk-loaded with the same file",
            params=(("default-graph-uri", graph),),
        ),
        System(
            "graphsvc-remote",
            "graphsvc",
            ["--engine", "remote", "--endpoint", sparql, "--release", release],
            about="graphsvc --engine remote in front of that Virtuoso (defaults otherwise)",
            data_file=False,
            named_queries=True,
            # No dumps to wait for: a remote store's are written when first asked for.
        ),
    ]
