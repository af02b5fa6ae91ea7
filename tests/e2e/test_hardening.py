"""Hostile input and overload: every request gets a meaningful status, the server stays up."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from tests.support import small_settings, thread_server

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def chain_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 3,000-node chain with literals: closures and cartesian products over it are expensive."""
    folder = tmp_path_factory.mktemp("chain")
    lines = ["@prefix e: <http://e/> ."]
    for i in range(3000):
        lines.append(f'e:n{i} e:next e:n{i + 1} ; e:text "{"a" * 40}{i}" .')
    (folder / "chain.ttl").write_text("\n".join(lines) + "\n")
    return folder


@pytest.fixture(scope="module")
def server(chain_data: Path) -> Iterator[str]:
    settings = small_settings(paths=[chain_data], query_timeout=TIMEOUT, query_workers=3)
    with thread_server(settings) as base_url:
        yield base_url


def health_stays_fast(base_url: str, stop: threading.Event, worst: list[float]) -> None:
    while not stop.is_set():
        started = time.monotonic()
        httpx.get(f"{base_url}/health", timeout=5).raise_for_status()
        worst.append(time.monotonic() - started)
        time.sleep(0.1)


PATHOLOGICAL = {
    "cartesian": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
    "any-path-closure": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a (<http://e/next>|!<http://e/next>)* ?b }"
    ),
    "regex": (
        "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?o . ?b ?q ?r "
        'FILTER(REGEX(CONCAT(STR(?o), STR(?r), "!"), "^(a+)+$")) }'
    ),
    "deep-nesting": "SELECT * WHERE " + "{" * 1000 + " ?s ?p ?o " + "}" * 1000,
    "deep-expression": "SELECT * WHERE { FILTER(" + "(" * 1000 + "1" + ")" * 1000 + ") }",
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_queries_end_in_time_and_health_stays_up(server: str, name: str) -> None:
    stop = threading.Event()
    worst: list[float] = []
    watcher = threading.Thread(target=health_stays_fast, args=(server, stop, worst))
    watcher.start()
    try:
        started = time.monotonic()
        response = httpx.post(
            f"{server}/sparql",
            data={"query": PATHOLOGICAL[name]},
            headers={"Accept": "application/sparql-results+json"},
            timeout=30,
        )
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        watcher.join()
    assert response.status_code in (200, 400, 503), response.text
    assert response.headers["content-type"].startswith(
        ("application/json", "application/sparql-results+json")
    )
    if response.status_code != 200:
        assert response.json()["error"]["message"]
    assert elapsed < TIMEOUT + 2
    assert worst and max(worst) < 1.0


def test_five_megabyte_query_is_refused_cleanly(server: str) -> None:
    huge = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 5_000_000
    posted = httpx.post(
        f"{server}/sparql",
        content=huge.encode(),
        headers={"Content-Type": "application/sparql-query"},
        timeout=30,
    )
    assert posted.status_code == 413
    assert "limit" in posted.json()["error"]["message"]
    # httpx refuses such a URL itself, so the GET goes over a raw socket.
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(f"GET /sparql?query={quote(huge)} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        status_line = conn.recv(200).split(b"\r\n", 1)[0]
    status = int(status_line.split()[1])
    assert 400 <= status < 500, status_line
    assert httpx.get(f"{server}/health").status_code == 200


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("application/sparql-query", b"", 400),
        ("application/x-www-form-urlencoded", b"", 400),
        ("application/x-www-form-urlencoded", b"query=%FF%FE", 400),
        ("application/sparql-query", b"SELECT \xc3\x28 WHERE {}", 400),
        ("application/sparql-query", b"SELECT * WHERE { ?s ?p }", 400),
        ("application/octet-stream", b"\x00\x01", 415),
        (None, b"query=ASK{}", 415),
    ],
)
def test_malformed_input_gets_a_readable_4xx(
    server: str, content_type: str | None, body: bytes, status: int
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = httpx.post(f"{server}/sparql", content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["message"]


def test_overload_answers_503_with_retry_after(chain_data: Path) -> None:
    settings = small_settings(
        paths=[chain_data], query_timeout=TIMEOUT, query_workers=1, max_queued=1
    )
    with thread_server(settings) as base_url:
        slow = PATHOLOGICAL["cartesian"]

        async def burst() -> list[httpx.Response]:
            async with httpx.AsyncClient(timeout=30) as client:
                return list(
                    await asyncio.gather(
                        *[client.post(f"{base_url}/sparql", data={"query": slow}) for _ in range(6)]
                    )
                )

        responses = asyncio.run(burst())
        statuses = sorted(r.status_code for r in responses)
        assert set(statuses) <= {503}
        overloaded = [r for r in responses if r.json()["error"]["type"] == "overloaded"]
        assert overloaded, statuses
        assert all(r.headers["retry-after"] for r in overloaded)
        assert httpx.get(f"{base_url}/health").status_code == 200


def test_requests_keep_working_after_timeouts(server: str) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(
            pool.map(
                lambda _: httpx.post(
                    f"{server}/sparql", data={"query": PATHOLOGICAL["cartesian"]}, timeout=30
                ),
                range(4),
            )
        )
    ok = httpx.get(
        f"{server}/sparql", params={"query": "ASK { <http://e/n0> ?p ?o }", "format": "json"}
    )
    assert ok.json()["boolean"] is True
