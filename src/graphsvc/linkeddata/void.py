"""The VoID description of the dataset (https://www.w3.org/TR/void/), served at
``/.well-known/void``: statistics, partitions, access points, vocabularies, licence and shapes.

The dataset is named ``<site>/.well-known/void#dataset``; each named graph is a ``void:subset``
named by its own graph IRI, which the server also serves (``/graph/...``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pyoxigraph as ox

from graphsvc.entailment import ENTAILED_DESCRIPTION, entailed_graph_iri
from graphsvc.linkeddata.iris import RDF_TYPE, SHAPES_IRI
from graphsvc.linkeddata.summary import LINK_TARGETS, DatasetSummary
from graphsvc.namespaces import GS, PREFIXES
from graphsvc.store import GraphInfo

VOID = PREFIXES["void"]
DCTERMS = PREFIXES["dcterms"]
XSD = PREFIXES["xsd"]
FOAF = "http://xmlns.com/foaf/0.1/"
DUMP_NAMES = ["graphsvc.nq", "graphsvc.nq.gz", "graphsvc.trig", "graphsvc.trig.gz"]
VOID_PREFIXES = {"void": VOID, "dcterms": DCTERMS, "xsd": XSD, "foaf": FOAF, "gs": GS}


def _local_name(iri: str) -> str:
    return iri[max(iri.rfind("#"), iri.rfind("/")) + 1 :] or "link"


def _int(value: int) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))


def void_triples(
    summary: DatasetSummary,
    *,
    site: str,
    base_iri: str,
    graphs: Sequence[GraphInfo],
    loaded_at: float,
    has_shapes: bool,
) -> list[ox.Triple]:
    """The VoID graph; ``site`` is the server's own URL, for the access points."""
    dataset = ox.NamedNode(f"{site}/.well-known/void#dataset")
    triples: list[ox.Triple] = []

    def add(subject: ox.NamedNode | ox.BlankNode, predicate: str, obj: object) -> None:
        triples.append(ox.Triple(subject, ox.NamedNode(predicate), obj))  # type: ignore[arg-type]

    add(dataset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
    add(dataset, DCTERMS + "title", ox.Literal(summary.title or "graphsvc knowledge graph"))
    if summary.description:
        add(dataset, DCTERMS + "description", ox.Literal(summary.description))
    if summary.license:
        add(dataset, DCTERMS + "license", ox.NamedNode(summary.license))
    modified = datetime.fromtimestamp(int(loaded_at), UTC).isoformat().replace("+00:00", "Z")
    add(
        dataset, DCTERMS + "modified", ox.Literal(modified, datatype=ox.NamedNode(XSD + "dateTime"))
    )
    add(dataset, FOAF + "homepage", ox.NamedNode(f"{site}/"))
    add(dataset, VOID + "sparqlEndpoint", ox.NamedNode(f"{site}/sparql"))
    for name in DUMP_NAMES:
        add(dataset, VOID + "dataDump", ox.NamedNode(f"{site}/dumps/{name}"))
    add(dataset, VOID + "uriSpace", ox.Literal(f"{base_iri}id/"))
    for vocabulary in sorted({GS, *summary.vocabularies}):
        add(dataset, VOID + "vocabulary", ox.NamedNode(vocabulary))
    if has_shapes:
        add(dataset, DCTERMS + "conformsTo", ox.NamedNode(SHAPES_IRI))
    # What a query of the default graph sees, as the partitions below count it: the entailed
    # graph included (it is also a subset of its own, described as entailed).
    add(dataset, VOID + "triples", _int(summary.triples + summary.entailed_triples))
    add(dataset, VOID + "entities", _int(summary.entities))
    add(dataset, VOID + "distinctSubjects", _int(summary.distinct_subjects))
    add(dataset, VOID + "distinctObjects", _int(summary.distinct_objects))
    add(dataset, VOID + "classes", _int(len(summary.classes)))
    add(dataset, VOID + "properties", _int(len(summary.properties)))
    for count in summary.classes:
        part = ox.BlankNode()
        add(dataset, VOID + "classPartition", part)
        add(part, VOID + "class", ox.NamedNode(count.iri))
        add(part, VOID + "entities", _int(count.count))
    for count in summary.properties:
        part = ox.BlankNode()
        add(dataset, VOID + "propertyPartition", part)
        add(part, VOID + "property", ox.NamedNode(count.iri))
        add(part, VOID + "triples", _int(count.count))
    example = next((c.iri for c in summary.claimants if c.iri.startswith(base_iri + "id/")), None)
    if example:
        add(dataset, VOID + "exampleResource", ox.NamedNode(example))
    for linkset in summary.linksets:
        # One linkset per target and link predicate: VoID's void:linkPredicate is single-valued.
        node = ox.NamedNode(
            f"{site}/.well-known/void#links-{linkset.target}-{_local_name(linkset.predicate)}"
        )
        target = ox.NamedNode(f"{site}/.well-known/void#{linkset.target}")
        add(dataset, VOID + "subset", node)
        add(node, RDF_TYPE, ox.NamedNode(VOID + "Linkset"))
        add(node, VOID + "subjectsTarget", dataset)
        add(node, VOID + "objectsTarget", target)
        add(node, VOID + "linkPredicate", ox.NamedNode(linkset.predicate))
        add(node, VOID + "triples", _int(linkset.count))
        add(target, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        add(target, DCTERMS + "title", ox.Literal(linkset.target))
        add(target, VOID + "uriSpace", ox.Literal(LINK_TARGETS[linkset.target]))
    for graph in graphs:
        if graph.name is None:
            continue
        subset = ox.NamedNode(graph.name)
        add(dataset, VOID + "subset", subset)
        add(subset, RDF_TYPE, ox.NamedNode(VOID + "Dataset"))
        add(subset, VOID + "triples", _int(graph.triples))
        if graph.name == entailed_graph_iri(base_iri):
            add(subset, DCTERMS + "description", ox.Literal(ENTAILED_DESCRIPTION, language="en"))
    return triples
