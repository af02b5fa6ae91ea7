"""Serving hostile files: nothing is fetched, expansion bombs fail fast with a clear error."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_cli import graphsvc
from tests.e2e.test_limits import Canary
from tests.support import FIXTURES, cli_server, free_port


@pytest.fixture
def canary() -> Iterator[Canary]:
    listener = Canary()
    yield listener
    listener.close()


def test_turtle_base_and_prefix_iris_are_only_names(tmp_path: Path, canary: Canary) -> None:
    data = tmp_path / "names.ttl"
    data.write_text(
        f"@base <http://127.0.0.1:{canary.port}/> .\n"
        f"@prefix c: <http://127.0.0.1:{canary.port}/ns#> .\n"
        "<thing> c:p <other> .\n"
    )
    with cli_server(str(data), "--no-validate") as base_url:
        answer = httpx.get(
            f"{base_url}/sparql", params={"query": "SELECT ?s WHERE { ?s ?p ?o }", "format": "json"}
        ).json()
    assert answer["results"]["bindings"][0]["s"]["value"] == f"http://127.0.0.1:{canary.port}/thing"
    assert canary.connections == 0


def test_external_entities_are_refused_and_not_fetched(tmp_path: Path, canary: Canary) -> None:
    source = (FIXTURES / "broken" / "xxe.rdf").read_text()
    hostile = tmp_path / "xxe.rdf"
    hostile.write_text(source.replace("CANARY_PORT", str(canary.port)))
    result = graphsvc("serve", str(hostile), "--no-validate", "--port", str(free_port()))
    assert result.returncode == 2
    assert "entity declarations are refused" in result.stderr
    assert canary.connections == 0


def test_billion_laughs_fails_fast() -> None:
    started = time.monotonic()
    laughs = FIXTURES / "broken" / "billion-laughs.rdf"
    result = graphsvc("serve", str(laughs), "--no-validate", "--port", str(free_port()))
    assert result.returncode == 2
    assert "billion-laughs.rdf:2: XML entity declarations are refused" in result.stderr
    assert time.monotonic() - started < 30


def test_remote_jsonld_context_is_not_fetched(tmp_path: Path, canary: Canary) -> None:
    document = tmp_path / "remote.jsonld"
    document.write_text(
        f'{{"@context": "http://127.0.0.1:{canary.port}/context.jsonld", '
        '"@id": "http://example.org/s", "name": "x"}'
    )
    result = graphsvc("serve", str(document), "--no-validate", "--port", str(free_port()))
    assert result.returncode == 2
    assert "remote.jsonld" in result.stderr
    assert canary.connections == 0
