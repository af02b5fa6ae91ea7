"""Request heads under `graphsvc serve` (src/graphsvc/server/protocol.py): bounded (431), counted
as they arrive so a huge header costs the other clients nothing, an h2c upgrade offer ignored,
and keep-alive and pipelining unchanged."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.support import FIXTURES, cli_server

ASK = "/sparql?query=ASK%7B%7D"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with cli_server(str(FIXTURES / "small")) as url:
        yield url


def address(base_url: str) -> tuple[str, int]:
    host, port = base_url.removeprefix("http://").split(":")
    return host, int(port)


def exchange(base_url: str, data: bytes, *, responses: int = 1) -> bytes:
    """Send raw bytes; read until ``responses`` responses have come, or the server closes."""
    with socket.create_connection(address(base_url), timeout=10) as sock:
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            sock.sendall(data)
        received = b""
        with contextlib.suppress(ConnectionResetError, TimeoutError):
            while received.count(b"HTTP/1.1 ") < responses or not received.endswith(b"}"):
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        return received


def test_a_256_kib_header_is_431(base_url: str) -> None:
    response = httpx.get(f"{base_url}{ASK}", headers={"X-Big": "a" * 256 * 1024})
    assert response.status_code == 431
    assert response.json()["error"]["message"] == "the request's head is over 65536 bytes"


def test_too_many_header_fields_is_431(base_url: str) -> None:
    response = httpx.get(f"{base_url}{ASK}", headers={f"X-{i}": "1" for i in range(200)})
    assert response.status_code == 431
    assert "more than 100 header fields" in response.json()["error"]["message"]


def test_heads_within_the_limits_are_served(base_url: str) -> None:
    headers = {f"X-{i}": "v" * 500 for i in range(90)}
    response = httpx.get(f"{base_url}{ASK}", headers=headers)
    assert response.status_code == 200 and response.json()["boolean"] is True


def test_a_head_sent_in_small_pieces_is_counted(base_url: str) -> None:
    """The quadratic case: a header arriving a little at a time. Refused once 64 KiB are in."""
    with socket.create_connection(address(base_url), timeout=10) as sock:
        sock.sendall(f"GET {ASK} HTTP/1.1\r\nHost: x\r\nX-Big: ".encode())
        sent = 0
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):
            while sent < 1024 * 1024:
                sock.sendall(b"a" * 1024)
                sent += 1024
        reply = sock.recv(65536)
    # The head never ended: only the limit can have answered.
    assert reply.startswith(b"HTTP/1.1 431 ")


def test_ask_answers_within_a_second_while_a_client_sends_a_huge_header(base_url: str) -> None:
    stop = threading.Event()
    refused = []

    def attacker() -> None:
        # Send a header of up to 128 MiB, again and again, as fast as the server takes it.
        while not stop.is_set():
            with socket.create_connection(address(base_url), timeout=10) as sock:
                with contextlib.suppress(OSError):
                    sock.sendall(f"GET {ASK} HTTP/1.1\r\nHost: x\r\nX-Big: ".encode())
                    for _ in range(2048):
                        if stop.is_set():
                            break
                        sock.sendall(b"a" * 65536)
                with contextlib.suppress(OSError):
                    if sock.recv(64).startswith(b"HTTP/1.1 431 "):
                        refused.append(1)

    thread = threading.Thread(target=attacker, daemon=True)
    thread.start()
    try:
        time.sleep(0.3)
        with httpx.Client() as client:
            for _ in range(20):
                started = time.monotonic()
                response = client.get(f"{base_url}{ASK}", timeout=5)
                assert response.json()["boolean"] is True
                assert time.monotonic() - started < 1.0
                time.sleep(0.05)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert refused


def test_an_h2c_upgrade_offer_keeps_the_body(base_url: str) -> None:
    """What Java's HTTP client (Jena's rsparql --post) sends (Kludex/uvicorn#2722)."""
    body = b"ASK {}"
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
        b"Upgrade: h2c\r\nHTTP2-Settings: AAEAAEAAAAIAAAAAAAMAAAAAAAQBAAAAAAUAAEAA\r\n"
        b"Content-Type: application/sparql-query\r\nAccept: application/sparql-results+json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    reply = exchange(base_url, request)
    assert reply.startswith(b"HTTP/1.1 200 "), reply
    assert reply.endswith(b'"boolean": true}')


def test_pipelined_requests_are_all_answered(base_url: str) -> None:
    one = f"GET {ASK} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    body = b"ASK { ?s ?p ?o }"
    post = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n"
        b"Content-Type: application/sparql-query\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )
    reply = exchange(base_url, one + post + one, responses=3)
    assert reply.count(b"HTTP/1.1 200 ") == 3, reply
    assert reply.count(b'"boolean": true}') == 3


def test_keep_alive_connections_serve_many_requests(base_url: str) -> None:
    with httpx.Client() as client:
        for _ in range(5):
            assert client.get(f"{base_url}{ASK}").json()["boolean"] is True
            response = client.post(
                f"{base_url}/sparql",
                content=b"ASK {}",
                headers={"Content-Type": "application/sparql-query"},
            )
            assert response.json()["boolean"] is True


def test_chunked_and_large_bodies_arrive_whole(base_url: str) -> None:
    query = "ASK {}\n" + "# a comment that makes the body span many reads\n" * 12_000
    assert len(query) > 500_000
    response = httpx.post(
        f"{base_url}/sparql",
        content=query.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=60,
    )
    assert response.status_code == 200, response.text[:300]

    def chunks() -> Iterator[bytes]:
        yield b"ASK "
        yield b"{}"

    chunked = httpx.post(
        f"{base_url}/sparql",
        content=chunks(),
        headers={"Content-Type": "application/sparql-query"},
    )
    assert chunked.json()["boolean"] is True
    # A chunked body followed by a pipelined request on the same connection.
    body = b"ASK {}"
    request = (
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"Content-Type: application/sparql-query\r\n\r\n"
        + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
        + f"GET {ASK} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    )
    reply = exchange(base_url, request, responses=2)
    assert reply.count(b'"boolean": true}') == 2, reply
