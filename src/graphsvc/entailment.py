"""RDFS entailment, materialised into a named graph of its own.

The ontology maps its terms to the vocabularies other data sets use (schema.org, PROV, W3C ORG,
SKOS, SEM) with ``rdfs:subClassOf`` and ``rdfs:subPropertyOf``; the data carry only their most
specific ``gs:`` class and property. So that a user can ask with the general terms
(``?x a schema:Place``, ``?c prov:wasAttributedTo ?who``), the closure of those two relations
over the served data is computed once per load (and per reload) and kept in the graph
``<base>graph/entailed``, which the union default graph includes like any other. What was
asserted stays where it was: a curator tells the two apart with ``GRAPH``, and
``--no-entailment`` serves the asserted triples alone.

What is entailed, and why only that:

- rdfs7 and rdfs5: ``?s ?q ?o`` for every ``?s ?p ?o`` where ``?p rdfs:subPropertyOf+ ?q``;
- rdfs9 and rdfs11: ``?x a ?super`` for every ``?x a ?c`` where ``?c rdfs:subClassOf+ ?super``,
  over the asserted types and those the first step added.

Both only generalise what a statement already says, so they cannot introduce a claim the data
do not make, and they cost two queries. ``rdfs:domain`` and ``rdfs:range`` (rdfs2, rdfs3) are
left out on purpose: they type every subject and object of a property, which turns one mistaken
link into a mistaken class membership, and schema.org-style ranges would type literals'
neighbours wholesale. OWL (``owl:equivalentClass``, ``owl:inverseOf``, ``owl:sameAs``) is out too:
an OWL reasoner's cost and its surprises are not what a publishing service should impose.

The closure is computed by the engine itself (SPARQL over the store just loaded), so it is the
same on every local engine; oxigraph writes and reloads it without a Python object per triple.
Asserted triples are never repeated in it. Its cost at scale is in bench/RESULTS-entailment.md.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graphsvc.load import SourceFile
from graphsvc.store.base import GraphResult, QueryRequest, SelectResult, Store
from graphsvc.store.oxigraph import OxigraphStore

log = logging.getLogger(__name__)

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

HIERARCHY = {
    "subPropertyOf": f"SELECT DISTINCT ?sub ?super WHERE {{ ?sub <{RDFS}subPropertyOf>+ ?super "
    "FILTER(isIRI(?sub) && isIRI(?super) && ?sub != ?super) }",
    "subClassOf": f"SELECT DISTINCT ?sub ?super WHERE {{ ?sub <{RDFS}subClassOf>+ ?super "
    "FILTER(isIRI(?sub) && isIRI(?super) && ?sub != ?super) }",
}


def _values(pairs: list[tuple[ox.NamedNode, ox.NamedNode]]) -> str:
    return " ".join(f"({sub} {sup})" for sub, sup in pairs)


def subproperty_closure(pairs: list[tuple[ox.NamedNode, ox.NamedNode]]) -> str:
    """rdfs7: a triple of a property, restated with each of its superproperties."""
    return (
        f"CONSTRUCT {{ ?s ?super ?o }} WHERE {{ VALUES (?sub ?super) {{ {_values(pairs)} }} "
        "?s ?sub ?o FILTER NOT EXISTS { ?s ?super ?o } }"
    )


def subclass_closure(pairs: list[tuple[ox.NamedNode, ox.NamedNode]]) -> str:
    """rdfs9: an instance of a class, typed with each of its superclasses."""
    return (
        f"CONSTRUCT {{ ?x <{RDF_TYPE}> ?super }} WHERE {{ VALUES (?sub ?super) "
        f"{{ {_values(pairs)} }} ?x <{RDF_TYPE}> ?sub FILTER NOT EXISTS "
        f"{{ ?x <{RDF_TYPE}> ?super }} }}"
    )


ENTAILED_DESCRIPTION = (
    "Entailed, not asserted: the RDFS closure of rdfs:subClassOf and rdfs:subPropertyOf over "
    "the other graphs, computed when the data were loaded."
)


def entailed_graph_iri(base_iri: str) -> str:
    return f"{base_iri}graph/entailed"


@dataclass(frozen=True)
class Entailed:
    graph: str
    triples: int
    seconds: float


def materialise(store: Store, graph: str) -> Entailed:
    """Add the RDFS closure of the store's data to ``graph`` (see the module docstring).

    The hierarchies are small (the ontology's terms): they are closed first (rdfs5, rdfs11) and
    handed to the data queries as VALUES, so the engine joins the data with a table instead of
    walking a property path for every triple.
    """
    started = time.perf_counter()
    added = 0
    hierarchy = {name: _pairs(store, query) for name, query in HIERARCHY.items()}
    # Subproperties first: a property's generalisation may be rdf:type, whose classes the
    # second step then closes.
    steps = (
        (hierarchy["subPropertyOf"], subproperty_closure),
        (hierarchy["subClassOf"], subclass_closure),
    )
    for pairs, closure in steps:
        if not pairs:
            continue
        if isinstance(store, OxigraphStore):
            added += store.materialise(closure(pairs), graph)
            continue
        result = store.query(QueryRequest(closure(pairs), union_default_graph=True))
        if not isinstance(result, GraphResult):
            raise TypeError("an entailment query must answer a graph")
        triples = list(result.triples)
        if triples:
            added += _add(store, graph, triples)
    if added:
        added = _count(store, graph)
    seconds = time.perf_counter() - started
    log.info("entailed %d triples into <%s> in %.2f s", added, graph, seconds)
    return Entailed(graph, added, seconds)


def _count(store: Store, graph: str) -> int:
    result = store.query(
        QueryRequest(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    )
    if not isinstance(result, SelectResult):
        raise TypeError("a count must answer solutions")
    (count,) = next(iter(result.rows))
    return int(count.value) if isinstance(count, ox.Literal) else 0


def _pairs(store: Store, query: str) -> list[tuple[ox.NamedNode, ox.NamedNode]]:
    result = store.query(QueryRequest(query, union_default_graph=True))
    if not isinstance(result, SelectResult):
        raise TypeError("a hierarchy query must answer solutions")
    return [
        (sub, sup)
        for sub, sup in result.rows
        if isinstance(sub, ox.NamedNode) and isinstance(sup, ox.NamedNode)
    ]


def _add(store: Store, graph: str, triples: list[ox.Triple]) -> int:
    """Load triples into a graph through the engine's own loader (every engine has one)."""
    with tempfile.TemporaryDirectory(prefix="graphsvc-entailed-") as folder:
        path = Path(folder) / "entailed.nt"
        with path.open("wb") as out:
            ox.serialize(triples, out, format=ox.RdfFormat.N_TRIPLES)
        source = SourceFile(
            path=path, format=ox.RdfFormat.N_TRIPLES, graph=ox.NamedNode(graph), base_iri=graph
        )
        return store.load(source)
