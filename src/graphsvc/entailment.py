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
Types in ``owl:Thing`` and ``rdfs:Resource`` are not written either, though an ontology names
them as superclasses: every resource is in both (rdfs4 and OWL's semantics), so they tell a
query nothing, and they would add one triple per typed resource (7% of the closure of the
benchmark's data).

Asserted triples are never repeated in it. That is not only tidiness: oxigraph's union default
graph gives a triple once per graph that holds it, so a repeated triple would come back twice
from ``SELECT`` over the default graph and be counted twice (the graph list's counts sum to what
such a query counts). The check costs a lookup per derived triple, so it is made only for the
superproperties and superclasses that the data already use; for the others no derived triple
can be an asserted one.

The closure is computed by the engine itself (SPARQL over the store just loaded), so it is the
same on every local engine; oxigraph adds it with one ``INSERT`` per step, without a Python
object per triple. With no hierarchy in the data (a file served without an ontology), it costs
the two hierarchy queries and nothing else. Its cost at scale is in bench/RESULTS-entailment.md.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypeAlias

import pyoxigraph as ox

from graphsvc.load import SourceFile
from graphsvc.store.base import GraphResult, QueryRequest, SelectResult, Store
from graphsvc.store.oxigraph import OxigraphStore

log = logging.getLogger(__name__)

RDFS = "http://www.w3.org/2000/01/rdf-schema#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
EVERYTHING = frozenset({"http://www.w3.org/2002/07/owl#Thing", f"{RDFS}Resource"})
"""The classes every resource is in: no type in them is written (see the module docstring)."""

HIERARCHY = {
    "subPropertyOf": f"SELECT DISTINCT ?sub ?super WHERE {{ ?sub <{RDFS}subPropertyOf>+ ?super "
    "FILTER(isIRI(?sub) && isIRI(?super) && ?sub != ?super) }",
    "subClassOf": f"SELECT DISTINCT ?sub ?super WHERE {{ ?sub <{RDFS}subClassOf>+ ?super "
    "FILTER(isIRI(?sub) && isIRI(?super) && ?sub != ?super) }",
}


Pairs: TypeAlias = list[tuple[ox.NamedNode, ox.NamedNode]]


def _values(pairs: Pairs) -> str:
    return " ".join(f"({sub} {sup})" for sub, sup in pairs)


def _anywhere(pattern: str, graph: str, anywhere: bool) -> str:
    """``pattern`` in any graph: the default graph's or, with ``anywhere``, a named one's (an
    update has no union default graph; a query asks for one instead)."""
    if not anywhere:
        return pattern
    return f"{{ {pattern} }} UNION {{ GRAPH {graph} {{ {pattern} }} }}"


def _where(pairs: Pairs, asserted: str, derived: str, *, checked: bool, anywhere: bool) -> str:
    where = f"VALUES (?sub ?super) {{ {_values(pairs)} }} {_anywhere(asserted, '?g', anywhere)}"
    if checked:
        where += f" FILTER NOT EXISTS {{ {_anywhere(derived, '?h', anywhere)} }}"
    return where


def subproperty_closure(pairs: Pairs, *, checked: bool = True, into: str | None = None) -> str:
    """rdfs7: a triple of a property, restated with each of its superproperties. A CONSTRUCT over
    the union default graph; with ``into``, an update adding to that graph."""
    where = _where(pairs, "?s ?sub ?o", "?s ?super ?o", checked=checked, anywhere=bool(into))
    if into:
        return f"INSERT {{ GRAPH <{into}> {{ ?s ?super ?o }} }} WHERE {{ {where} }}"
    return f"CONSTRUCT {{ ?s ?super ?o }} WHERE {{ {where} }}"


def subclass_closure(pairs: Pairs, *, checked: bool = True, into: str | None = None) -> str:
    """rdfs9: an instance of a class, typed with each of its superclasses."""
    where = _where(
        pairs,
        f"?s <{RDF_TYPE}> ?sub",
        f"?s <{RDF_TYPE}> ?super",
        checked=checked,
        anywhere=bool(into),
    )
    if into:
        return f"INSERT {{ GRAPH <{into}> {{ ?s <{RDF_TYPE}> ?super }} }} WHERE {{ {where} }}"
    return f"CONSTRUCT {{ ?s <{RDF_TYPE}> ?super }} WHERE {{ {where} }}"


class Closure(Protocol):
    def __call__(self, pairs: Pairs, *, checked: bool = True, into: str | None = None) -> str: ...


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
    steps: tuple[tuple[str, int, float], ...] = ()
    """What each step added and took: the hierarchies, then each closure (bench/entailment.py)."""


def materialise(store: Store, graph: str) -> Entailed:
    """Add the RDFS closure of the store's data to ``graph`` (see the module docstring).

    The hierarchies are small (the ontology's terms): they are closed first (rdfs5, rdfs11) and
    handed to the data queries as VALUES, so the engine joins the data with a table instead of
    walking a property path for every triple.
    """
    started = time.perf_counter()
    added = 0
    hierarchy = {name: _pairs(store, query) for name, query in HIERARCHY.items()}
    classes = [(sub, sup) for sub, sup in hierarchy["subClassOf"] if sup.value not in EVERYTHING]
    steps = [("hierarchies", 0, time.perf_counter() - started)]
    # Subproperties first: a property's generalisation may be rdf:type, whose classes the
    # second step then closes.
    closures = (
        ("subproperties", hierarchy["subPropertyOf"], subproperty_closure, "?s ?t ?o"),
        ("subclasses", classes, subclass_closure, f"?s <{RDF_TYPE}> ?t"),
    )
    for name, pairs, closure, used in closures:
        if not pairs:
            continue
        # Only a term the data use can make a derived triple one that was asserted.
        in_use = _in_use(store, {sup for _, sup in pairs}, used)
        for checked in (True, False):
            subset = [(sub, sup) for sub, sup in pairs if (sup in in_use) is checked]
            if subset:
                step = time.perf_counter()
                count = _derive(store, graph, closure, subset, checked)
                label = f"{name}, {'checked' if checked else 'unchecked'} ({len(subset)} pairs)"
                steps.append((label, count, time.perf_counter() - step))
                added += count
    if added and not isinstance(store, OxigraphStore):
        added = _count(store, graph)
    seconds = time.perf_counter() - started
    log.info("entailed %d triples into <%s> in %.2f s", added, graph, seconds)
    return Entailed(graph, added, seconds, tuple(steps))


def _derive(store: Store, graph: str, closure: Closure, pairs: Pairs, checked: bool) -> int:
    if isinstance(store, OxigraphStore):
        return store.insert(closure(pairs, checked=checked, into=graph), graph)
    result = store.query(QueryRequest(closure(pairs, checked=checked), union_default_graph=True))
    if not isinstance(result, GraphResult):
        raise TypeError("an entailment query must answer a graph")
    triples = list(result.triples)
    return _add(store, graph, triples) if triples else 0


def _in_use(store: Store, terms: set[ox.NamedNode], pattern: str) -> set[ox.NamedNode]:
    """Which of ``terms`` (bound to ``?t`` in ``pattern``) the data use, in any graph."""
    values = " ".join(str(term) for term in sorted(terms, key=lambda t: t.value))
    query = f"SELECT ?t WHERE {{ VALUES ?t {{ {values} }} FILTER EXISTS {{ {pattern} }} }}"
    result = store.query(QueryRequest(query, union_default_graph=True))
    if not isinstance(result, SelectResult):
        raise TypeError("a query of terms must answer solutions")
    return {term for (term,) in result.rows if isinstance(term, ox.NamedNode)}


def _count(store: Store, graph: str) -> int:
    result = store.query(
        QueryRequest(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    )
    if not isinstance(result, SelectResult):
        raise TypeError("a count must answer solutions")
    (count,) = next(iter(result.rows))
    return int(count.value) if isinstance(count, ox.Literal) else 0


def _pairs(store: Store, query: str) -> Pairs:
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
