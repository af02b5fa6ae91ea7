"""A tree → the named graphs ``graphsvc serve`` would load from it.

The files, their formats, graph IRIs and base IRIs come from the loader itself
(``graphsvc.load.discover`` and ``parse_quads``), so the diff compares exactly what would be
served: a file's triples in its own named graph, quads in the graphs they name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, URIRef
from rdflib.term import Node

from graphsvc.load import discover, parse_quads
from graphsvc.review.revision import PROJECT_FOLDERS, Tree
from graphsvc.store.rdflib import to_rdflib

DEFAULT_GRAPH = URIRef("urn:x-arq:DefaultGraph")
"""The default graph's name in RDF Patch and in reports (Jena's convention)."""


@dataclass
class Snapshot:
    """One side of a diff: its graphs by name, and the file each came from."""

    label: str
    graphs: dict[URIRef, Graph] = field(default_factory=dict)
    files: dict[URIRef, str] = field(default_factory=dict)
    """Graph → the file (relative to the tree) whose triples it holds."""

    def union(self) -> Graph:
        merged = Graph()
        for graph in self.graphs.values():
            for triple in graph:
                merged.add(triple)
        return merged


def source_paths(root: Path) -> list[Path]:
    """What the loader serves from a project root: ``ontology/`` and ``data/``; a folder with
    neither is read whole (each file still its own named graph)."""
    folders = [root / name for name in PROJECT_FOLDERS if (root / name).is_dir()]
    return folders or [root]


def read_snapshot(tree: Tree, *, base_iri: str) -> Snapshot:
    """Parse every file of the tree; a file that does not parse raises ``RDFSyntaxError``."""
    snapshot = Snapshot(tree.label)
    sources = discover(source_paths(tree.root), base_iri=base_iri, project_root=tree.root)
    for source in sources:
        relative = source.path.resolve().relative_to(tree.root.resolve()).as_posix()
        for quad in parse_quads(source):
            name = quad.graph_name
            graph_iri = URIRef(name.value) if hasattr(name, "value") else DEFAULT_GRAPH
            graph = snapshot.graphs.get(graph_iri)
            if graph is None:
                graph = snapshot.graphs[graph_iri] = Graph(identifier=graph_iri)
                snapshot.files[graph_iri] = relative
            triple: tuple[Node, Node, Node] = (
                to_rdflib(quad.subject),
                to_rdflib(quad.predicate),
                to_rdflib(quad.object),
            )
            graph.add(triple)
    return snapshot


__all__ = ["DEFAULT_GRAPH", "Snapshot", "read_snapshot", "source_paths"]
