"""The remote engine as a Store, against a real Virtuoso: same answers as the local engine."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox
import pytest

from graphsvc.errors import (
    QueryEvaluationError,
    QuerySyntaxError,
    RemoteStoreError,
    Unavailable,
)
from graphsvc.load import discover
from graphsvc.queries import QueryCatalog
from graphsvc.store import AskResult, QueryRequest, SelectResult, Store, open_store
from graphsvc.store.remote.bind import bind_parameters
from graphsvc.store.remote.release import default_graph_iri
from graphsvc.store.remote.store import RemoteStore
from tests.query_corpus import CORPUS
from tests.remote.virtuoso import SMALL_RELEASE, Virtuoso
from tests.support import FIXTURES, free_port

BASE = "https://w3id.org/graphsvc/"
XSD = "http://www.w3.org/2001/XMLSchema#"
# DESCRIBE's answer is the store's to choose (SPARQL 1.1, section 16.4); Virtuoso adds the
# triples that point at the resource, oxigraph does not.
COMPARABLE = [q for q in CORPUS if not q.startswith("DESCRIBE")]


def _key(term: Any) -> object:
    if isinstance(term, ox.BlankNode):
        return "_:b"
    if isinstance(term, ox.Literal) and term.datatype.value in (XSD + "integer", XSD + "decimal"):
        return float(term.value)
    return None if term is None else str(term)


def answer(store: Store, request: QueryRequest) -> object:
    """Solutions as a multiset (engines may order ties differently), graphs as triple sets."""
    result = store.query(request)
    if isinstance(result, AskResult):
        return result.value
    if isinstance(result, SelectResult):
        rows = (tuple(sorted(zip(result.variables, map(_key, row), strict=True)))
                for row in result.rows)
        return sorted(result.variables), collections.Counter(rows)
    return collections.Counter(
        tuple(map(_key, (t.subject, t.predicate, t.object))) for t in result.triples
    )


@pytest.fixture(scope="module")
def local() -> Store:
    store = open_store("oxigraph")
    for source in discover([FIXTURES / "small"], base_iri=BASE):
        store.load(source)
    return store


@pytest.fixture(scope="module")
def remote(virtuoso: Virtuoso, remote_small_settings: object) -> Iterator[RemoteStore]:
    store = RemoteStore(virtuoso.config(SMALL_RELEASE))
    yield store
    store.close()


@pytest.mark.parametrize("union", [True, False])
@pytest.mark.parametrize("query", COMPARABLE)
def test_corpus_agrees_with_the_local_engine(
    local: Store, remote: RemoteStore, query: str, union: bool
) -> None:
    request = QueryRequest(query, union_default_graph=union)
    assert answer(remote, request) == answer(local, request)


def test_protocol_dataset_agrees(local: Store, remote: RemoteStore) -> None:
    request = QueryRequest(
        "SELECT ?s ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }",
        default_graph_uris=["http://example.org/g2"],
        named_graph_uris=["http://example.org/g1"],
    )
    assert answer(remote, request) == answer(local, request)


@pytest.mark.parametrize(
    "named", list(QueryCatalog.from_folder(FIXTURES / "queries")), ids=lambda q: q.name
)
@pytest.mark.parametrize("given", [{}, {"person": "http://example.org/bob", "min_age": "40"}])
def test_named_query_parameters_agree(
    local: Store, remote: RemoteStore, named: Any, given: dict[str, str]
) -> None:
    params = {k: v for k, v in given.items() if k in {p.name for p in named.params}}
    request = QueryRequest(named.text, bindings=named.bindings(params))
    assert answer(remote, request) == answer(local, request)


def test_graphs_and_length_are_the_release_only(local: Store, remote: RemoteStore) -> None:
    # Virtuoso's own system graphs are in the store, but not in the release.
    assert remote.graphs() == local.graphs()
    assert len(remote) == len(local) == 14


def test_a_query_is_parsed_here_with_line_and_column(remote: RemoteStore) -> None:
    with pytest.raises(QuerySyntaxError) as caught:
        remote.query(QueryRequest("SELECT * WHERE {\n  ?s ?p \n}"))
    assert caught.value.line == 3
    assert isinstance(caught.value.column, int)


def test_store_specific_pragmas_never_reach_the_store(remote: RemoteStore) -> None:
    # Virtuoso would fetch this URL ("sponging") if the pragma reached it.
    pragma = 'DEFINE get:soft "replace" SELECT * FROM <http://127.0.0.1:9/x> WHERE { ?s ?p ?o }'
    with pytest.raises(QuerySyntaxError):
        remote.query(QueryRequest(pragma))


def test_virtuoso_blank_node_labels_are_read(virtuoso: Virtuoso, remote: RemoteStore) -> None:
    # Virtuoso writes blank nodes as "nodeID://b10001", which is not a blank node label.
    release = "urn:graphsvc-test:bnodes"
    from graphsvc.store.remote.publish import publish

    folder = FIXTURES / "formats"
    publish(discover([folder / "one.ttl"], base_iri=BASE), virtuoso.config(release))
    store = RemoteStore(virtuoso.config(release))
    result = store.query(QueryRequest("SELECT ?s ?o WHERE { ?s ?p ?o FILTER(isBlank(?s)) }"))
    assert isinstance(result, SelectResult)
    rows = list(result.rows)
    store.close()
    local = open_store("oxigraph")
    local.load(discover([folder / "one.ttl"], base_iri=BASE)[0])
    expected = local.query(QueryRequest("SELECT ?s ?o WHERE { ?s ?p ?o FILTER(isBlank(?s)) }"))
    assert isinstance(expected, SelectResult)
    assert len(rows) == len(list(expected.rows))
    assert all(isinstance(row[0], ox.BlankNode) for row in rows)


def test_an_unreachable_store_is_a_remote_store_error() -> None:
    from graphsvc.store.remote.config import RemoteConfig

    store = RemoteStore(RemoteConfig(endpoint=f"http://127.0.0.1:{free_port()}/sparql"))
    with pytest.raises(RemoteStoreError, match="cannot be reached"):
        store.graphs()
    store.close()


def test_wrong_credentials_are_a_remote_store_error(virtuoso: Virtuoso) -> None:
    store = RemoteStore(virtuoso.config(SMALL_RELEASE, password="not-the-password"))
    with pytest.raises(RemoteStoreError, match="refused graphsvc's credentials") as caught:
        store.graphs()
    store.close()
    assert "not-the-password" not in caught.value.message


def test_a_partial_answer_at_the_stores_own_limit_is_not_returned(virtuoso: Virtuoso) -> None:
    # Virtuoso's "anytime" answer: 200 with partial results, flagged only in a header.
    store = RemoteStore(virtuoso.config(SMALL_RELEASE, query_params={"timeout": "300"}))
    cartesian = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
        f"?a{i} ?b{i} ?c{i} ." for i in range(7)
    ) + " }"
    with pytest.raises(Unavailable, match="its own time limit"):
        store.query(QueryRequest(cartesian))
    store.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SELECT ?x WHERE { ?x ?p ?o }", "SELECT ?x WHERE { VALUES (?x) { (<http://e/a>) }  ?x"),
        ("SELECT (EXISTS { ?a ?b ?c } AS ?x) { ?x ?p ?o }", "?x) { VALUES (?x)"),
        ("CONSTRUCT { ?x ?p ?o } WHERE { ?x ?p ?o }", "WHERE { VALUES (?x)"),
        ("# SELECT {\nASK { ?x ?p '{' }", "ASK { VALUES (?x)"),
    ],
)
def test_parameters_are_bound_first_in_the_where_group(text: str, expected: str) -> None:
    assert expected in bind_parameters(text, {"x": ox.NamedNode("http://e/a")})


def test_parameters_need_a_where_group() -> None:
    with pytest.raises(QueryEvaluationError):
        bind_parameters("CONSTRUCT WHERE { ?x ?p ?o }", {"x": ox.NamedNode("http://e/a")})
    with pytest.raises(QueryEvaluationError):
        bind_parameters("DESCRIBE ?x", {"x": ox.NamedNode("http://e/a")})


def test_a_release_without_named_graphs_has_none(virtuoso: Virtuoso) -> None:
    """The protocol dataset of a release loaded from plain files names no graph, and stays so:
    Virtuoso, given only default graphs, would let GRAPH ?g range over every graph it holds."""
    from graphsvc.store.remote.publish import publish

    release = "urn:graphsvc-test:no-named-graphs"
    sources = discover([FIXTURES / "small" / "people.ttl"], base_iri=BASE)
    publish(sources, virtuoso.config(release))
    store = RemoteStore(virtuoso.config(release))
    local = open_store("oxigraph")
    local.load(sources[0])
    try:
        for union in (True, False):
            request = QueryRequest("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", union)
            assert answer(store, request) == answer(local, request) == (["g"], {})
        named_only = QueryRequest(
            "SELECT * WHERE { ?s ?p ?o }", named_graph_uris=[default_graph_iri(release)]
        )
        assert answer(store, named_only) == answer(local, named_only)
    finally:
        store.close()
