"""`graphsvc serve` as a subprocess, queried by the clients people use: SPARQLWrapper, rdflib."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

from tests.support import FIXTURES, cli_server

EX = "http://example.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
NAMES = f"PREFIX foaf: <{FOAF}> SELECT ?name WHERE {{ ?p foaf:name ?name }} ORDER BY STR(?name)"
EXPECTED_NAMES = ["Alice", "Bob", 'Carol, "the" third']


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with cli_server(str(FIXTURES / "small"), "--workers", "2") as base_url:
        yield f"{base_url}/sparql"


def wrapper(endpoint: str, query: str, return_format: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint)
    client.setQuery(query)
    client.setReturnFormat(return_format)
    client.setMethod(method)
    return client


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_json(endpoint: str, method: str) -> None:
    results = wrapper(endpoint, NAMES, JSON, method).queryAndConvert()
    assert isinstance(results, dict)
    assert [b["name"]["value"] for b in results["results"]["bindings"]] == EXPECTED_NAMES


def test_sparqlwrapper_xml(endpoint: str) -> None:
    document = wrapper(endpoint, NAMES, XML).queryAndConvert()
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]  # type: ignore[union-attr]
    assert literals == EXPECTED_NAMES


def test_sparqlwrapper_csv(endpoint: str) -> None:
    body = wrapper(endpoint, NAMES, CSV).queryAndConvert()
    assert isinstance(body, bytes)
    assert list(csv.reader(io.StringIO(body.decode()))) == [["name"]] + [
        [n] for n in EXPECTED_NAMES
    ]


def test_sparqlwrapper_ask(endpoint: str) -> None:
    results = wrapper(
        endpoint, f"ASK {{ <{EX}alice> <{FOAF}knows> <{EX}bob> }}", JSON
    ).queryAndConvert()
    assert isinstance(results, dict)
    assert results["boolean"] is True


@pytest.mark.parametrize("return_format", [TURTLE, XML])
def test_sparqlwrapper_construct_into_an_rdflib_graph(endpoint: str, return_format: str) -> None:
    query = f"CONSTRUCT {{ ?a <{EX}friendOf> ?b }} WHERE {{ ?a <{FOAF}knows> ?b }}"
    result = wrapper(endpoint, query, return_format).queryAndConvert()
    graph = result if isinstance(result, Graph) else Graph().parse(data=result, format="turtle")
    assert set(graph) == {
        (URIRef(f"{EX}alice"), URIRef(f"{EX}friendOf"), URIRef(f"{EX}bob")),
        (URIRef(f"{EX}bob"), URIRef(f"{EX}friendOf"), URIRef(f"{EX}carol")),
    }


def test_rdflib_sparqlstore(endpoint: str) -> None:
    graph = Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    rows = list(graph.query(NAMES))
    assert [str(row[0]) for row in rows] == EXPECTED_NAMES  # type: ignore[index]
    assert (URIRef(f"{EX}alice"), URIRef(f"{FOAF}name"), Literal("Alice", lang="en")) in graph
    assert len(graph) == 14
