"""JSON-LD a JSON user can read: a context of short names, and documents compacted with it.

The context is built from the ontology being served, so it changes only when the ontology does:
each class of the project's vocabulary is its local name (``Claim``), each property too
(``claimant``), object properties typed ``@id`` and datatype properties typed with their XML
Schema range, so values read as plain JSON strings. The vocabularies the project reuses keep
their usual prefixes (``schema:``, ``prov:``, ``skos:``...). It is served at a stable URL
(``/context.jsonld``), and documents name it there rather than carry it, as schema.org and
W3C vocabularies do; a page that embeds its description carries it inline instead, since the
readers of embedded data (search engines) fetch no contexts.

Compaction is rdflib's (its JSON-LD serialiser with ``auto_compact``): nothing here walks JSON-LD
itself. Names that would clash with a prefix or a JSON-LD keyword alias are left out, so a key
always means one IRI.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pyoxigraph as ox
from rdflib import Graph

from graphsvc.linkeddata.iris import RDF_TYPE
from graphsvc.namespaces import GS, PREFIXES
from graphsvc.store.rdflib import to_rdflib

OWL = PREFIXES["owl"]
RDFS = PREFIXES["rdfs"]
XSD = PREFIXES["xsd"]
CONTEXT_PATH = "/context.jsonld"
CONTEXT_MEDIA_TYPE = "application/ld+json"
_CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
_OBJECT_PROPERTY = OWL + "ObjectProperty"
_DATATYPE_PROPERTY = OWL + "DatatypeProperty"
_PROPERTY_TYPES = {_OBJECT_PROPERTY, _DATATYPE_PROPERTY, OWL + "AnnotationProperty"}
# Short names every reader of this data wants, whatever the ontology says.
_COMMON_TERMS: dict[str, Any] = {
    "label": {"@id": RDFS + "label"},
    "comment": {"@id": RDFS + "comment"},
    "seeAlso": {"@id": RDFS + "seeAlso", "@type": "@id"},
}


def build_context(ontology: Iterable[ox.Triple]) -> dict[str, Any]:
    """The ``@context`` object for the served ontology (see the module docstring)."""
    types: dict[str, set[str]] = {}
    ranges: dict[str, set[str]] = {}
    for triple in ontology:
        subject = triple.subject
        if not isinstance(subject, ox.NamedNode) or not subject.value.startswith(GS):
            continue
        if triple.predicate.value == RDF_TYPE and isinstance(triple.object, ox.NamedNode):
            types.setdefault(subject.value, set()).add(triple.object.value)
        elif triple.predicate.value == RDFS + "range" and isinstance(triple.object, ox.NamedNode):
            ranges.setdefault(subject.value, set()).add(triple.object.value)
    context: dict[str, Any] = {prefix: iri for prefix, iri in sorted(PREFIXES.items())}
    reserved = set(context) | {"id", "type", "graph"}
    context.update(_COMMON_TERMS)
    reserved |= set(_COMMON_TERMS)
    for iri in sorted(types):
        name = iri[len(GS) :]
        if not name or name in reserved or not name.replace("_", "").isalnum():
            continue
        kinds = types[iri]
        if kinds & _CLASS_TYPES:
            context[name] = iri
        elif _OBJECT_PROPERTY in kinds:
            context[name] = {"@id": iri, "@type": "@id"}
        elif _DATATYPE_PROPERTY in kinds:
            datatypes = [r for r in ranges.get(iri, ()) if r.startswith(XSD)]
            # xsd:string needs no type; one other XML Schema range types the value.
            if len(datatypes) == 1 and datatypes[0] != XSD + "string":
                context[name] = {"@id": iri, "@type": datatypes[0]}
            else:
                context[name] = {"@id": iri}
        elif kinds & _PROPERTY_TYPES:
            context[name] = {"@id": iri}
    return context


def compact(
    triples: Iterable[ox.Triple], context: dict[str, Any], *, context_url: str | None
) -> bytes:
    """The triples as a compacted JSON-LD document.

    With ``context_url``, the document names its context there (a reader fetches it once and
    caches it); without, it carries the context inline (for a page's embedded data).
    """
    graph = Graph()
    for triple in triples:
        graph.add(
            (
                to_rdflib(triple.subject),
                to_rdflib(triple.predicate),
                to_rdflib(triple.object),
            )
        )
    document = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    if not isinstance(document, dict):  # an empty graph compacts to a bare list
        document = {"@graph": document}
    document["@context"] = context_url if context_url is not None else context
    ordered = {"@context": document.pop("@context"), **document}
    return json.dumps(ordered, ensure_ascii=False, indent=2).encode()


def script_safe(document: bytes) -> str:
    """A JSON-LD document ready to sit inside ``<script type="application/ld+json">``: no
    sequence in it can close the element or open a comment."""
    return (
        document.decode()
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
