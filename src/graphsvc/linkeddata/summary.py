"""What the dataset holds, for the home page and VoID: counts, class and property partitions,
claimants, and the ontology and shapes documents.

The data are immutable while a service runs, so each of these is computed once, on first use,
by queries in the query workers (the parent never touches the store after start), and kept.
Computing them lazily keeps start-up as fast as loading: a large graph costs its statistics only
when someone asks for them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pyoxigraph as ox

from graphsvc.linkeddata.describe import construct, labels_query
from graphsvc.linkeddata.iris import GS_CLAIM, ONTOLOGY_IRI, RDF_TYPE
from graphsvc.linkeddata.jsonld import build_context
from graphsvc.namespaces import GS, GSH, PREFIXES
from graphsvc.service import GraphService

OWL = PREFIXES["owl"]
SH = PREFIXES["sh"]
DCTERMS = PREFIXES["dcterms"]
VOID = PREFIXES["void"]
DCAT = "http://www.w3.org/ns/dcat#"
JSON_RESULTS = "application/sparql-results+json"
T = TypeVar("T")


@dataclass(frozen=True)
class Count:
    iri: str
    count: int


# The data sets other data sets link to, by the IRI space of their resources (VoID linksets).
LINK_TARGETS = {
    "Wikidata": "http://www.wikidata.org/entity/",
    "GeoNames": "https://sws.geonames.org/",
}


@dataclass
class Linkset:
    target: str
    """The name of the target in ``LINK_TARGETS``."""
    predicate: str
    count: int


@dataclass
class DatasetSummary:
    triples: int
    named_graphs: int
    distinct_subjects: int
    distinct_objects: int
    entities: int
    claims: int
    classes: list[Count]
    data_classes: list[Count]
    """The classes of the resources in the data's IRI space (not of the ontology's own terms)."""
    properties: list[Count]
    claimants: list[Count]
    labels: list[ox.Triple]
    """Label triples of every class, property and claimant listed above."""
    title: str | None = None
    description: str | None = None
    license: str | None = None
    vocabularies: list[str] = field(default_factory=list)
    entailed_triples: int = 0
    """Triples of the entailed graph, not counted in ``triples`` (see entailment.py)."""
    linksets: list[Linkset] = field(default_factory=list)
    """Links to the data sets in ``LINK_TARGETS``, by target and link predicate."""


def namespace_of(iri: str) -> str:
    """The namespace part of an IRI: up to its last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[: cut + 1] if cut >= 0 else iri


def rows(body: bytes) -> list[dict[str, str]]:
    """SPARQL JSON results → one dict of variable → value (IRI or lexical form) per row."""
    data = json.loads(body)
    return [
        {var: binding["value"] for var, binding in row.items()}
        for row in data["results"]["bindings"]
    ]


async def select(service: GraphService, text: str) -> list[dict[str, str]]:
    result = await service.run(text, JSON_RESULTS, union_default_graph=True)
    return rows(result.body)


def _int(row: dict[str, str], key: str) -> int:
    return int(row.get(key, "0"))


async def summarise(service: GraphService) -> DatasetSummary:
    id_space = json.dumps(service.options.base_iri + "id/")
    counts = {
        "distinct": "SELECT (COUNT(DISTINCT ?s) AS ?s_) (COUNT(DISTINCT ?o) AS ?o_) "
        "WHERE { ?s ?p ?o }",
        "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o "
        f"FILTER(isIRI(?s) && STRSTARTS(STR(?s), {id_space})) }}",
        "classes": "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c FILTER(isIRI(?c)) } "
        "GROUP BY ?c ORDER BY DESC(?n) ?c",
        "data_classes": "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?c "
        f"FILTER(isIRI(?c) && isIRI(?s) && STRSTARTS(STR(?s), {id_space})) }} "
        "GROUP BY ?c ORDER BY DESC(?n) ?c",
        "properties": "SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } "
        "GROUP BY ?p ORDER BY DESC(?n) ?p",
        "claimants": f"SELECT ?a (COUNT(DISTINCT ?c) AS ?n) WHERE {{ ?c a <{GS_CLAIM}> ; "
        f"<{GS}claimant> ?a FILTER(isIRI(?a)) }} GROUP BY ?a ORDER BY DESC(?n) ?a",
        "linksets": "SELECT ?space ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o "
        f"VALUES ?space {{ {' '.join(json.dumps(s) for s in LINK_TARGETS.values())} }} "
        "FILTER(isIRI(?o) && STRSTARTS(STR(?o), ?space)) } GROUP BY ?space ?p "
        "ORDER BY ?space ?p",
        "about": "SELECT ?d ?title ?description ?license WHERE { "
        f"{{ ?d a <{VOID}Dataset> }} UNION {{ ?d a <{DCAT}Dataset> }} UNION "
        f"{{ BIND(<{ONTOLOGY_IRI}> AS ?d) ?d a <{OWL}Ontology> }} "
        f"OPTIONAL {{ ?d <{DCTERMS}title> ?title }} "
        f"OPTIONAL {{ ?d <{DCTERMS}description> ?description }} "
        f"OPTIONAL {{ ?d <{DCTERMS}license> ?license }} }}",
    }
    found = {key: await select(service, text) for key, text in counts.items()}
    # The licence of a dataset description in the data wins; else the ontology's.
    about = sorted(found["about"], key=lambda r: r.get("d") == ONTOLOGY_IRI)
    dataset = next((r for r in about if r.get("d") != ONTOLOGY_IRI), {})
    licence = next((r["license"] for r in about if "license" in r), None)

    def listed(key: str, var: str) -> list[Count]:
        return [Count(r[var], _int(r, "n")) for r in found[key]]

    classes, properties = listed("classes", "c"), listed("properties", "p")
    target_by_space = {space: name for name, space in LINK_TARGETS.items()}
    claimants = listed("claimants", "a")
    query = labels_query(c.iri for c in [*classes, *properties, *claimants])
    labels = await construct(service, query) if query else []
    return DatasetSummary(
        triples=sum(g.triples for g in service.asserted_graphs),
        named_graphs=sum(1 for g in service.asserted_graphs if g.name is not None),
        distinct_subjects=_int(found["distinct"][0], "s_"),
        distinct_objects=_int(found["distinct"][0], "o_"),
        entities=_int(found["entities"][0], "n"),
        claims=next((c.count for c in classes if c.iri == GS_CLAIM), 0),
        classes=classes,
        data_classes=listed("data_classes", "c"),
        properties=properties,
        claimants=claimants,
        labels=labels,
        title=dataset.get("title"),
        description=dataset.get("description"),
        license=licence,
        vocabularies=sorted({namespace_of(c.iri) for c in [*classes, *properties]}),
        entailed_triples=entailed.triples if (entailed := service.entailed_graph) else 0,
        linksets=[
            Linkset(target_by_space[r["space"]], r["p"], _int(r, "n")) for r in found["linksets"]
        ],
    )


async def vocabulary_triples(
    service: GraphService, namespace: str, root_query: str
) -> list[ox.Triple]:
    """The triples of a vocabulary (the ontology, the shapes) as its source files give them.

    Serving the project, each file is its own graph: the graphs where ``root_query`` matches
    (``?g`` bound) are returned whole, blank nodes and lists included. Data loaded into the
    default graph falls back to the triples whose subject is in ``namespace``, with the blank
    nodes they point to, three levels deep.
    """
    graphs = [r["g"] for r in await select(service, root_query)]
    if graphs:
        values = " ".join(str(ox.NamedNode(g)) for g in graphs)
        return await construct(
            service,
            "CONSTRUCT { ?s ?p ?o } WHERE { "
            f"VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }}",
        )
    closure = ""
    for depth in range(3, 0, -1):
        closure = (
            f"OPTIONAL {{ FILTER(isBlank(?o{depth - 1})) ?o{depth - 1} ?p{depth} ?o{depth} "
            f"{closure}}} "
        )
    template = " ".join(f"?o{d - 1} ?p{d} ?o{d} ." for d in range(1, 4))
    return await construct(
        service,
        f"CONSTRUCT {{ ?s ?p0 ?o0 . {template} }} WHERE {{ ?s ?p0 ?o0 "
        f"FILTER(isIRI(?s) && (STRSTARTS(STR(?s), {json.dumps(namespace)}) "
        f"|| STR(?s) = {json.dumps(namespace.rstrip('#'))})) {closure}}}",
    )


def ontology_root_query() -> str:
    return (
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { "
        f"<{ONTOLOGY_IRI}> <{RDF_TYPE}> <{OWL}Ontology> }} }}"
    )


def shapes_root_query() -> str:
    return (
        f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s <{RDF_TYPE}> <{SH}NodeShape> "
        f"FILTER(STRSTARTS(STR(?s), {json.dumps(GSH)})) }} }}"
    )


class DatasetInfo:
    """The lazily computed, then kept, facts about one service's data."""

    def __init__(self, service: GraphService) -> None:
        self.service = service
        self._done: dict[str, Any] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def _once(self, key: str, compute: Callable[[], Awaitable[T]]) -> T:
        if key not in self._done:
            lock = self._locks.setdefault(key, asyncio.Lock())
            async with lock:
                if key not in self._done:
                    self._done[key] = await compute()
        value: T = self._done[key]
        return value

    async def summary(self) -> DatasetSummary:
        return await self._once("summary", lambda: summarise(self.service))

    async def ontology(self) -> list[ox.Triple]:
        return await self._once(
            "ontology", lambda: vocabulary_triples(self.service, GS, ontology_root_query())
        )

    async def jsonld_context(self) -> dict[str, Any]:
        """The JSON-LD context of this version's ontology (see jsonld.py)."""
        return await self._once("jsonld-context", self._build_context)

    async def _build_context(self) -> dict[str, Any]:
        return build_context(await self.ontology())

    async def shapes(self) -> list[ox.Triple]:
        return await self._once(
            "shapes", lambda: vocabulary_triples(self.service, GSH, shapes_root_query())
        )
