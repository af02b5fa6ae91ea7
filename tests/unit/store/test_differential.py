"""Every query of the test suite and of queries/ gives the same answer on every engine.

Solutions compare as multisets (order too when the query sorts), graphs by isomorphism.
"""

from __future__ import annotations

import collections
import decimal
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from graphsvc.load import discover
from graphsvc.queries import QueryCatalog
from graphsvc.store import AskResult, GraphResult, QueryRequest, SelectResult, Store, open_store
from graphsvc.store.rdflib import to_rdflib
from tests.query_corpus import CORPUS

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"
BASE = "https://w3id.org/graphsvc/"
NUMERIC = {f"http://www.w3.org/2001/XMLSchema#{t}" for t in ("integer", "decimal", "double")}


def _key(term: Any) -> object:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return "_:b"  # blank node labels are engine-specific
    if isinstance(term, ox.Literal) and term.datatype.value in NUMERIC:
        # oxigraph stores numbers by value; rdflib keeps the lexical form.
        return ("number", decimal.Decimal(term.value).normalize())
    return str(term)


def answer(store: Store, request: QueryRequest) -> object:
    result = store.query(request)
    if isinstance(result, AskResult):
        return result.value
    if isinstance(result, SelectResult):
        names = result.variables
        rows = [
            tuple(sorted(zip(names, (_key(t) for t in row), strict=True))) for row in result.rows
        ]
        ordered = "ORDER BY" in request.text.upper()
        return (sorted(names), rows if ordered else collections.Counter(rows))
    assert isinstance(result, GraphResult)
    graph = Graph()
    for triple in result.triples:
        graph.add(
            (to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object))
        )
    return graph


def same(a: object, b: object) -> bool:
    if isinstance(a, Graph) and isinstance(b, Graph):
        return isomorphic(a, b)
    if isinstance(a, tuple) and isinstance(b, tuple) and sorted(a[0]) == sorted(b[0]):
        return a == b
    return a == b


def loaded(engine: str, paths: list[Path], project_root: Path | None) -> Store:
    store = open_store(engine)
    for source in discover(paths, base_iri=BASE, project_root=project_root):
        store.load(source)
    return store


@pytest.fixture(scope="module")
def small_stores() -> dict[str, Store]:
    return {e: loaded(e, [FIXTURES / "small"], None) for e in ("oxigraph", "rdflib")}


@pytest.fixture(scope="module")
def project_stores() -> dict[str, Store]:
    paths = [ROOT / "ontology", ROOT / "data"]
    return {e: loaded(e, paths, ROOT) for e in ("oxigraph", "rdflib")}


@pytest.mark.parametrize("union", [True, False])
@pytest.mark.parametrize("query", CORPUS)
def test_corpus_agrees(small_stores: dict[str, Store], query: str, union: bool) -> None:
    request = QueryRequest(query, union_default_graph=union)
    results = {engine: answer(store, request) for engine, store in small_stores.items()}
    assert same(results["oxigraph"], results["rdflib"]), results


def test_protocol_dataset_agrees(small_stores: dict[str, Store]) -> None:
    request = QueryRequest(
        "SELECT ?s ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
        default_graph_uris=["http://example.org/g2"],
        named_graph_uris=["http://example.org/g1"],
    )
    results = {engine: answer(store, request) for engine, store in small_stores.items()}
    assert same(results["oxigraph"], results["rdflib"])


FIXTURE_QUERIES = list(QueryCatalog.from_folder(FIXTURES / "queries"))
PROJECT_QUERIES = list(QueryCatalog.from_folder(ROOT / "queries"))


@pytest.mark.parametrize("named", FIXTURE_QUERIES, ids=lambda q: q.name)
def test_fixture_named_queries_agree(small_stores: dict[str, Store], named: Any) -> None:
    request = QueryRequest(named.text, bindings=named.bindings({}))
    results = {engine: answer(store, request) for engine, store in small_stores.items()}
    assert same(results["oxigraph"], results["rdflib"]), results


@pytest.mark.parametrize("named", PROJECT_QUERIES, ids=lambda q: q.name)
@pytest.mark.project
def test_project_named_queries_agree(project_stores: dict[str, Store], named: Any) -> None:
    request = QueryRequest(named.text, bindings=named.bindings({}))
    results = {engine: answer(store, request) for engine, store in project_stores.items()}
    assert same(results["oxigraph"], results["rdflib"]), results
