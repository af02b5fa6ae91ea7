"""The blocking transport to the remote store: ``http.client``, kept-alive connections.

Used by graphsvc's own reads (the counts at start-up, the dumps), by publishing and by forked
query workers; clients' queries go from the event loop (``aio``). Built on the standard
library's ``http.client`` rather than httpx: against a store on the same network, a point lookup
takes the store about a millisecond, and httpx's own work per request measured about as much
again (bench/RESULTS-remote.md); ``http.client`` spends a tenth of that. What this module adds
is what a long-running client needs: connections kept alive and reused (one idle connection per
host, more only while an answer is still being read), a connection the store closed while idle
detected before it is reused, and time limits. When to send again, what to authenticate with
and which error to raise is ``policy``'s, shared with the event loop's client.

Nothing here may be shared across a fork: a ``Client`` belongs to the process that made it.
Within that process it may be shared by threads (query threads, see
``graphsvc.execution.threads``): each request takes a connection of its own from the pool,
under a lock, and gives it back when its answer has been read.
"""

from __future__ import annotations

import http.client
import os
import select
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from graphsvc.errors import RemoteStoreError
from graphsvc.store.remote.auth import Credentials
from graphsvc.store.remote.policy import ERROR_BYTES, USER_AGENT, Exchange, Key, destination
from graphsvc.store.remote.sockets import quick_ack

READ_SIZE = 1 << 16


class Answer:
    """A response from the store, read as a stream; its connection is reused once it is read."""

    def __init__(self, client: Client, key: Key, conn: http.client.HTTPConnection,
                 sock: socket.socket | None, response: http.client.HTTPResponse,
                 url: str) -> None:  # fmt: skip
        self._client, self._key, self._conn, self._sock = client, key, conn, sock
        self.response, self.url = response, url
        self.status = response.status
        self._open = True

    def header(self, name: str, default: str = "") -> str:
        return self.response.getheader(name, default) or default

    @property
    def media_type(self) -> str:
        return self.header("content-type").split(";", 1)[0].strip().lower()

    def chunks(self) -> Iterator[bytes]:
        """The body as it arrives; the connection goes back to the pool at its end."""
        try:
            while self._open:
                quick_ack(self._sock)
                if not (data := self.response.read1(READ_SIZE)):
                    break
                yield data
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            raise RemoteStoreError(f"the remote store's answer broke off: {exc}") from None
        self.close()

    def read(self, limit: int | None = None) -> tuple[bytes, bool]:
        """The body, or its first ``limit`` bytes or so; and whether that is all of it."""
        parts, size = [], 0
        stream = self.chunks()
        for data in stream:
            parts.append(data)
            size += len(data)
            if limit is not None and size >= limit:
                # One more read tells whether the body ended exactly here.
                extra = next(stream, b"")
                parts.append(extra)
                return b"".join(parts), not extra
        return b"".join(parts), True

    def rest(self) -> Iterator[bytes]:
        """What ``read(limit)`` left unread."""
        return self.chunks()

    def error_body(self) -> bytes:
        """The start of an error answer, for its message (b"" if it broke off)."""
        try:
            body, _ = self.read(ERROR_BYTES)
        except RemoteStoreError:
            body = b""
        return body

    def close(self) -> None:
        """Done with the answer. One not read to its end takes its connection with it, which is
        how a store learns that nobody wants the rest (Virtuoso then stops the query)."""
        if not self._open:
            return
        self._open = False
        # http.client leaves an empty body "unread", and an answer sent with "Connection: close"
        # holds the socket itself: closing the response is what frees it in every case.
        done = self.response.isclosed() or self.response.length == 0
        self.response.close()
        if done:
            self._client.release(self._key, self._conn)
        else:
            self._conn.close()


@dataclass
class Client:
    """Connections to the store's hosts, for one process."""

    credentials: Credentials = field(default_factory=lambda: Credentials())
    timeout: float = 60.0
    connect_timeout: float = 5.0
    _idle: dict[Key, list[http.client.HTTPConnection]] = field(default_factory=dict)
    _pid: int = field(default_factory=os.getpid)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _connect(self, key: Key) -> http.client.HTTPConnection:
        scheme, host, port = key
        cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        conn = cls(host, port, timeout=self.connect_timeout)
        conn.connect()
        assert conn.sock is not None
        conn.sock.settimeout(self.timeout)
        # Headers and a small body go out in one write already; this keeps a larger body's
        # last segment from waiting on the store's delayed acknowledgement.
        conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return conn

    def _take(self, key: Key) -> tuple[http.client.HTTPConnection, bool]:
        """An idle connection that the store has not closed meanwhile, or a new one."""
        while True:
            with self._lock:
                idle = self._idle.get(key)
                if not idle:
                    break
                conn = idle.pop()
            sock = conn.sock
            # An idle connection is readable only when the store has closed it (or broke it).
            # (poll, not select: select fails on a descriptor numbered past 1023.)
            if sock is not None:
                watch = select.poll()
                watch.register(sock, select.POLLIN)
                if not watch.poll(0):
                    return conn, True
            conn.close()
        return self._connect(key), False

    def release(self, key: Key, conn: http.client.HTTPConnection) -> None:
        if conn.sock is None or os.getpid() != self._pid:
            conn.close()
            return
        with self._lock:
            idle = self._idle.setdefault(key, [])
            kept = len(idle) < 4
            if kept:
                idle.append(conn)
        if not kept:
            conn.close()

    def close(self) -> None:
        if os.getpid() != self._pid:
            # Another process's client (copied by a fork, its lock maybe held by a thread that
            # does not exist here): its connections are not ours to close.
            self._idle = {}
            return
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        retry: bool = True,
    ) -> Answer:
        """Send a request and return the answer, whatever its status, with its body unread.

        ``retry``: the request is safe to send again (a query), which is done once if a reused
        connection turns out to be broken; an update is never sent twice.
        """
        to = destination(url)
        key, target = to.key, to.target
        exchange = Exchange(self.credentials, method, to, retry)
        while True:
            try:
                conn, reused = self._take(key)
            except OSError as exc:
                raise exchange.unreachable(exc) from None
            sent = {"User-Agent": USER_AGENT, **(headers or {})}
            authorization = exchange.authorization()
            if authorization:
                sent["Authorization"] = authorization
            sock = conn.sock
            try:
                conn.request(method, target, body=body, headers=sent)
                quick_ack(sock)
                response = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                if exchange.resend(exc, reused):
                    continue
                raise exchange.error(exc) from None
            answer = Answer(self, key, conn, sock, response, to.where)
            if exchange.challenged(answer):
                answer.read()
                answer.close()
                continue
            return answer


__all__ = ["Answer", "Client"]
