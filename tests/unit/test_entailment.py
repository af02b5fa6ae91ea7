"""RDFS entailment (entailment.py): the closure of subclasses and subproperties, in its own
graph, the same on every local engine, never repeating what was asserted."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from graphsvc.service import ServiceOptions, build_service
from graphsvc.store.base import GraphResult, QueryRequest
from graphsvc.store.oxigraph import OxigraphStore

BASE = "https://example.org/"
ENTAILED = f"{BASE}graph/entailed"
DATA = """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <https://example.org/ns#> .
@prefix s: <http://schema.org/> .
ex:Town rdfs:subClassOf ex:Place .
ex:Place rdfs:subClassOf s:Place .
ex:Place rdfs:subClassOf <http://www.w3.org/2002/07/owl#Thing> .
s:Place rdfs:subClassOf rdfs:Resource .
ex:claimant rdfs:subPropertyOf ex:attributedTo .
ex:attributedTo rdfs:subPropertyOf <http://www.w3.org/ns/prov#wasAttributedTo> .
ex:kind rdfs:subPropertyOf <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> .
<https://example.org/id/kursk> a ex:Town ; a s:Place .
<https://example.org/id/claim> ex:claimant <https://example.org/id/nis> .
<https://example.org/id/thing> ex:kind ex:Town .
"""


def _service(tmp_path: Path, engine: str, entailment: bool = True, project: bool = True):  # type: ignore[no-untyped-def]
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "data.ttl").write_text(DATA)
    return build_service(
        [tmp_path / "ontology"],
        engine=engine,
        options=ServiceOptions(base_iri=BASE, entailment=entailment),
        project_root=tmp_path if project else None,
    )


def _entailed(service) -> set[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    result = service.store.query(
        QueryRequest(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ENTAILED}> {{ ?s ?p ?o }} }}")
    )
    assert isinstance(result, GraphResult)
    return {(t.subject.value, t.predicate.value, t.object.value) for t in result.triples}  # type: ignore[union-attr]


EX = "https://example.org/ns#"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PROV = "http://www.w3.org/ns/prov#wasAttributedTo"
EXPECTED = {
    # subclasses: kursk was asserted a s:Place already, so only ex:Place is new
    ("https://example.org/id/kursk", TYPE, EX + "Place"),
    # subproperties, two steps
    ("https://example.org/id/claim", EX + "attributedTo", "https://example.org/id/nis"),
    ("https://example.org/id/claim", PROV, "https://example.org/id/nis"),
    # a subproperty of rdf:type gives a type, whose superclasses follow
    ("https://example.org/id/thing", TYPE, EX + "Town"),
    ("https://example.org/id/thing", TYPE, EX + "Place"),
    ("https://example.org/id/thing", TYPE, "http://schema.org/Place"),
}


@pytest.mark.parametrize("project", [True, False], ids=["named-graphs", "default-graph"])
@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_the_closure_is_exactly_the_new_triples(tmp_path: Path, engine: str, project: bool) -> None:
    service = _service(tmp_path, engine, project=project)
    # The ontology's own subclass chain types nothing: ex:Town is a class, not an instance.
    # Nothing is typed owl:Thing or rdfs:Resource: every resource is.
    assert _entailed(service) == EXPECTED
    graphs = {g.name: g.triples for g in service.graphs}
    assert graphs[ENTAILED] == len(EXPECTED)
    # The graphs' counts add up to what a query of the union default graph counts.
    result = service.store.query(QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    (count,) = next(iter(result.rows))  # type: ignore[union-attr]
    assert service.triple_count == int(count.value) == sum(graphs.values())


def test_the_union_default_graph_gives_a_triple_once_per_graph() -> None:
    """Why the entailed graph never repeats an asserted triple: oxigraph's union default graph
    is a union of the graphs, not their merge, so a repeated triple would be counted twice."""
    store = OxigraphStore()
    triple = "<https://example.org/a> <https://example.org/p> <https://example.org/b>"
    store.insert(f"INSERT DATA {{ GRAPH <{BASE}one> {{ {triple} }} }}", f"{BASE}one")
    store.insert(f"INSERT DATA {{ GRAPH <{BASE}two> {{ {triple} }} }}", f"{BASE}two")
    result = store.query(QueryRequest("SELECT * WHERE { ?s ?p ?o }"))
    assert len(list(result.rows)) == 2  # type: ignore[union-attr]
    assert [(g.name, g.triples) for g in store.graphs()] == [
        (None, 0),
        (f"{BASE}one", 1),
        (f"{BASE}two", 1),
    ]


def test_turned_off_nothing_is_entailed(tmp_path: Path) -> None:
    service = _service(tmp_path, "oxigraph", entailment=False)
    assert _entailed(service) == set()
    assert ENTAILED not in {g.name for g in service.graphs}


def test_asserted_triples_stay_in_their_graph(tmp_path: Path) -> None:
    service = _service(tmp_path, "oxigraph")
    result = service.store.query(
        QueryRequest(
            "SELECT ?g WHERE { GRAPH ?g { <https://example.org/id/kursk> a "
            "<http://schema.org/Place> } }"
        )
    )
    graphs = [row[0] for row in result.rows]  # type: ignore[union-attr]
    assert graphs == [ox.NamedNode(f"{BASE}graph/ontology/data")]
