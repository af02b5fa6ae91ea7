"""The store's answers as query results: handed on as the store wrote them, or parsed.

The store is asked for the client's own format when it is one a store writes in a standard way
(SPARQL JSON or XML results, N-Triples), and an answer in that format, read whole, is handed back
as it is (``Verbatim``; ``serialise`` still applies the row cap): graphsvc then adds no parsing
and no writing to the store's own work. Other formats, and answers too long to be sure of the
cap, are parsed (as a stream, closed at the cap) and written by graphsvc.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import pyoxigraph as ox

from graphsvc.errors import RemoteStoreError
from graphsvc.store.base import AskResult, GraphResult, QueryResult, SelectResult, Verbatim
from graphsvc.store.remote.aio import AsyncAnswer
from graphsvc.store.remote.answers import (
    read_body,
    rows_of,
    standard_results,
    stream_of,
    triples_of,
)
from graphsvc.store.remote.http import Answer

JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
NTRIPLES = "application/n-triples"
RESULTS_ACCEPT = f"{JSON_RESULTS}, {XML_RESULTS};q=0.9"
XML_FIRST_ACCEPT = f"{XML_RESULTS}, {JSON_RESULTS};q=0.9"
GRAPH_ACCEPT = f"{NTRIPLES}, text/turtle;q=0.9, application/rdf+xml;q=0.5"
RESULT_FORMATS = {
    JSON_RESULTS: ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    XML_RESULTS: ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    NTRIPLES: ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}


def known(media_type: str, formats: Mapping[str, object], what: str,
          close: Callable[[], None]) -> str:  # fmt: skip
    """``media_type`` if graphsvc can read it as ``what``; else the answer is closed, refused."""
    if media_type not in formats:
        close()
        raise RemoteStoreError(f"the remote store answered {what} as {media_type!r}")
    return media_type


def results_of(answer: Answer, wanted: str | None) -> QueryResult:
    """A SELECT or ASK answer from the blocking client (``wanted``: the client's format)."""
    media_type = known(answer.media_type, RESULT_FORMATS, "results", answer.close)
    body, whole = read_body(answer)
    return results_from(media_type, body, whole, answer.close, wanted)


def graph_of(answer: Answer, wanted: str | None) -> GraphResult:
    """A CONSTRUCT or DESCRIBE answer from the blocking client."""
    media_type = known(answer.media_type, GRAPH_FORMATS, "a graph", answer.close)
    body, whole = read_body(answer)
    return graph_from(media_type, body, whole, answer.close, wanted)


def results_from(
    media_type: str,
    body: bytes | io.BufferedReader,
    whole: bool,
    close: Callable[[], None],
    wanted: str | None,
) -> QueryResult:
    """A SELECT or ASK answer parsed (lazily); ``close`` is called when its rows are done."""
    results_format = RESULT_FORMATS[media_type]
    verbatim = None
    if isinstance(body, bytes) and results_format is not ox.QueryResultsFormat.TSV:
        body = standard_results(body)
        verbatim = Verbatim(body, media_type) if media_type == wanted else None
    try:
        parsed = ox.parse_query_results(body, results_format)
    except SyntaxError as exc:
        close()
        raise RemoteStoreError(f"the remote store's results do not parse: {exc}") from None
    if isinstance(parsed, ox.QueryBoolean):
        close()
        return AskResult(bool(parsed), verbatim=verbatim)
    variables = [v.value for v in parsed.variables]
    rows = rows_of(close, parsed, len(variables))
    # A whole answer may also be written by pyoxigraph's own serialisers (no Python per row);
    # a streamed one is written here, so that the row cap can close it early.
    return SelectResult(variables, rows, native=parsed if whole else None, verbatim=verbatim)


def graph_from(
    media_type: str,
    body: bytes | io.BufferedReader,
    whole: bool,
    close: Callable[[], None],
    wanted: str | None,
) -> GraphResult:
    rdf_format = GRAPH_FORMATS[media_type]
    verbatim = None
    if whole and media_type == wanted and rdf_format is ox.RdfFormat.N_TRIPLES:
        assert isinstance(body, bytes)
        verbatim = Verbatim(body, media_type)
    return GraphResult(triples_of(close, ox.parse(body, format=rdf_format)), verbatim=verbatim)


@dataclass
class RemoteFetched:
    """An answer received on the event loop (``RemoteStore.fetch``)."""

    kind: str
    media_type: str
    head: bytes
    """The whole body, or its first part."""
    whole: bool
    answer: AsyncAnswer
    loop: asyncio.AbstractEventLoop
    timeout: float
    wanted: str | None

    @functools.cached_property
    def verbatim(self) -> Verbatim | None:
        if not self.whole or self.media_type != self.wanted:
            return None
        if self.kind == "graph":
            return Verbatim(self.head, self.media_type) if self.media_type == NTRIPLES else None
        if RESULT_FORMATS[self.media_type] is ox.QueryResultsFormat.TSV:
            return None
        return Verbatim(standard_results(self.head), self.media_type)

    def result(self) -> QueryResult:
        """Parsed, off the loop: the rest of a long answer is pulled through the loop."""
        body: bytes | io.BufferedReader = self.head
        if not self.whole:
            body = stream_of(self.head, self._rest())
        if self.kind == "graph":
            return graph_from(self.media_type, body, self.whole, self._close_soon, self.wanted)
        return results_from(self.media_type, body, self.whole, self._close_soon, self.wanted)

    def _rest(self) -> Iterator[bytes]:
        while True:
            pending = asyncio.run_coroutine_threadsafe(self.answer.next_chunk(), self.loop)
            try:
                data = pending.result(self.timeout + 5)
            except concurrent.futures.TimeoutError:
                pending.cancel()
                raise RemoteStoreError("the remote store stopped sending its answer") from None
            if not data:
                return
            yield data

    def _close_soon(self) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.answer.close)

    def close(self) -> None:
        self.answer.close()


__all__ = [
    "GRAPH_ACCEPT",
    "GRAPH_FORMATS",
    "JSON_RESULTS",
    "NTRIPLES",
    "RESULTS_ACCEPT",
    "RESULT_FORMATS",
    "XML_FIRST_ACCEPT",
    "XML_RESULTS",
    "RemoteFetched",
    "graph_from",
    "graph_of",
    "known",
    "results_from",
    "results_of",
]
