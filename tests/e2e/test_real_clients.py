"""`graphsvc serve` used by real clients with their default settings (issue 16).

SPARQLWrapper repeats its format under `format`, `output` and `results`, with names of its own;
Jena's Java HTTP client offers an h2c upgrade with its POST; Comunica, rdflib's SPARQLStore and
curl each ask in their own way. Every one must get its answer.
"""

from __future__ import annotations

import json
import subprocess
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, RDF, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from tests.e2e.real_clients import comunica, run_jena
from tests.support import FIXTURES, cli_server

EX = "http://example.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
NAMES = f"SELECT ?name WHERE {{ ?p <{FOAF}name> ?name }} ORDER BY STR(?name)"
EXPECTED_NAMES = ["Alice", "Bob", 'Carol, "the" third']
CONSTRUCT = f"CONSTRUCT {{ ?a <{EX}friendOf> ?b }} WHERE {{ ?a <{FOAF}knows> ?b }}"
FRIENDS = {
    (URIRef(f"{EX}alice"), URIRef(f"{EX}friendOf"), URIRef(f"{EX}bob")),
    (URIRef(f"{EX}bob"), URIRef(f"{EX}friendOf"), URIRef(f"{EX}carol")),
}
DESCRIBE = f"DESCRIBE <{EX}alice>"
BASE = "https://w3id.org/graphsvc/"  # the default base IRI: relative IRIs resolve against it


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with cli_server(str(FIXTURES / "small")) as base_url:
        yield f"{base_url}/sparql"


def sparqlwrapper(endpoint: str, query: str, return_format: str, method: str) -> Any:
    """SPARQLWrapper with its defaults: only the query, the format and the method are set."""
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    with warnings.catch_warnings():
        # SPARQLWrapper warns that it sends Accept */* for formats it has no type for (RDF).
        warnings.simplefilter("ignore", RuntimeWarning)
        return client.queryAndConvert()


def as_graph(result: Any, return_format: str) -> Graph:
    if isinstance(result, Graph):
        return result
    assert isinstance(result, bytes)
    return Graph().parse(data=result, format="turtle" if return_format in (TURTLE, N3) else "nt")


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_defaults_select(endpoint: str, return_format: str, method: str) -> None:
    result = sparqlwrapper(endpoint, NAMES, return_format, method)
    if return_format == JSON:
        names = [b["name"]["value"] for b in result["results"]["bindings"]]
    elif return_format == XML:
        names = [n.firstChild.data for n in result.getElementsByTagName("literal")]
    elif return_format == CSV:
        names = [line.strip('"') for line in result.decode().splitlines()[1:]]
        names = [n.replace('""', '"') for n in names]
    else:
        names = [line.split("@")[0].strip('"') for line in result.decode().splitlines()[1:]]
        names = [n.replace('\\"', '"') for n in names]
    assert names == EXPECTED_NAMES


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("return_format", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_defaults_ask(endpoint: str, return_format: str, method: str) -> None:
    result = sparqlwrapper(endpoint, f"ASK {{ <{EX}alice> <{FOAF}knows> <{EX}bob> }}",
                           return_format, method)  # fmt: skip
    if return_format == JSON:
        assert result["boolean"] is True
    elif return_format == XML:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        header = "_askResult" if return_format == CSV else "?_askResult"
        assert result.decode().split() == [header, "true"]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("return_format", [TURTLE, N3, XML, RDFXML, RDF, JSONLD, JSON])
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_sparqlwrapper_defaults_graphs(
    endpoint: str, query: str, return_format: str, method: str
) -> None:
    graph = as_graph(sparqlwrapper(endpoint, query, return_format, method), return_format)
    if query == CONSTRUCT:
        assert set(graph) == FRIENDS
    else:
        assert (URIRef(f"{EX}alice"), URIRef(f"{FOAF}name"), Literal("Alice", lang="en")) in graph


def test_sparqlwrapper_ntriples_by_accept(endpoint: str) -> None:
    """SPARQLWrapper has no N-Triples format of its own: asked by Accept, it gets N-Triples."""
    client = SPARQLWrapper(endpoint)
    client.setQuery(CONSTRUCT)
    client.setOnlyConneg(True)
    client.addCustomHttpHeader("Accept", "application/n-triples")
    response = client.query().response
    assert response.headers["content-type"].startswith("application/n-triples")
    assert set(Graph().parse(data=response.read(), format="nt")) == FRIENDS


def test_rdflib_sparqlstore(endpoint: str) -> None:
    graph = Graph(store=SPARQLStore(endpoint))
    assert [str(row[0]) for row in graph.query(NAMES)] == EXPECTED_NAMES  # type: ignore[index]
    assert (URIRef(f"{EX}alice"), URIRef(f"{FOAF}knows"), URIRef(f"{EX}bob")) in graph


def test_relative_iris_resolve_against_the_base_iri(endpoint: str) -> None:
    """W3C protocol test query_content_type_construct: `<s>` is relative."""
    response = httpx.post(
        endpoint,
        content="CONSTRUCT { <s> <p> 1 } WHERE {}",
        headers={"Content-Type": "application/sparql-query", "Accept": "application/n-triples"},
    )
    assert response.status_code == 200, response.text
    assert response.text.strip() == (
        f'<{BASE}s> <{BASE}p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .'
    )
    # A query's own BASE wins over the service's.
    own = httpx.get(
        endpoint,
        params={"query": "BASE <http://example.org/> CONSTRUCT { <s> <p> 1 } WHERE {}"},
        headers={"Accept": "application/n-triples"},
    )
    assert own.text.startswith("<http://example.org/s> <http://example.org/p>")


@pytest.mark.parametrize("post", [False, True], ids=["get", "post"])
def test_jena_rsparql(endpoint: str, tmp_path: Path, post: bool) -> None:
    query = tmp_path / "q.rq"
    query.write_text(NAMES)
    args = ["--service", endpoint, "--query", str(query), "--results", "json"]
    output = run_jena(tmp_path, "arq.rsparql", *args, *(["--post"] if post else []))
    names = [b["name"]["value"] for b in json.loads(output)["results"]["bindings"]]
    assert names == EXPECTED_NAMES


@pytest.mark.parametrize("long", [False, True], ids=["get", "post"])
def test_jena_sparql_service(endpoint: str, tmp_path: Path, long: bool) -> None:
    """Jena's own engine calling graphsvc through SERVICE: by GET, and by POST once the query is
    too long for a URL (Jena's rule)."""
    padding = ", ".join(f'"pad{i}"' for i in range(300)) if long else '"pad"'
    query = tmp_path / "q.rq"
    query.write_text(
        f"SELECT ?name {{ SERVICE <{endpoint}> {{ ?p <{FOAF}name> ?name "
        f"FILTER(STR(?name) NOT IN ({padding})) }} }} ORDER BY STR(?name)"
    )
    output = run_jena(tmp_path, "arq.sparql", "--query", str(query), "--results", "json")
    names = [b["name"]["value"] for b in json.loads(output)["results"]["bindings"]]
    assert names == EXPECTED_NAMES


def test_comunica(endpoint: str) -> None:
    assert [row["name"] for row in json.loads(comunica(endpoint, NAMES))] == EXPECTED_NAMES
    assert json.loads(comunica(endpoint, f"ASK {{ <{EX}alice> <{FOAF}knows> <{EX}bob> }}"))
    quads = {tuple(q) for q in json.loads(comunica(endpoint, CONSTRUCT))}
    assert quads == {(str(s), str(p), str(o)) for s, p, o in FRIENDS}


@pytest.mark.parametrize(
    ("args", "expected_type"),
    [
        (["--data-urlencode", f"query={NAMES}", "-G"], "application/sparql-results+json"),
        (["--data-urlencode", f"query={NAMES}", "-H", "Accept: text/csv"], "text/csv"),
        (["--data-binary", NAMES, "-H", "Content-Type: application/sparql-query",
          "-H", "Accept: application/sparql-results+xml"], "application/sparql-results+xml"),
        (["--http2", "--data-binary", NAMES, "-H", "Content-Type: application/sparql-query"],
         "application/sparql-results+json"),
        (["--data-urlencode", f"query={CONSTRUCT}", "--data-urlencode", "format=nt", "-G"],
         "application/n-triples"),
    ],
    ids=["get", "post-form-csv", "post-direct-xml", "post-h2c-upgrade", "format-nt"],
)  # fmt: skip
def test_curl(endpoint: str, args: list[str], expected_type: str) -> None:
    result = subprocess.run(
        ["curl", "-sS", "-o", "-", "-w", "\n%{http_code} %{content_type}", *args, endpoint],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    body, _, status_line = result.stdout.rpartition("\n")
    status, content_type = status_line.split(" ", 1)
    assert status == "200", body
    assert content_type.startswith(expected_type)
    assert "Alice" in body or "friendOf" in body
