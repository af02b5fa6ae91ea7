"""Reading a remote store's answers: errors, streams, and Virtuoso's departures from the standard.

An answer short enough is read whole (it may then be handed back as it is, ``Verbatim``); a
longer one is parsed as it arrives, so that the row cap can close it early, which also tells the
store to stop (Virtuoso does).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import pyoxigraph as ox

from graphsvc.errors import GraphsvcError, QuerySyntaxError, RemoteStoreError, Unavailable
from graphsvc.store.base import Term
from graphsvc.store.remote.http import Answer
from graphsvc.store.remote.policy import Head

VERBATIM_BYTES = 16 << 20
"""An answer up to this size is read whole, and may be handed back as it is; a longer one is
parsed as it streams in (and the connection closed at the row cap)."""
# Virtuoso labels blank nodes "nodeID://b10000", which is not a blank node label: keep the name.
_VIRTUOSO_BNODE = re.compile(
    rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://|(<bnode>)nodeID://'
)
# ... and writes "typed-literal", which SPARQL 1.1's JSON results format does not have. Inside a
# JSON string a quote is escaped, so this pattern only ever matches the format's own markup.
_TYPED_LITERAL = re.compile(rb'("type"\s*:\s*)"typed-literal"')
_HOLD = 64
_REMOTE_LINE = re.compile(r"\bline (\d+)")
_TAGS = re.compile(r"<[^>]+>")


def describe_body(status: int, body: bytes) -> str:
    lines = [line.strip() for line in _TAGS.sub("\n", body.decode("utf-8", "replace")).splitlines()]
    useful = [
        line
        for line in lines
        if line and not line.upper().startswith(("SPARQL QUERY:", "HTTP/1.1"))
        and not line.startswith("<!")
    ]
    return f"HTTP {status}: " + (" ".join(useful[:2])[:300] or "(no message)")


def checked(answer: Answer) -> Answer:
    """The answer if it succeeded; otherwise our error for what went wrong over there."""
    if answer.status < 300:
        return answer
    body = answer.error_body()
    answer.close()
    raise failure(answer, body)


def failure(answer: Head, body: bytes) -> GraphsvcError:
    """Our error for a failed answer whose body (or its start) is ``body``."""
    detail = describe_body(answer.status, body)
    return error_for(answer.status, answer.url, detail, answer.header("retry-after"))


STOPPED_AT_LIMIT = "S1TAT"
"""Virtuoso's SQL state for a query it stopped at its own time limit: it answers 200 with
partial results, which must not pass for the answer."""


def refuse_partial(answer: Head) -> None:
    """Close and refuse a successful answer that holds only part of a query's results."""
    if answer.header("x-sql-state") == STOPPED_AT_LIMIT:
        answer.close()
        raise Unavailable(
            "the remote store stopped the query at its own time limit; "
            "its partial answer is not returned"
        )


def error_for(status: int, url: str, detail: str, retry_after: str) -> GraphsvcError:
    """Our error for a store's failed answer (``detail``: from ``describe_body``)."""
    if status == 400:
        found = _REMOTE_LINE.search(detail)
        return QuerySyntaxError(
            f"the remote store rejected the query: {detail}",
            int(found.group(1)) if found else None,
        )
    if status in (429, 503):
        error = Unavailable(f"the remote SPARQL store is busy ({detail}); try again shortly")
        error.retry_after = int(retry_after) if retry_after.isdigit() else 1
        return error
    if status in (401, 403):
        return RemoteStoreError(
            f"the remote SPARQL store at {url} refused graphsvc's credentials ({detail}); "
            "check GRAPHSVC_REMOTE_USER, GRAPHSVC_REMOTE_PASSWORD and GRAPHSVC_REMOTE_AUTH"
        )
    return RemoteStoreError(f"the remote SPARQL store at {url} failed: {detail}")


class _Stream(io.RawIOBase):
    """A file over an HTTP answer's body, for the lazy parsers of pyoxigraph."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _fix_labels(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Rewrite Virtuoso's blank node labels as they stream by (a match may span two chunks)."""
    pending = b""
    for chunk in chunks:
        data = pending + chunk
        if b"nodeID://" in data:
            data = _VIRTUOSO_BNODE.sub(rb"\1\2", data)
        pending = data[-_HOLD:]
        if len(data) > _HOLD:
            yield data[:-_HOLD]
    if pending:
        yield pending


def standard_results(body: bytes) -> bytes:
    """A whole SPARQL JSON or XML answer with Virtuoso's departures from the standard undone."""
    if b"nodeID://" in body:
        body = _VIRTUOSO_BNODE.sub(rb"\1\2", body)
    # Virtuoso's own spelling by a plain replace (one pass, no copy when absent): the pattern
    # costs 0.35 ms per 100 KB of answer, as much as the rest of graphsvc's work on a query. A
    # store writes its answers with one writer: if that spelling was there, it was the only one.
    fixed = body.replace(b'"type": "typed-literal"', b'"type": "literal"')
    if fixed is body and b'"typed-literal"' in body:
        fixed = _TYPED_LITERAL.sub(rb'\1"literal"', body)
    return fixed


def rows_of(
    close: Callable[[], None], solutions: ox.QuerySolutions, width: int
) -> Iterator[Sequence[Term | None]]:
    # Closing the answer early (the row cap) drops the connection, which stops the store's work.
    try:
        for solution in solutions:
            yield tuple(solution[i] for i in range(width))
    except SyntaxError as exc:
        raise RemoteStoreError(f"the remote store's results do not parse: {exc}") from None
    finally:
        close()


def triples_of(close: Callable[[], None], quads: Iterator[ox.Quad]) -> Iterator[ox.Triple]:
    try:
        for quad in quads:
            yield quad.triple
    except SyntaxError as exc:
        raise RemoteStoreError(f"the remote store's graph does not parse: {exc}") from None
    finally:
        close()


def stream_of(head: bytes, rest: Iterable[bytes]) -> io.BufferedReader:
    """A file over an answer's first bytes and the rest as it arrives, labels fixed."""
    return io.BufferedReader(_Stream(_fix_labels(itertools.chain([head], rest))), 1 << 16)


def read_body(answer: Answer) -> tuple[bytes | io.BufferedReader, bool]:
    """The answer whole (when short enough), or as a stream; and whether it was read whole."""
    head, complete = answer.read(VERBATIM_BYTES)
    if complete:
        return head, True
    return stream_of(head, answer.rest()), False


__all__ = [
    "STOPPED_AT_LIMIT",
    "VERBATIM_BYTES",
    "checked",
    "describe_body",
    "error_for",
    "failure",
    "read_body",
    "refuse_partial",
    "rows_of",
    "standard_results",
    "stream_of",
    "triples_of",
]
