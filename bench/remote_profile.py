"""Where graphsvc's time goes in front of a remote store (``remote_overhead --profile``).

A query through ``graphsvc serve --engine remote`` is: the server process (uvicorn, the
``/sparql`` handler, middleware, parameters, negotiation, classification and policy), and the
evaluation: parsing the query locally (once per distinct query), the request to the store, and
handing back the store's bytes (or parsing and writing them). With ``graphsvc serve``'s default
(``--query-isolation auto``) the evaluation runs on the server's event loop (loop_executor.py);
with ``--query-isolation process`` in a forked worker, a pipe each way.

This measures, per query and in this process, what the evaluation does as the server does it
(a ``LoopExecutor`` on a uvloop event loop: the ``worker`` column of the report) and its local
parse alone, and graphsvc's ``/health`` (the HTTP stack with no query at all). Subtracted from
the end-to-end medians of ``remote_overhead``, they split graphsvc's added time into the server
part and the evaluation part.
"""

from __future__ import annotations

import http.client
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import uvloop
from tests.remote.virtuoso import Virtuoso

from bench.mix import Query
from graphsvc.execution.base import Job
from graphsvc.execution.loop import LoopExecutor
from graphsvc.sparql import classify
from graphsvc.store.base import QueryRequest
from graphsvc.store.remote.config import RemoteConfig
from graphsvc.store.remote.store import RemoteStore

REPS = 30


def _median_ms(work: Callable[[], object], reps: int = REPS) -> float:
    work()
    samples = []
    for _ in range(reps):
        began = time.perf_counter()
        work()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1e3


def profile_remote(
    virtuoso: Virtuoso, base: str, queries: list[Query], release: str
) -> dict[str, object]:
    store = RemoteStore(RemoteConfig(endpoint=virtuoso.sparql, release=release))
    assert store.release is not None
    loop = uvloop.new_event_loop()
    executor = LoopExecutor(store, workers=4, timeout=60, max_queued=64)
    executor.start()
    found: dict[str, object] = {}
    for query in queries:
        request = QueryRequest(query.text, media_type=query.accept)
        job = Job(request, query.accept, 100_000, {})

        def worker(job: Job = job) -> None:
            loop.run_until_complete(executor.run(job))

        def parse(text: str = query.text) -> None:
            classified = classify(text)
            store._planner._parse(text, classified.operation, bool(classified.service_targets))

        found[query.name] = {"worker_ms": _median_ms(worker), "parse_ms": _median_ms(parse)}
    loop.run_until_complete(_stop(executor))
    loop.close()
    store.close()
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port)

    def health() -> None:
        conn.request("GET", "/health")
        conn.getresponse().read()

    health_ms = _median_ms(health, 200)
    conn.close()
    return {"queries": found, "health_ms": health_ms}


async def _stop(executor: LoopExecutor) -> None:
    executor.stop()  # on the loop: it closes the loop's connections to the store


__all__ = ["profile_remote"]
