"""The release a remote store serves: its manifest, and the protocol dataset a query is sent with.

What the remote store serves is a *release*: the graphs that ``graphsvc load --to`` published,
listed in a small manifest graph (see ``publish``). Every query that does not name its own
dataset gets the release's graphs as its protocol dataset, so a store that also holds other
data (Virtuoso's system graphs, another project's release) answers exactly as the local engines
do, union default graph included. Without a manifest the store's own default dataset is used as
it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph as ox

from graphsvc.store.base import QueryRequest, Term

REL = "https://w3id.org/graphsvc/release#"
"""The manifest vocabulary: rel:Release, rel:version, rel:graph, rel:defaultGraph."""
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
NO_GRAPH = "urn:graphsvc:no-graph"
"""A graph IRI that names nothing: an empty part of a protocol dataset (see ``dataset_for``)."""


@dataclass(frozen=True)
class Release:
    """What one ``graphsvc load --to`` published: the graphs a query sees."""

    iri: str
    version: str
    graphs: tuple[str, ...]
    """The named graphs, sorted."""
    default_graph: str
    """The remote named graph that holds the triples of the default graph."""

    @property
    def all_graphs(self) -> tuple[str, ...]:
        return (self.default_graph, *self.graphs)


def default_graph_iri(release: str) -> str:
    """Where a release keeps its default graph: stores differ on having one (Virtuoso has none)."""
    return f"{release}/default-graph"


def manifest_query(iri: str) -> str:
    """The SELECT that reads the manifest of the release ``iri`` (rows: predicate, value)."""
    return f"SELECT ?p ?o WHERE {{ GRAPH <{iri}> {{ <{iri}> ?p ?o }} }}"


def release_from(iri: str, rows: Iterable[tuple[Term | None, ...]]) -> Release | None:
    """The release described by the rows of ``manifest_query(iri)``; None if there is none."""
    version, default, graphs, typed = "", default_graph_iri(iri), [], False
    for predicate, value in rows:
        if not isinstance(predicate, ox.NamedNode) or value is None:
            continue
        if predicate.value == RDF_TYPE and getattr(value, "value", "") == REL + "Release":
            typed = True
        elif predicate.value == REL + "version" and isinstance(value, ox.Literal):
            version = value.value
        elif predicate.value == REL + "defaultGraph" and isinstance(value, ox.NamedNode):
            default = value.value
        elif predicate.value == REL + "graph" and isinstance(value, ox.NamedNode):
            graphs.append(value.value)
    if not typed:
        return None
    return Release(iri, version, tuple(sorted(graphs)), default)


def dataset_for(
    request: QueryRequest, release: Release | None, has_dataset_clause: bool
) -> list[tuple[str, str]]:
    """The protocol dataset to send: the request's, or the release's graphs.

    A dataset with default graphs and no named graphs (a release loaded from plain files) is
    sent with one named graph that no store holds: the SPARQL 1.1 Protocol gives such a
    dataset no named graphs, but Virtuoso would let ``GRAPH ?g`` range over every graph it
    has. Likewise for named graphs without a default graph.
    """
    if request.has_protocol_dataset:
        default, named = list(request.default_graph_uris), list(request.named_graph_uris)
    else:
        if has_dataset_clause or release is None:
            return []
        default = list(release.all_graphs if request.union_default_graph
                       else (release.default_graph,))  # fmt: skip
        named = list(release.graphs)
    return [("default-graph-uri", iri) for iri in default or [NO_GRAPH]] + [
        ("named-graph-uri", iri) for iri in named or [NO_GRAPH]
    ]


__all__ = [
    "NO_GRAPH",
    "REL",
    "Release",
    "dataset_for",
    "default_graph_iri",
    "manifest_query",
    "release_from",
]
