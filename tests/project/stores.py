"""The project's files in each engine, loaded directly (not through graphsvc): one named graph
per file, as `graphsvc serve` names them, so the tests' expectations do not depend on the code
they check. Loaded once per test session."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, URIRef

from tests.support import ROOT

GRAPH_BASE = "https://w3id.org/graphsvc/graph/"


def rdf_files() -> list[Path]:
    return sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").glob("*.ttl"))


def graph_iri(path: Path) -> str:
    return GRAPH_BASE + path.relative_to(ROOT).with_suffix("").as_posix()


@cache
def project_oxigraph() -> ox.Store:
    store = ox.Store()
    for path in rdf_files():
        store.load(
            path=str(path), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(graph_iri(path))
        )
    return store


@cache
def project_dataset() -> Dataset:
    dataset = Dataset(default_union=True)
    for path in rdf_files():
        dataset.graph(URIRef(graph_iri(path))).parse(path, format="turtle")
    return dataset
