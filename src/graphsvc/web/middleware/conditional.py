"""Validators for every GET: a strong ETag, Last-Modified, 304 Not Modified, and HEAD.

The data are immutable between reloads, so a response to a GET is fixed by the loaded data
(``service.version``), the graphsvc version, and the request: host, path, query string, Accept
and Accept-Encoding. The ETag is a hash of those, so it is computed before the app runs and a
matching ``If-None-Match`` is answered 304 without evaluating anything (a SPARQL query, a page).
Last-Modified is the time the data were loaded.

Answers that do not follow from the data alone get an ETag hashed from the body instead, and
are never short-circuited: ``/ready`` (it changes when the workers start), and queries that call
``NOW()``, ``RAND()``, ``UUID()``, ``STRUUID()`` or ``BNODE()``. (Blank node labels that a
CONSTRUCT template mints afresh differ between runs; such answers are taken as the same.)

HEAD is answered as the GET of the same URL without its body (RFC 9110 §9.3.2), for every route.
"""

from __future__ import annotations

import functools
import hashlib
import re
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from urllib.parse import unquote_plus

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphsvc import __version__

BODY_HASHED_PATHS = frozenset({"/ready", "/health"})
_VOLATILE_FUNCTIONS = re.compile(r"\b(?:now|rand|uuid|struuid|bnode)\s*\(", re.IGNORECASE)


def answer_varies(scope: Scope) -> bool:
    """Whether the same request may get different bytes from the same data."""
    if scope["path"] in BODY_HASHED_PATHS:
        return True
    return _calls_volatile_function(scope.get("query_string", b""))


@functools.lru_cache(maxsize=1024)
def _calls_volatile_function(query_string: bytes) -> bool:
    # Remembered: the same query URLs come again and again, and unquoting one costs more than
    # the rest of this middleware.
    query = unquote_plus(query_string.decode("latin-1"))
    return bool(_VOLATILE_FUNCTIONS.search(query))


@functools.lru_cache(maxsize=8)
def _http_date(timestamp: float) -> str:
    return formatdate(timestamp, usegmt=True)


# Headers a 304 repeats from the 200 it stands for (RFC 9110 §15.4.5).
KEPT_ON_304 = {b"etag", b"last-modified", b"vary", b"content-location", b"cache-control", b"link"}


def request_etag(scope: Scope, version: str, fields: dict[bytes, str] | None = None) -> str:
    """The ETag of a data-determined answer (``fields``: the request's, if read already)."""
    fields = _fields(scope) if fields is None else fields
    return _etag(
        version,
        fields.get(b"host", ""),
        scope.get("root_path", ""),
        scope["path"],
        scope.get("query_string", b""),
        fields.get(b"accept", ""),
        fields.get(b"accept-encoding", ""),
    )


_WANTED = frozenset(
    {b"host", b"accept", b"accept-encoding", b"if-none-match", b"if-modified-since"}
)


def _fields(scope: Scope) -> dict[bytes, str]:
    """The request's header fields this middleware reads, in one pass (the first of each)."""
    found: dict[bytes, str] = {}
    for key, value in scope.get("headers", ()):
        if key in _WANTED and key not in found:
            found[key] = value.decode("latin-1")
    return found


@functools.lru_cache(maxsize=4096)
def _etag(
    version: str, host: str, root: str, path: str, query: bytes, accept: str, encoding: str
) -> str:
    # Remembered: clients repeat their requests, and hashing costs more than looking up.
    parts = [version, __version__, host, root, path, query.decode("latin-1"), accept, encoding]
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=16).hexdigest()
    return f'"{digest}"'


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: ``W/`` prefixes are ignored."""
    if header.strip() == "*":
        return True
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return etag in tags


def not_modified_since(header: str, loaded_at: float) -> bool:
    try:
        since = parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError, IndexError):
        return False
    return int(loaded_at) <= since


class ConditionalGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        service: Any = scope["app"].state.service
        exchange = _Exchange(scope, send, service.version, service.loaded_at)
        if exchange.answered_early():
            await exchange.send_not_modified([(b"vary", b"Accept")])
            return
        inner_scope = dict(scope, method="GET") if exchange.head else scope
        await self.app(inner_scope, receive, exchange.send)


class _Exchange:
    """One GET or HEAD: adds the validators to its response and turns it into a 304 if fresh."""

    def __init__(self, scope: Scope, send: Send, version: str, loaded_at: float) -> None:
        self.downstream = send
        self.head = scope["method"] == "HEAD"
        self.loaded_at = loaded_at
        self.last_modified = _http_date(loaded_at)
        fields = _fields(scope)
        self.if_none_match = fields.get(b"if-none-match", "")
        self.if_modified_since = fields.get(b"if-modified-since", "")
        self.hash_body = answer_varies(scope)
        self.etag = None if self.hash_body else request_etag(scope, version, fields)
        self.start: Message | None = None
        self.state = "pending"  # then pass, head (drop the body) or done (a 304 was sent)
        self.chunks: list[bytes] = []

    def answered_early(self) -> bool:
        """A matching If-None-Match on a data-determined URL: 304 without running the app.

        ``*`` is left to the app, since it matches only when the resource exists.
        """
        return bool(
            self.etag is not None
            and self.if_none_match
            and self.if_none_match.strip() != "*"
            and etag_matches(self.if_none_match, self.etag)
        )

    def fresh(self, etag: str) -> bool:
        if self.if_none_match:
            return etag_matches(self.if_none_match, etag)
        return bool(self.if_modified_since) and not_modified_since(
            self.if_modified_since, self.loaded_at
        )

    async def send_not_modified(self, headers: list[tuple[bytes, bytes]]) -> None:
        kept = [(k, v) for k, v in headers if k.lower() in KEPT_ON_304]
        names = {k.lower() for k, _ in kept}
        if b"etag" not in names and self.etag is not None:
            kept.append((b"etag", self.etag.encode()))
        if b"last-modified" not in names:
            kept.append((b"last-modified", self.last_modified.encode()))
        await self.downstream({"type": "http.response.start", "status": 304, "headers": kept})
        await self.downstream({"type": "http.response.body", "body": b""})
        self.state = "done"

    async def send_start(self, message: Message, etag: str | None) -> None:
        status: int = message["status"]
        headers: list[tuple[bytes, bytes]] = list(message.get("headers", []))
        if status == 200 and etag is not None:
            names = {k.lower() for k, _ in headers}
            if b"etag" not in names:
                headers.append((b"etag", etag.encode()))
            if b"last-modified" not in names:
                headers.append((b"last-modified", self.last_modified.encode()))
            if b"cache-control" not in names:
                # Caches may keep the answer but must ask again: the data can be reloaded.
                headers.append((b"cache-control", b"no-cache"))
            if self.if_none_match or self.if_modified_since:
                current = {k.lower(): v for k, v in headers}
                if self.fresh(current[b"etag"].decode("latin-1")):
                    await self.send_not_modified(headers)
                    return
        await self.downstream({**message, "headers": headers})
        self.state = "head" if self.head else "pass"

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
            if not (self.hash_body and message["status"] == 200):
                await self.send_start(message, self.etag)
            return
        if message["type"] != "http.response.body" or self.start is None:
            await self.downstream(message)
            return
        more = bool(message.get("more_body"))
        body: bytes = message.get("body", b"")
        if self.state == "pending":
            # Hashing the body: hold it until it is complete, then start the response.
            self.chunks.append(body)
            if more:
                return
            body = b"".join(self.chunks)
            etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
            await self.send_start(self.start, etag)
        if self.state == "pass":
            await self.downstream({"type": "http.response.body", "body": body, "more_body": more})
        elif self.state == "head" and not more:
            await self.downstream({"type": "http.response.body", "body": b""})
