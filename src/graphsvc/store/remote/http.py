"""HTTP for the remote engine: kept-alive connections, basic or digest authentication.

Built on the standard library's ``http.client`` rather than httpx: against a store on the same
network, a point lookup takes the store about a millisecond, and httpx's own work per request
measured about as much again (bench/RESULTS-remote.md); ``http.client`` spends a tenth of that.
What this module adds is what a long-running client needs: connections kept alive and reused
(one idle connection per host, more only while an answer is still being read), a connection the
store closed while idle detected before it is reused, time limits, digest authentication with
the store's challenge reused (so a request costs one round trip, not two), and failures turned
into ``RemoteStoreError`` (502), never an exception a client would see as a 500.

Nothing here may be shared across a fork: a ``Client`` belongs to the process that made it.
Within that process it may be shared by threads (query threads, see
``graphsvc.execution.threads``): each request takes a connection of its own from the pool,
under a lock, and gives it back when its answer has been read.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import http.client
import os
import re
import secrets
import select
import socket
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from graphsvc.errors import RemoteStoreError

READ_SIZE = 1 << 16
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


def quick_ack(sock: socket.socket | None) -> None:
    """Acknowledge what arrives at once (Linux), for the next read.

    A store that writes its answer in several pieces without TCP_NODELAY (Virtuoso does) holds
    the last piece until the previous ones are acknowledged, and a receiver delays its
    acknowledgements by up to 40 ms: measured, a 30-100 KB answer took 60 ms instead of 15.
    The kernel leaves quick-ack mode by itself, so this is set again before each read.
    """
    if _QUICKACK is not None and sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
_PARAM = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]+)')
_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}
Key = tuple[str, str, int]


@dataclass
class _Challenge:
    """A digest challenge, answered again with a new count until the store sends a new one."""

    params: dict[str, str]
    count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def answer(self, user: str, password: str, method: str, target: str) -> str:
        algorithm = self.params.get("algorithm", "MD5").upper()
        digest = _HASHES[algorithm.removesuffix("-SESS")]

        def h(text: str) -> str:
            return digest(text.encode()).hexdigest()

        realm, nonce = self.params.get("realm", ""), self.params.get("nonce", "")
        with self._lock:  # each request its own nonce count, whichever thread sends it
            self.count += 1
            nc = f"{self.count:08x}"
        cnonce = secrets.token_hex(8)
        secret = h(f"{user}:{realm}:{password}")
        if algorithm.endswith("-SESS"):
            secret = h(f"{secret}:{nonce}:{cnonce}")
        qops = [q.strip() for q in self.params.get("qop", "").split(",") if q.strip()]
        fields = {
            "username": f'"{user}"', "realm": f'"{realm}"', "nonce": f'"{nonce}"',
            "uri": f'"{target}"', "algorithm": algorithm,
        }  # fmt: skip
        if "auth" in qops:
            answer = h(f"{secret}:{nonce}:{nc}:{cnonce}:auth:{h(f'{method}:{target}')}")
            fields.update(qop="auth", nc=nc, cnonce=f'"{cnonce}"')
        else:
            answer = h(f"{secret}:{nonce}:{h(f'{method}:{target}')}")
        fields["response"] = f'"{answer}"'
        if "opaque" in self.params:
            fields["opaque"] = f'"{self.params["opaque"]}"'
        return "Digest " + ", ".join(f"{k}={v}" for k, v in fields.items())


def parse_challenge(header: str) -> _Challenge | None:
    """The digest challenge in a WWW-Authenticate header (None: the store asks for another)."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    params = {k.lower(): v[1:-1] if v.startswith('"') else v for k, v in _PARAM.findall(rest)}
    if params.get("algorithm", "MD5").upper().removesuffix("-SESS") not in _HASHES:
        return None
    return _Challenge(params)


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


@dataclass(frozen=True)
class Destination:
    """Where a URL's request goes."""

    key: Key
    """Scheme, host and port: what a kept-alive connection is for."""
    target: str
    """The path and query, as sent in the request line."""
    where: str
    """The URL without its query, for messages."""
    netloc: str


@functools.lru_cache(maxsize=512)
def destination(url: str) -> Destination:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    key = (scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(key, target, f"{scheme}://{parts.netloc}{parts.path}", parts.netloc)


def unreachable(where: str, exc: OSError) -> RemoteStoreError:
    """Our error for a connection to the store that could not be made."""
    if isinstance(exc, TimeoutError):
        return RemoteStoreError(
            f"the remote SPARQL store at {where} did not accept a connection in time"
        )
    return RemoteStoreError(f"the remote SPARQL store at {where} cannot be reached: {exc}")


@dataclass
class Credentials:
    """The store's user and password, and the digest challenge being answered: shared by the
    threads' client and the event loop's (``remote_aio``)."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    _challenge: _Challenge | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def authorization(self, method: str, target: str) -> str | None:
        if self.user is None:
            return None
        if self.auth == "digest":
            challenge = self._challenge
            if challenge is None:
                return None
            return challenge.answer(self.user, self.password or "", method, target)
        token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
        return f"Basic {token}"

    def retry_for(self, header: str, authorization: str | None, attempt: int) -> bool:
        """Whether a 401 with this WWW-Authenticate header is worth answering (and if so, answer
        its challenge from now on). A first challenge, or a new nonce for an old one, is; the
        same nonce again means the credentials are wrong, and the store's 401 says so."""
        if self.user is None or self.auth != "digest" or attempt >= 2:
            return False
        challenge = parse_challenge(header)
        if challenge is None:
            return False
        with self._lock:
            current = self._challenge
            fresh = (
                authorization is None
                or challenge.params.get("stale", "").lower() == "true"
                or current is None
                or challenge.params.get("nonce") != current.params.get("nonce")
            )
            # Threads challenged at the same time with the same nonce keep one count (a nonce
            # count used twice may be taken for a replay).
            if fresh and (
                current is None or current.params.get("nonce") != challenge.params.get("nonce")
            ):
                self._challenge = challenge
        return fresh


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
        key, target, where = to.key, to.target, to.where
        for attempt in range(3):
            try:
                conn, reused = self._take(key)
            except OSError as exc:
                raise unreachable(where, exc) from None
            sent = {"User-Agent": "graphsvc", **(headers or {})}
            authorization = self.credentials.authorization(method, target)
            if authorization:
                sent["Authorization"] = authorization
            sock = conn.sock
            try:
                conn.request(method, target, body=body, headers=sent)
                quick_ack(sock)
                response = conn.getresponse()
            except TimeoutError:
                conn.close()
                raise RemoteStoreError(
                    f"the remote SPARQL store at {where} did not answer in time"
                ) from None
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                # A kept-alive connection the store dropped just now: once more on a new one.
                if reused and retry and attempt == 0:
                    continue
                raise RemoteStoreError(
                    f"the remote SPARQL store at {where} cannot be reached: {exc}"
                ) from None
            answer = Answer(self, key, conn, sock, response, where)
            if answer.status == 401 and self.credentials.retry_for(
                answer.header("www-authenticate"), authorization, attempt
            ):
                answer.read()
                answer.close()
                continue
            return answer
        raise AssertionError("unreachable")  # the last attempt returns or raises


__all__ = [
    "Answer",
    "Client",
    "Credentials",
    "Destination",
    "Key",
    "destination",
    "parse_challenge",
    "quick_ack",
    "unreachable",
]
