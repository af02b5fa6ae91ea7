"""Measuring: latency samples, result counts, process-tree memory, and concurrent load.

Memory is the proportional set size (PSS) summed over a process and all its descendants (from
``/proc/PID/smaps_rollup``), sampled while it runs. PSS splits a page shared by several processes
between them, so a server whose forked processes share the store copy-on-write is counted once
for it, not once per process as the sum of their resident set sizes (RSS) would count it. The RSS
sum is measured beside it (``tree_memory``), for transparency: their difference is what the
processes share.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import shutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

CAP_SECONDS = 30.0
"""A query a system cannot finish in this time counts as this time."""


@dataclass
class Latency:
    samples: list[float] = field(default_factory=list)
    timeouts: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def p50(self) -> float:
        return statistics.median(self.samples) if self.samples else float("nan")

    @property
    def p95(self) -> float:
        if not self.samples:
            return float("nan")
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def sample(
    run_once: Callable[[], float | None], *, reps: int, budget: float, warmup: bool = True
) -> Latency:
    """Time ``run_once`` up to ``reps`` times within ``budget`` seconds (at least once).

    ``run_once`` returns its own duration, or None when it hit the cap (counted as the cap).
    A first run shorter than a second warms caches and is not counted; a slow first run is
    kept, so a query that takes 30 s is not run twice.
    """
    result = Latency()
    spent = 0.0
    if warmup:
        first = run_once()
        if first is None or first > 1.0:
            result.samples.append(CAP_SECONDS if first is None else first)
            result.timeouts += first is None
            return result
        spent += first
    while len(result.samples) < reps and (spent < budget or not result.samples):
        took = run_once()
        if took is None:
            result.samples.append(CAP_SECONDS)
            result.timeouts += 1
            break
        result.samples.append(took)
        spent += took
    return result


NT = re.compile(rb"^\s*[<_]", re.MULTILINE)
RDF_TYPES = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}


def count_results(body: bytes, content_type: str) -> int:
    """Solutions in a SPARQL JSON result (ASK: 1 for true), or triples in a graph."""
    media = content_type.split(";")[0].strip().lower()
    if media in ("application/sparql-results+json", "application/json"):
        data = json.loads(body)
        if "boolean" in data:
            return int(bool(data["boolean"]))
        return len(data["results"]["bindings"])
    if media in ("application/sparql-results+xml", "application/xml") and b"<rdf:RDF" in body:
        # rdflib-endpoint answers DESCRIBE with RDF/XML under a SPARQL-results type.
        return sum(1 for _ in ox.parse(body, format=ox.RdfFormat.RDF_XML))
    if media in RDF_TYPES:
        return sum(1 for _ in ox.parse(body, format=RDF_TYPES[media]))
    raise ValueError(f"cannot count results in {content_type}")


# --- memory ---------------------------------------------------------------------------------


def _tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found.extend(_tree(int(child)))
    return found


@dataclass
class Memory:
    """A process tree's memory: PSS summed (shared pages counted once), RSS summed, processes."""

    pss: int = 0
    rss: int = 0
    processes: int = 0


def tree_memory(pid: int) -> Memory:
    found = Memory()
    for member in _tree(pid):
        with contextlib.suppress(OSError):
            fields = {}
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                name, _, rest = line.partition(":")
                if name in ("Rss", "Pss"):
                    fields[name] = int(rest.split()[0]) * 1024
            found.pss += fields.get("Pss", 0)
            found.rss += fields.get("Rss", 0)
            found.processes += 1
    return found


def tree_pss_bytes(pid: int) -> int:
    return tree_memory(pid).pss


class MemorySampler:
    """Samples a process tree's PSS in a thread; ``peak`` is the largest sum seen."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self.last = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.last = tree_pss_bytes(self.pid)
            self.peak = max(self.peak, self.last)
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


# --- concurrent load ------------------------------------------------------------------------


@dataclass
class Throughput:
    requests_per_second: float
    requests: int
    failures: int
    tool: str


def load_wrk(url: str, accept: str, clients: int, seconds: float) -> Throughput:
    """``wrk`` with one thread: a C client leaves the most CPU to the server."""
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{clients}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            f"{int(CAP_SECONDS)}s",
            "-H",
            f"Accept: {accept}",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*?timeout (\d+)", out)
    failures = (int(bad.group(1)) if bad else 0) + (int(errors.group(1)) if errors else 0)
    return Throughput(rate, total, failures, "wrk")


def load_httpx(url: str, accept: str, clients: int, seconds: float) -> Throughput:
    """``clients`` asyncio tasks sending requests back to back for ``seconds``."""
    import httpx

    async def run() -> tuple[int, int, float]:
        limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
        done = failed = 0
        async with httpx.AsyncClient(limits=limits, timeout=CAP_SECONDS) as client:
            deadline = time.perf_counter() + seconds

            async def worker() -> None:
                nonlocal done, failed
                while time.perf_counter() < deadline:
                    try:
                        response = await client.get(url, headers={"Accept": accept})
                        ok = response.status_code == 200
                    except httpx.HTTPError:
                        ok = False
                    done += 1
                    failed += not ok

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(clients)))
            return done, failed, time.perf_counter() - started

    done, failed, elapsed = asyncio.run(run())
    return Throughput(done / elapsed, done, failed, "httpx")


def load(url: str, accept: str, clients: int, seconds: float, tool: str) -> Throughput:
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "httpx"
    return (load_wrk if tool == "wrk" else load_httpx)(url, accept, clients, seconds)
