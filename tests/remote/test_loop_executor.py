"""Remote queries sent from the event loop (loop_executor.py), against a real Virtuoso.

The protocol, Linked Data and named-query suites already run through this executor (the remote
engine's default); these tests reach what they cannot with the small dataset: answers too long
to pass through whole (read on as the rows are written, and cut at the row cap), formats the
store does not write, and a query stopped at its limit.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator

import pytest

import graphsvc.store.remote.store as remote_module
from graphsvc.errors import QueryTimeout
from graphsvc.execution.base import Job
from graphsvc.execution.loop import LoopExecutor
from graphsvc.serialize import Serialised
from graphsvc.store import QueryRequest
from graphsvc.store.remote.store import RemoteStore
from tests.remote.virtuoso import SMALL_RELEASE, Virtuoso

JSON = "application/sparql-results+json"
EVERYTHING = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@pytest.fixture
def store(virtuoso: Virtuoso, remote_small_settings: object) -> Iterator[RemoteStore]:
    remote = RemoteStore(virtuoso.config(SMALL_RELEASE))
    yield remote
    remote.close()


def run(store: RemoteStore, text: str, media_type: str, *, max_rows: int = 0,
        timeout: float = 30) -> Serialised:  # fmt: skip
    """One query through a started executor on a fresh event loop, as the server runs it."""

    async def go() -> Serialised:
        executor = LoopExecutor(store, workers=2, timeout=timeout, max_queued=4)
        executor.start()
        try:
            return await executor.run(Job(QueryRequest(text, media_type=media_type),
                                          media_type, max_rows, {}))  # fmt: skip
        finally:
            assert executor.idle == 2  # every slot is back, whatever happened
            executor.stop()
            store.close_connections()

    return asyncio.run(go())


def test_a_short_answer_passes_through_as_the_store_wrote_it(store: RemoteStore) -> None:
    whole = run(store, EVERYTHING, JSON)
    rows = json.loads(whole.body)["results"]["bindings"]
    assert len(rows) == sum(g.triples for g in store.graphs()) > 10
    assert not whole.truncated


def test_a_long_answer_is_read_on_as_it_is_written(
    store: RemoteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = len(json.loads(run(store, EVERYTHING, JSON).body)["results"]["bindings"])
    # Answers longer than this are parsed on a thread while the loop reads the rest.
    monkeypatch.setattr(remote_module, "VERBATIM_BYTES", 256)
    streamed = run(store, EVERYTHING, JSON)
    assert len(json.loads(streamed.body)["results"]["bindings"]) == expected
    capped = run(store, EVERYTHING, JSON, max_rows=3)
    assert capped.truncated
    assert len(json.loads(capped.body)["results"]["bindings"]) == 3
    # The connection cut at the cap is not reused; the next query gets a good one.
    assert run(store, "ASK { ?s ?p ?o }", JSON).body.count(b"true") == 1


def test_a_format_the_store_does_not_write_is_written_here(store: RemoteStore) -> None:
    csv = run(store, EVERYTHING, "text/csv")
    lines = csv.body.decode().splitlines()
    assert lines[0] == "s,p,o"
    assert len(lines) - 1 == sum(g.triples for g in store.graphs())
    turtle = run(store, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "text/turtle")
    assert b"@prefix" in turtle.body or b"<http" in turtle.body


def test_a_query_past_its_limit_is_stopped_at_the_limit(store: RemoteStore) -> None:
    patterns = " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(9))
    with pytest.raises(QueryTimeout):
        run(store, f"SELECT (COUNT(*) AS ?n) {{ {patterns} }}", JSON, timeout=0.5)
    # The same store answers at once afterwards: nothing was left running here.
    assert b"true" in run(store, "ASK { ?s ?p ?o }", JSON).body
