"""The remote engine's HTTP clients against a small local server: reuse, auth, broken connections.

Both clients pass the same tests: the query threads' (``http.Client``) and the event loop's
(``aio.AsyncClient``, driven here through a small synchronous facade), which share one request,
retry and authentication policy (``policy.Exchange``).

(Digest authentication against a real store is exercised by every Virtuoso test, which publish
and query over Virtuoso's digest-protected endpoints.)
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from graphsvc.errors import RemoteStoreError
from graphsvc.store.remote.aio import AsyncAnswer, AsyncClient
from graphsvc.store.remote.auth import Credentials, parse_challenge
from graphsvc.store.remote.http import Client
from tests.support import free_port

REALM, USER, PASSWORD = "test", "graphsvc", "s3cret"


@dataclass
class Seen:
    connections: set[int] = field(default_factory=set)
    authorizations: list[str] = field(default_factory=list)
    nonces: list[str] = field(default_factory=lambda: ["n0"])
    scheme: str = "digest"


def _digest_ok(header: str, method: str, nonce: str) -> bool:
    params = parse_challenge(header)
    if params is None:
        return False
    p = params.params

    def h(text: str) -> str:
        return hashlib.md5(text.encode()).hexdigest()

    expected = h(
        f"{h(f'{USER}:{REALM}:{PASSWORD}')}:{nonce}:{p['nc']}:{p['cnonce']}:auth:"
        f"{h(method + ':' + p['uri'])}"
    )
    return p.get("nonce") == nonce and p.get("response") == expected


def handler_for(seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._answer("POST")

        def do_GET(self) -> None:
            self._answer("GET")

        def _answer(self, method: str) -> None:
            seen.connections.add(self.client_address[1])  # one client port per connection
            if self.path.startswith("/close"):
                self.close_connection = True
            if self.path.startswith("/big"):
                self._reply(200, b"x" * 4_000_000)
                return
            if self.path.startswith("/chunked"):
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                for piece in (b"hel", b"lo ", b"world"):
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
                self.wfile.write(b"0\r\n\r\n")
                return
            if self.path.startswith("/until-close"):
                self.close_connection = True
                self.send_response(200)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"no length given")
                return
            if self.path.startswith("/slow"):
                time.sleep(1.0)
                self._reply(200, b"late")
                return
            header = self.headers.get("Authorization", "")
            seen.authorizations.append(header)
            if seen.scheme == "basic":
                token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
                if header != f"Basic {token}":
                    self._reply(401, b"", {"WWW-Authenticate": f'Basic realm="{REALM}"'})
                    return
            elif seen.scheme == "digest" and not _digest_ok(header, method, seen.nonces[-1]):
                challenge = f'Digest realm="{REALM}", nonce="{seen.nonces[-1]}", qop="auth"'
                self._reply(401, b"who?", {"WWW-Authenticate": challenge})
                return
            self._reply(200, b"hello", {"Content-Type": "text/plain"})

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), handler_for(seen))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


class _LoopAnswer:
    def __init__(self, loop: asyncio.AbstractEventLoop, answer: AsyncAnswer) -> None:
        self._loop, self._answer = loop, answer
        self.status = answer.status

    def read(self, limit: int | None = None) -> tuple[bytes, bool]:
        return self._loop.run_until_complete(self._answer.read(limit))

    def close(self) -> None:
        self._answer.close()


class LoopClient:
    """The event loop's client with the threads' client's interface, on a loop of its own."""

    def __init__(self, credentials: Credentials | None = None, connect_timeout: float = 5.0):
        self.loop = asyncio.new_event_loop()
        self.client = AsyncClient(
            credentials or Credentials(), timeout=60, connect_timeout=connect_timeout
        )

    def request(
        self, method: str, url: str, body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> _LoopAnswer:  # fmt: skip
        answer = self.loop.run_until_complete(self.client.request(method, url, body, headers))
        return _LoopAnswer(self.loop, answer)

    @property
    def _idle(self) -> Mapping[object, list[object]]:
        return self.client._idle  # type: ignore[return-value]

    def close(self) -> None:
        self.client.close()
        self.loop.run_until_complete(asyncio.sleep(0))  # let the transports close
        self.loop.close()


AnyClient = Client | LoopClient
MakeClient = Callable[..., AnyClient]


@pytest.fixture(params=["threads", "loop"])
def make_client(request: pytest.FixtureRequest) -> MakeClient:
    """Each test runs with the query threads' client and with the event loop's."""

    def make(credentials: Credentials | None = None, connect_timeout: float = 5.0) -> AnyClient:
        if request.param == "threads":
            return Client(credentials or Credentials(), connect_timeout=connect_timeout)
        return LoopClient(credentials, connect_timeout)

    return make


@pytest.fixture
def plain(
    server: tuple[str, Seen], make_client: MakeClient
) -> Iterator[tuple[str, Seen, AnyClient]]:
    """The server without authentication, and a client of each kind, closed afterwards."""
    base, seen = server
    seen.scheme = "none"
    client = make_client()
    try:
        yield base, seen, client
    finally:
        client.close()


def body(client: AnyClient, url: str, method: str = "GET") -> tuple[int, bytes]:
    answer = client.request(method, url, b"q=1" if method == "POST" else None)
    data, _ = answer.read()
    answer.close()
    return answer.status, data


def test_digest_answers_the_challenge_once_then_reuses_it(
    server: tuple[str, Seen], make_client: MakeClient
) -> None:
    base, seen = server
    client = make_client(Credentials(USER, PASSWORD, "digest"))
    try:
        assert [body(client, f"{base}/q", method) for method in ("GET", "POST", "GET")] == [
            (200, b"hello")
        ] * 3
        # One refused request without credentials, then three answered: one round trip each.
        assert len(seen.authorizations) == 4
        assert seen.authorizations[0] == ""
        counts = [parse_challenge(a).params["nc"] for a in seen.authorizations[1:]]  # type: ignore[union-attr]
        assert counts == ["00000001", "00000002", "00000003"]
        # The store moves to a new nonce: answered again, transparently.
        seen.nonces.append("n1")
        assert body(client, f"{base}/q") == (200, b"hello")
        # All of it over one kept-alive connection.
        assert len(seen.connections) == 1
    finally:
        client.close()


def test_wrong_digest_credentials_give_the_stores_401(
    server: tuple[str, Seen], make_client: MakeClient
) -> None:
    base, seen = server
    client = make_client(Credentials(USER, "wrong", "digest"))
    try:
        assert body(client, f"{base}/q") == (401, b"who?")
        assert len(seen.authorizations) == 2  # the challenge, then one answer, no loop
    finally:
        client.close()


def test_basic_credentials_are_sent_with_every_request(
    server: tuple[str, Seen], make_client: MakeClient
) -> None:
    base, seen = server
    seen.scheme = "basic"
    client = make_client(Credentials(USER, PASSWORD, "basic"))
    try:
        assert body(client, f"{base}/q") == (200, b"hello")
        assert body(client, f"{base}/q", "POST") == (200, b"hello")
        assert len(seen.authorizations) == 2
    finally:
        client.close()


def test_a_connection_the_server_closed_is_replaced(
    plain: tuple[str, Seen, AnyClient],
) -> None:
    base, seen, client = plain
    assert body(client, f"{base}/close") == (200, b"hello")
    assert body(client, f"{base}/q") == (200, b"hello")
    assert body(client, f"{base}/q", "POST") == (200, b"hello")
    assert len(seen.connections) == 2


def test_an_answer_left_unread_takes_its_connection_with_it(
    plain: tuple[str, Seen, AnyClient],
) -> None:
    base, seen, client = plain
    answer = client.request("GET", f"{base}/big")
    head, whole = answer.read(1000)
    assert not whole and 1000 <= len(head) < 4_000_000
    answer.close()  # the rest is never read: the connection cannot be reused
    assert body(client, f"{base}/q") == (200, b"hello")
    assert len(seen.connections) == 2


def test_an_unreachable_store_is_a_remote_store_error(make_client: MakeClient) -> None:
    client = make_client(connect_timeout=2)
    try:
        with pytest.raises(RemoteStoreError, match="cannot be reached"):
            client.request("GET", f"http://127.0.0.1:{free_port()}/sparql")
    finally:
        client.close()


def test_threads_share_one_client(server: tuple[str, Seen]) -> None:
    """Query threads share a process's client: each request gets a connection of its own, the
    digest nonce counts never repeat, and the pool keeps no more than a few idle connections."""
    base, seen = server
    client = Client(Credentials(USER, PASSWORD, "digest"))
    answers: list[tuple[int, bytes]] = []
    start = threading.Barrier(8)

    def work() -> None:
        start.wait()
        for method in ("GET", "POST") * 10:
            answers.append(body(client, f"{base}/q", method))

    threads = [threading.Thread(target=work) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert answers == [(200, b"hello")] * 160
        sent = [parse_challenge(a) for a in seen.authorizations if a]
        counts = [c.params["nc"] for c in sent if c is not None]
        assert len(counts) == len(set(counts)) >= 160
        assert sum(len(idle) for idle in client._idle.values()) <= 4
    finally:
        client.close()


def test_chunked_and_unsized_answers_are_read_whole(
    plain: tuple[str, Seen, AnyClient],
) -> None:
    base, _, client = plain
    assert body(client, f"{base}/chunked") == (200, b"hello world")
    assert body(client, f"{base}/until-close") == (200, b"no length given")
    assert body(client, f"{base}/q") == (200, b"hello")  # on a new connection


def test_a_cancelled_request_drops_its_connection(server: tuple[str, Seen]) -> None:
    """A query stopped at its time limit on the event loop closes its connection (how a store
    learns to stop), and the next request gets a connection of its own."""
    base, seen = server
    seen.scheme = "none"
    client = LoopClient()
    try:
        assert body(client, f"{base}/q") == (200, b"hello")
        slow = client.client.request("GET", f"{base}/slow")
        assert client.loop.run_until_complete(_expect_timeout(slow, 0.2))
        assert body(client, f"{base}/q") == (200, b"hello")
        assert len(seen.connections) == 2
        assert sum(len(idle) for idle in client._idle.values()) == 1
    finally:
        client.close()


async def _expect_timeout(request: Awaitable[object], seconds: float) -> bool:
    try:
        async with asyncio.timeout(seconds):
            await request
    except TimeoutError:
        return True
    return False


def test_concurrent_requests_on_one_loop(server: tuple[str, Seen]) -> None:
    """Queries on the event loop share its client: each request a connection of its own, digest
    nonce counts never repeated, a few idle connections kept."""
    base, seen = server
    client = LoopClient(Credentials(USER, PASSWORD, "digest"))

    async def one(method: str) -> tuple[int, bytes]:
        data = b"q=1" if method == "POST" else None
        answer = await client.client.request(method, f"{base}/q", data)
        data, _ = await answer.read()
        answer.close()
        return answer.status, data

    async def many() -> list[tuple[int, bytes]]:
        return list(await asyncio.gather(*(one(m) for m in ("GET", "POST") * 20)))

    try:
        assert client.loop.run_until_complete(many()) == [(200, b"hello")] * 40
        assert client.loop.run_until_complete(many()) == [(200, b"hello")] * 40
        sent = [parse_challenge(a) for a in seen.authorizations if a]
        counts = [c.params["nc"] for c in sent if c is not None]
        assert len(counts) == len(set(counts)) >= 80
        assert sum(len(idle) for idle in client._idle.values()) <= 4
    finally:
        client.close()
