"""The `graphsvc` command, run as a user runs it."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.support import FIXTURES, cli_server, free_port

NAMES = (
    "PREFIX foaf: <http://xmlns.com/foaf/0.1/> "
    "SELECT ?name WHERE { ?p foaf:name ?name } ORDER BY STR(?name)"
)


def graphsvc(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphsvc", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_serve_refuses_a_file_that_does_not_parse() -> None:
    port = free_port()
    result = graphsvc("serve", str(FIXTURES / "broken" / "bad.ttl"), "--port", str(port))
    assert result.returncode == 2
    assert f"{FIXTURES / 'broken' / 'bad.ttl'}:3:" in result.stderr
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)


def test_serve_refuses_a_missing_path() -> None:
    result = graphsvc("serve", "/no/such/folder", "--port", str(free_port()))
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr


def test_query_prints_csv() -> None:
    result = graphsvc("query", NAMES, str(FIXTURES / "small"))
    assert result.returncode == 0, result.stderr
    assert list(csv.reader(io.StringIO(result.stdout))) == [
        ["name"],
        ["Alice"],
        ["Bob"],
        ['Carol, "the" third'],
    ]


def test_query_runs_a_named_query_with_parameters() -> None:
    result = graphsvc(
        "query",
        "people-known-by",
        "-p",
        "person=http://example.org/bob",
        "--queries",
        str(FIXTURES / "queries"),
        "--format",
        "tsv",
        str(FIXTURES / "small"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].endswith('"Carol, \\"the\\" third"')


def test_query_with_a_bad_parameter_is_a_usage_error() -> None:
    result = graphsvc(
        "query",
        "people-known-by",
        "-p",
        "person=not-an-iri",
        "--queries",
        str(FIXTURES / "queries"),
        str(FIXTURES / "small"),
    )
    assert result.returncode == 2
    assert "absolute IRI" in result.stderr


def test_environment_variables_configure_the_server() -> None:
    with cli_server(str(FIXTURES / "small"), env={"GRAPHSVC_MAX_ROWS": "2"}) as base_url:
        response = httpx.get(
            f"{base_url}/sparql", params={"query": "SELECT * { ?s ?p ?o }", "format": "json"}
        )
        assert response.headers["x-result-truncated"] == "true"
        assert len(response.json()["results"]["bindings"]) == 2


@pytest.mark.parametrize("extra", [["--engine", "rdflib"], ["--store", "STORE"]])
def test_serve_with_other_engines_and_stores(extra: list[str], tmp_path: Path) -> None:
    args = [a.replace("STORE", str(tmp_path / "store")) for a in extra]
    with cli_server(str(FIXTURES / "small"), *args) as base_url:
        response = httpx.get(f"{base_url}/sparql", params={"query": NAMES, "format": "json"})
        names = [b["name"]["value"] for b in response.json()["results"]["bindings"]]
        assert names == ["Alice", "Bob", 'Carol, "the" third']


def test_no_union_default_graph_is_advertised_and_applied() -> None:
    with cli_server(str(FIXTURES / "small"), "--no-union-default-graph") as base_url:
        count = httpx.get(
            f"{base_url}/sparql",
            params={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", "format": "json"},
        ).json()
        assert count["results"]["bindings"][0]["n"]["value"] == "11"
        description = httpx.get(f"{base_url}/sparql", headers={"Accept": "text/turtle"}).text
        assert "UnionDefaultGraph" not in description


def test_serve_without_paths_serves_the_bundled_graph() -> None:
    """The README's acceptance: `make serve`, then count the triples with curl."""
    import pyoxigraph as ox

    from tests.support import ROOT

    expected = 0
    for folder in ("ontology", "data"):
        for path in sorted((ROOT / folder).rglob("*.ttl")):
            expected += len(list(ox.parse(path=path, base_iri="https://w3id.org/graphsvc/")))
    # What the files assert; the RDFS closure the server adds lives in a graph of its own.
    asserted = (
        "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
        "FILTER(?g != <https://w3id.org/graphsvc/graph/entailed>) }"
    )
    with cli_server() as base_url:
        response = httpx.post(
            f"{base_url}/sparql",
            data={"query": asserted},
            headers={"Accept": "application/sparql-results+json"},
        )
        count = int(response.json()["results"]["bindings"][0]["n"]["value"])
        assert count == expected > 1000
        graphs = httpx.get(f"{base_url}/sparql", headers={"Accept": "text/turtle"}).text
        assert "https://w3id.org/graphsvc/graph/data/reference" in graphs
