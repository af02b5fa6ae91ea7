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

The closure is computed by the engine itself (two SPARQL CONSTRUCT queries over the store just
loaded), so it is the same on every local engine. Asserted triples are never repeated in it.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graphsvc.load import SourceFile
from graphsvc.store.base import GraphResult, QueryRequest, Store

log = logging.getLogger(__name__)

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

SUBPROPERTY_CLOSURE = f"""
CONSTRUCT {{ ?s ?q ?o }} WHERE {{
  ?p <{RDFS}subPropertyOf>+ ?q .
  FILTER(isIRI(?q) && ?q != ?p)
  ?s ?p ?o .
  FILTER NOT EXISTS {{ ?s ?q ?o }}
}}"""

SUBCLASS_CLOSURE = f"""
CONSTRUCT {{ ?x <{RDF_TYPE}> ?super }} WHERE {{
  ?x <{RDF_TYPE}> ?class .
  ?class <{RDFS}subClassOf>+ ?super .
  FILTER(isIRI(?super) && ?super != ?class)
  FILTER NOT EXISTS {{ ?x <{RDF_TYPE}> ?super }}
}}"""


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
    """Add the RDFS closure of the store's data to ``graph`` (see the module docstring)."""
    started = time.perf_counter()
    added = 0
    # Subproperties first: a property's generalisation may be rdf:type, whose classes the
    # second step then closes.
    for query in (SUBPROPERTY_CLOSURE, SUBCLASS_CLOSURE):
        result = store.query(QueryRequest(query, union_default_graph=True))
        if not isinstance(result, GraphResult):
            raise TypeError("an entailment query must answer a graph")
        triples = list(result.triples)
        if triples:
            added += _add(store, graph, triples)
    seconds = time.perf_counter() - started
    log.info("entailed %d triples into <%s> in %.2f s", added, graph, seconds)
    return Entailed(graph, added, seconds)


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
