"""Queries to the remote store sent from the server's event loop.

A query to a remote store only waits: for the store, then for its answer. Sent by a query thread
(``http``), each one costs a hand-off to the thread and back, and a thread that waits
cannot be stopped: a query past its time limit used to leave its server process to be replaced.
Sent from the event loop, a request costs no hand-off (measured against Virtuoso: about 0.15 ms
added to a query, against 0.4 ms through a thread), and a query past its limit is stopped by
closing its connection, which is also how the store learns that nobody wants the rest (Virtuoso
then stops the query).

Answers are parsed by httptools (llhttp, in C: uvicorn's own parser, already installed with
graphsvc). What this adds: connections kept alive per host and checked before reuse, a time
limit on each wait for the store, and back-pressure (reading pauses while a large answer waits
for its reader). When to send a request again, what to authenticate with and which error to
raise is ``policy``'s, shared with the blocking client (``http``).

A client belongs to one event loop; ``RemoteStore`` makes one per loop.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import os
import socket
import ssl
from collections.abc import Mapping
from typing import cast

import httptools

from graphsvc.errors import RemoteStoreError
from graphsvc.store.remote.auth import Credentials
from graphsvc.store.remote.policy import ERROR_BYTES, USER_AGENT, Exchange, Key, destination
from graphsvc.store.remote.sockets import quick_ack

HIGH_WATER = 1 << 20
"""Bytes of an answer buffered before reading pauses until its reader catches up."""
WAKE_BYTES = 1 << 16
"""A reader waiting for the body is woken when this much has arrived, or at its end."""
KEPT_PER_HOST = 4
NO_BODY_STATUSES = frozenset({204, 304})
_AGENT = f"User-Agent: {USER_AGENT}"


class _Connection(asyncio.Protocol):
    """One connection to the store, and the answer being read on it (one at a time)."""

    def __init__(self, key: Key) -> None:
        self.key = key
        self.transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()  # made by create_connection, on its loop
        self.closed = False
        self._sock: socket.socket | None = None
        self._parser: httptools.HttpResponseParser | None = None
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self._header_name = b""
        self._chunks: collections.deque[bytes] = collections.deque()
        self._buffered = 0
        self._headers_done = False
        self.complete = False
        self._error: Exception | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False
        self._eof_ends_body = False

    # -- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # (uvloop's transports do not derive from asyncio.Transport, but have its methods.)
        self.transport = cast(asyncio.Transport, transport)
        # The transport's socket object makes a new socket.socket on every setsockopt (uvloop),
        # which cost as much as the rest of reading a 100 KB answer: a duplicate of the
        # descriptor sets the same socket's options for a microsecond.
        given = transport.get_extra_info("socket")
        with contextlib.suppress(OSError, AttributeError):
            self._sock = socket.socket(fileno=os.dup(given.fileno()))

    def data_received(self, data: bytes) -> None:
        if self._parser is None:
            # Bytes nobody asked for: the connection is not fit for another request.
            self.abort()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(RemoteStoreError(f"the remote store's answer is not valid HTTP: {exc}"))
            self.abort()
            return
        if not self.complete:
            quick_ack(self._sock)  # more to come: acknowledge it at once (sockets.quick_ack)

    def eof_received(self) -> bool:
        return False  # close the transport: connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        if self._parser is None or self.complete:
            return
        if self._headers_done and self._eof_ends_body and exc is None:
            self.on_message_complete()  # an answer without a length ends with its connection
        else:
            detail = f": {exc}" if exc else ""
            self._fail(RemoteStoreError(f"the remote store closed the connection{detail}"))

    # -- httptools callbacks ---------------------------------------------------------------

    def on_header(self, name: bytes, value: bytes) -> None:
        if name:
            self._header_name = name
            key = name.decode("latin-1").lower()
            earlier = self.headers.get(key)
            text = value.decode("latin-1")
            self.headers[key] = f"{earlier}, {text}" if earlier is not None else text
        else:  # a value continued in a second callback
            key = self._header_name.decode("latin-1").lower()
            self.headers[key] += value.decode("latin-1")

    def on_headers_complete(self) -> None:
        assert self._parser is not None
        self.status = self._parser.get_status_code()
        self._headers_done = True
        self._eof_ends_body = (
            "content-length" not in self.headers
            and "chunked" not in self.headers.get("transfer-encoding", "").lower()
            and self.status not in NO_BODY_STATUSES
        )
        self._wake()

    def on_body(self, body: bytes) -> None:
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > HIGH_WATER and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        if self._buffered >= WAKE_BYTES:
            self._wake()  # else at the end: a reader woken per piece costs ~30 us a piece

    def on_message_complete(self) -> None:
        assert self._parser is not None
        self.complete = True
        if not self._parser.should_keep_alive():
            self.closed = True
        self._wake()

    # -- used by the client ----------------------------------------------------------------

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self._wake()

    async def _wait(self, timeout: float) -> None:
        loop = self._loop
        waiter = self._waiter = loop.create_future()
        # A timer rather than asyncio.timeout(): this runs for every answer, and costs a third.
        timer = loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None

    def send(self, request: bytes) -> None:
        assert self.transport is not None
        self._reset()
        self._parser = httptools.HttpResponseParser(self)
        self.transport.write(request)
        quick_ack(self._sock)

    async def head(self, timeout: float) -> None:
        """Wait until the answer's status and headers are in."""
        while not self._headers_done:
            if self._error is not None:
                raise self._error
            await self._wait(timeout)

    async def next_chunk(self, timeout: float) -> bytes:
        """The next piece of the body; b"" at its end."""
        while not self._chunks:
            if self._error is not None:
                raise self._error
            if self.complete:
                return b""
            await self._wait(timeout)
        data = self._chunks.popleft()
        self._buffered -= len(data)
        if self._paused and self._buffered <= HIGH_WATER // 2 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return data

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class AsyncAnswer:
    """A response from the store, its body read as it arrives (see ``http.Answer``)."""

    def __init__(self, client: AsyncClient, conn: _Connection, url: str) -> None:
        self._client, self._conn, self.url = client, conn, url
        self.status = conn.status
        self._headers = dict(conn.headers)
        self._open = True

    def header(self, name: str, default: str = "") -> str:
        return self._headers.get(name.lower(), default) or default

    @property
    def media_type(self) -> str:
        return self.header("content-type").split(";", 1)[0].strip().lower()

    async def next_chunk(self) -> bytes:
        """The next piece of the body, b"" at its end (when the connection goes back)."""
        if not self._open:
            raise RemoteStoreError("the remote store's answer was closed before its end")
        try:
            data = await self._conn.next_chunk(self._client.timeout)
        except TimeoutError:
            self.close()
            raise RemoteStoreError("the remote store stopped sending its answer") from None
        except RemoteStoreError:
            self.close()
            raise
        if not data:
            self.close()
        return data

    async def read(self, limit: int | None = None) -> tuple[bytes, bool]:
        """The body, or its first ``limit`` bytes or so; and whether that is all of it."""
        parts, size = [], 0
        while data := await self.next_chunk():
            parts.append(data)
            size += len(data)
            if limit is not None and size >= limit:
                extra = await self.next_chunk()
                parts.append(extra)
                return b"".join(parts), not extra
        return b"".join(parts), True

    async def error_body(self) -> bytes:
        """The start of an error answer, for its message (b"" if it broke off)."""
        try:
            body, _ = await self.read(ERROR_BYTES)
        except RemoteStoreError:
            body = b""
        return body

    def close(self) -> None:
        """Done with the answer; one not read to its end takes its connection with it."""
        if not self._open:
            return
        self._open = False
        conn = self._conn
        if conn.complete and not conn.closed:
            self._client.release(conn)
        else:
            conn.abort()


class AsyncClient:
    """Kept-alive connections to the store's hosts, for one event loop."""

    def __init__(self, credentials: Credentials, *, timeout: float, connect_timeout: float) -> None:
        self.credentials = credentials
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self._idle: dict[Key, list[_Connection]] = {}

    async def _connect(self, key: Key) -> _Connection:
        scheme, host, port = key
        loop = asyncio.get_running_loop()
        context = ssl.create_default_context() if scheme == "https" else None
        async with asyncio.timeout(self.connect_timeout):
            _, conn = await loop.create_connection(
                lambda: _Connection(key), host, port, ssl=context
            )
        sock = conn.transport.get_extra_info("socket") if conn.transport else None
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _take_idle(self, key: Key) -> _Connection | None:
        idle = self._idle.get(key)
        while idle:
            conn = idle.pop()
            if not conn.closed:  # the loop has seen the store close it, if it did
                return conn
        return None

    def release(self, conn: _Connection) -> None:
        idle = self._idle.setdefault(conn.key, [])
        if conn.closed or len(idle) >= KEPT_PER_HOST:
            conn.abort()
        else:
            idle.append(conn)

    def close(self) -> None:
        idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.abort()

    async def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> AsyncAnswer:
        """Send a query request; the answer whatever its status, its body unread. Only for
        requests safe to send twice: one is retried once on a kept-alive connection found
        broken."""
        to = destination(url)
        key, target = to.key, to.target
        exchange = Exchange(self.credentials, method, to, True)
        while True:
            conn = self._take_idle(key)
            reused = conn is not None
            if conn is None:
                try:
                    conn = await self._connect(key)
                except OSError as exc:
                    raise exchange.unreachable(exc) from None
            authorization = exchange.authorization()
            lines = [f"{method} {target} HTTP/1.1", f"Host: {to.netloc}", _AGENT]
            lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
            if authorization:
                lines.append(f"Authorization: {authorization}")
            if body is not None:
                lines.append(f"Content-Length: {len(body)}")
            request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")
            try:
                conn.send(request)
                await conn.head(self.timeout)
            except (TimeoutError, RemoteStoreError) as exc:
                conn.abort()
                if exchange.resend(exc, reused):
                    continue
                raise exchange.error(exc) from None
            except BaseException:
                conn.abort()  # cancelled (the query's time limit): the store stops
                raise
            answer = AsyncAnswer(self, conn, to.where)
            if exchange.challenged(answer):
                await answer.read()
                answer.close()
                continue
            return answer


__all__ = ["AsyncAnswer", "AsyncClient"]
