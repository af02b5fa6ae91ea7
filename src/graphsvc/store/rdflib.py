"""The reference engine: an rdflib Dataset.

Slower than oxigraph, but pure Python, so it is where custom functions can be prototyped, and a
second opinion in the differential tests.
"""

from __future__ import annotations

from typing import Any

import pyoxigraph as ox
import rdflib.plugins.sparql as rdflib_sparql
from pyparsing import ParseException
from rdflib.graph import Dataset, Graph
from rdflib.query import Result
from rdflib.term import BNode, Identifier, Literal, URIRef

from graphsvc.errors import QuerySyntaxError
from graphsvc.load import SourceFile, parse_quads
from graphsvc.store.base import (
    AskResult,
    GraphInfo,
    GraphResult,
    QueryRequest,
    QueryResult,
    SelectResult,
    Term,
)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Identifier:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise ValueError("the rdflib engine does not support RDF 1.2 triple terms")


def from_rdflib(term: Identifier) -> Term:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None and str(term.datatype) != RDF_LANG_STRING:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise ValueError(f"unsupported rdflib term {term!r}")


def _solution(row: Any, width: int) -> tuple[Term | None, ...]:
    return tuple(None if row[i] is None else from_rdflib(row[i]) for i in range(width))


class RdflibStore:
    engine = "rdflib"

    def __init__(self) -> None:
        # rdflib would otherwise fetch the IRI of a FROM graph from the web.
        rdflib_sparql.SPARQL_LOAD_GRAPHS = False
        self._dataset = Dataset()

    def load(self, source: SourceFile) -> int:
        count = 0
        for quad in parse_quads(source):
            graph_name = quad.graph_name
            context = (
                self._dataset.default_graph
                if isinstance(graph_name, ox.DefaultGraph)
                else self._dataset.graph(to_rdflib(graph_name))
            )
            context.add(
                (to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object))
            )
            count += 1
        if source.graph is not None:
            self._dataset.graph(to_rdflib(source.graph))  # an empty file still names its graph
        return count

    def _protocol_dataset(self, request: QueryRequest) -> Dataset:
        """A dataset made of the graphs `default-graph-uri` and `named-graph-uri` name."""
        dataset = Dataset()
        for iri in request.default_graph_uris:
            for triple in self._dataset.graph(URIRef(iri)):
                dataset.default_graph.add(triple)
        for iri in request.named_graph_uris:
            named = dataset.graph(URIRef(iri))
            for triple in self._dataset.graph(URIRef(iri)):
                named.add(triple)
        return dataset

    def query(self, request: QueryRequest) -> QueryResult:
        target = self._dataset
        union = request.union_default_graph
        if request.has_protocol_dataset:
            target = self._protocol_dataset(request)
            union = False
        # The union switch is a module global in rdflib; each query worker is single-threaded.
        # rdflib reads the global when the query's context is built, inside query(); it is put
        # back afterwards so other rdflib users in the same process are not affected.
        previous = rdflib_sparql.SPARQL_DEFAULT_GRAPH_UNION
        rdflib_sparql.SPARQL_DEFAULT_GRAPH_UNION = union
        target.default_union = union
        bindings = {name: to_rdflib(term) for name, term in request.bindings.items()}
        try:
            result: Result = target.query(request.text, initBindings=bindings)
        except ParseException as exc:
            raise QuerySyntaxError(f"{exc.msg} ({exc})", exc.lineno, exc.col) from None
        except Exception as exc:  # rdflib raises bare Exceptions for some malformed queries
            raise QuerySyntaxError(str(exc)) from None
        finally:
            rdflib_sparql.SPARQL_DEFAULT_GRAPH_UNION = previous
        if result.type == "ASK":
            return AskResult(bool(result.askAnswer))
        if result.type == "SELECT":
            variables = [str(v) for v in (result.vars or [])]
            return SelectResult(variables, (_solution(row, len(variables)) for row in result))
        graph = result.graph if result.graph is not None else Graph()
        return GraphResult(
            ox.Triple(from_rdflib(s), from_rdflib(p), from_rdflib(o))  # type: ignore[arg-type]
            for s, p, o in graph
        )

    def graphs(self) -> list[GraphInfo]:
        default = len(self._dataset.default_graph)
        named = sorted(
            (str(g.identifier), len(g))
            for g in self._dataset.graphs()
            if g.identifier != self._dataset.default_graph.identifier
            and isinstance(g.identifier, URIRef)
        )
        return [GraphInfo(None, default)] + [GraphInfo(name, n) for name, n in named]

    def __len__(self) -> int:
        return sum(1 for _ in self._dataset.quads((None, None, None, None)))

    def prepare_for_worker(self) -> RdflibStore:
        return self


__all__ = ["RdflibStore", "from_rdflib", "to_rdflib"]
