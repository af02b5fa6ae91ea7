"""The project's namespaces and the prefix map used in serialisations and pages."""

from __future__ import annotations

DEFAULT_BASE_IRI = "https://w3id.org/graphsvc/"

GS = "https://w3id.org/graphsvc/ontology#"
GSH = "https://w3id.org/graphsvc/shapes#"

PREFIXES: dict[str, str] = {
    "dcterms": "http://purl.org/dc/terms/",
    "gs": GS,
    "gsh": GSH,
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "schema": "http://schema.org/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "sh": "http://www.w3.org/ns/shacl#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "void": "http://rdfs.org/ns/void#",
    "wd": "http://www.wikidata.org/entity/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def data_prefixes(base_iri: str) -> dict[str, str]:
    """The prefix map for a given data base IRI (the ``id/`` and ``graph/`` spaces move with it)."""
    return {**PREFIXES, "id": f"{base_iri}id/", "graph": f"{base_iri}graph/"}
