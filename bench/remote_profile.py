"""Where graphsvc's time goes in front of a remote store (``remote_overhead --profile``).

A query through ``graphsvc serve --engine remote`` is: the server process (uvicorn, the
``/sparql`` handler, middleware, parameters, negotiation, classification and policy), the
hand-off to the query's evaluation and back, and the evaluation itself: parsing the query
locally, the request to the store, and handing back the store's bytes (or parsing and writing
them). With ``graphsvc serve``'s default (``--query-isolation auto``, query threads for this
engine, under the supervisor of supervise.py) the evaluation runs on a query thread of the
server process, and the hand-off is a thread pool's queue there and a wake-up of the event loop
back; with ``--query-isolation process`` it runs in a forked worker, a pipe each way.

This measures, per query and in this process, what the evaluation does (``RemoteStore.query``
then ``serialise``: the ``worker`` column of the report, whether a thread or a forked worker
runs it) and its local parse alone, and graphsvc's ``/health`` (the HTTP stack with no query at
all). Subtracted from the end-to-end medians of ``remote_overhead``, they split graphsvc's added
time into the server and hand-off part and the evaluation part.
"""

from __future__ import annotations

import http.client
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from tests.remote.virtuoso import Virtuoso

from bench.mix import Query
from graphsvc.serialize import serialise
from graphsvc.sparql import classify
from graphsvc.store.base import QueryRequest
from graphsvc.store.remote import RemoteConfig, RemoteStore

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
    found: dict[str, object] = {}
    for query in queries:
        request = QueryRequest(query.text, media_type=query.accept)

        def worker(request: QueryRequest = request) -> None:
            result = store.query(request)
            serialise(result, str(request.media_type), max_rows=100_000, prefixes={})

        def parse(text: str = query.text) -> None:
            classified = classify(text)
            store._parse(text, classified.operation, bool(classified.service_targets))

        found[query.name] = {"worker_ms": _median_ms(worker), "parse_ms": _median_ms(parse)}
    store.close()
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port)

    def health() -> None:
        conn.request("GET", "/health")
        conn.getresponse().read()

    health_ms = _median_ms(health, 200)
    conn.close()
    return {"queries": found, "health_ms": health_ms}


__all__ = ["profile_remote"]
