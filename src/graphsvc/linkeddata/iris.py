"""Linked Data IRIs: which URL serves which IRI, and the documents that describe a resource.

The Cool URIs recipe (see docs/linked-data.md): an IRI ``<base>id/<path>`` names a thing, and is
served at ``/id/<path>`` on whatever host runs graphsvc. A request for it answers ``303 See Other``
to a document about the thing, ``/doc/<path>.<suffix>``, the suffix chosen by content negotiation
(``.ttl .jsonld .nt .rdf .html``). ``/doc/<path>`` without a suffix negotiates too and answers 200
with ``Content-Location`` naming the exact document.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from graphsvc.errors import NotAcceptable, NotFound
from graphsvc.formats import GRAPH_ALIASES, negotiate
from graphsvc.namespaces import GS, GSH, PREFIXES

# Suffix → media type. The order is the server's preference when a client accepts anything
# (curl, */*): Turtle. Browsers name text/html first and get the page.
DOCUMENT_TYPES: dict[str, str] = {
    "ttl": "text/turtle",
    "html": "text/html",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}
SUFFIX_FOR: dict[str, str] = {media: suffix for suffix, media in DOCUMENT_TYPES.items()}
RDF_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
PREFIXED_TYPES = {"text/turtle", "application/rdf+xml"}
FORMAT_NAMES: dict[str, str] = {
    "text/turtle": "Turtle",
    "text/html": "HTML",
    "application/ld+json": "JSON-LD",
    "application/n-triples": "N-Triples",
    "application/rdf+xml": "RDF/XML",
}

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
SKOS = PREFIXES["skos"]
RDF_TYPE = RDF + "type"
GS_CLAIM = GS + "Claim"
ONTOLOGY_IRI = GS.rstrip("#")
SHAPES_IRI = GSH.rstrip("#")

# Label predicates in order of preference.
LABEL_PREDICATES = [
    SKOS + "prefLabel",
    RDFS + "label",
    "http://schema.org/name",
    "http://xmlns.com/foaf/0.1/name",
    PREFIXES["dcterms"] + "title",
    "http://schema.org/headline",
]

# Labels for the terms of the W3C vocabularies, which datasets rarely load.
KNOWN_LABELS = {
    RDF_TYPE: "type",
    RDFS + "label": "label",
    RDFS + "comment": "comment",
    RDFS + "seeAlso": "see also",
    RDFS + "subClassOf": "subclass of",
    RDFS + "subPropertyOf": "subproperty of",
    RDFS + "domain": "domain",
    RDFS + "range": "range",
    SKOS + "prefLabel": "preferred label",
    SKOS + "altLabel": "also known as",
    SKOS + "definition": "definition",
    SKOS + "inScheme": "in scheme",
    SKOS + "notation": "notation",
    SKOS + "exactMatch": "exact match",
    SKOS + "closeMatch": "close match",
    SKOS + "broadMatch": "broader match",
    SKOS + "narrowMatch": "narrower match",
    SKOS + "relatedMatch": "related match",
    PREFIXES["owl"] + "sameAs": "same as",
    PREFIXES["owl"] + "equivalentClass": "equivalent class",
    PREFIXES["owl"] + "equivalentProperty": "equivalent property",
    PREFIXES["owl"] + "inverseOf": "inverse of",
    PREFIXES["dcterms"] + "identifier": "identifier",
    PREFIXES["dcterms"] + "title": "title",
    PREFIXES["dcterms"] + "description": "description",
    PREFIXES["dcterms"] + "license": "licence",
    PREFIXES["dcterms"] + "source": "source",
    PREFIXES["dcterms"] + "created": "created",
    PREFIXES["dcterms"] + "modified": "modified",
}

# How a claim points to the resources it involves.
CLAIM_ROLE_PREDICATES: dict[str, str] = {
    GS + "claimant": "made",
    GS + "subject": "about",
    GS + "object": "about",
    GS + "aboutEvent": "about",
    GS + "reportedIn": "reported",
}

INCOMING_CAP = 1000
CLAIM_CAP = 500
# The path characters kept as they are when an IRI becomes a URL path (RFC 3986 pchar, and '/').
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


@dataclass(frozen=True)
class IriMap:
    """Which local URL serves an IRI, and the other way round."""

    base_iri: str

    def iri_for(self, path: str) -> str:
        """The IRI a (decoded) request path below ``/`` names, e.g. ``id/state/x``.

        Raises NotFound when it is not a valid IRI (a space, a ``<`` ...): nothing can have it.
        """
        iri = self.base_iri + path
        try:
            ox.NamedNode(iri)
        except ValueError:
            raise NotFound(f"{iri!r} is not a valid IRI, so nothing here is named by it") from None
        return iri

    def local_path(self, iri: str) -> str | None:
        """The path on this server that serves ``iri``, or None when it is someone else's IRI."""
        rest: str | None = None
        if iri.startswith(self.base_iri):
            rest = iri[len(self.base_iri) :]
        elif iri.startswith(ONTOLOGY_IRI):
            # The ontology and shapes are served here whatever the data's base IRI is.
            rest = "ontology" + iri[len(ONTOLOGY_IRI) :]
        elif iri.startswith(SHAPES_IRI):
            rest = "shapes" + iri[len(SHAPES_IRI) :]
        if rest is None:
            return None
        path, hash_sign, fragment = rest.partition("#")
        return "/" + quote(path, safe=_PATH_SAFE) + hash_sign + quote(fragment, safe=_PATH_SAFE)

    def href(self, iri: str) -> str | None:
        """A link for a page: local when this server serves the IRI, else the IRI itself if it
        is a web address (never a ``javascript:`` or other scheme a click would run)."""
        local = self.local_path(iri)
        if local is not None:
            return local
        return iri if iri.lower().startswith(("http://", "https://")) else None

    def is_data(self, iri: str) -> bool:
        return iri.startswith(self.base_iri + "id/")

    def document_path(self, iri: str, suffix: str | None = None) -> str:
        """The document describing an IRI under the base: ``/doc/<path>[.suffix]`` for a thing
        ``<base>id/<path>``, ``/about/<path>[.suffix]`` for any other ``<base><path>``.

        Two prefixes, because ``/doc/x`` already names the document of ``<base>id/x``: the IRI
        ``<base>x`` (a user's own files, say ``<base>resource/x``) needs a document path of its
        own that cannot collide with it.
        """
        if self.is_data(iri):
            rest, prefix = iri[len(self.base_iri + "id/") :], "/doc/"
        else:
            rest, prefix = iri[len(self.base_iri) :], "/about/"
        path = prefix + quote(rest, safe=_PATH_SAFE)
        return f"{path}.{suffix}" if suffix else path


def choose_document_type(accept: str | None) -> str:
    """The document type for an Accept header; NotAcceptable when none of ours is acceptable."""
    offered = list(DOCUMENT_TYPES.values())
    chosen = negotiate(accept, offered, GRAPH_ALIASES)
    if chosen is None:
        raise NotAcceptable(
            f"a resource description is available as {', '.join(offered)}; "
            f"none of them is acceptable to {accept!r}",
            offered,
        )
    return chosen


def split_suffix(path: str) -> tuple[str, str | None]:
    """``state/x.ttl`` → (``state/x``, ``text/turtle``); a path without a known suffix is kept."""
    stem, dot, suffix = path.rpartition(".")
    if dot and stem and suffix in DOCUMENT_TYPES:
        return stem, DOCUMENT_TYPES[suffix]
    return path, None


def alternates(iri_map: IriMap, iri: str) -> list[tuple[str, str]]:
    """(document path, media type) of every document describing a data IRI."""
    return [(iri_map.document_path(iri, s), media) for s, media in DOCUMENT_TYPES.items()]


def link_header(iri_map: IriMap, iri: str) -> str:
    """An RFC 8288 ``Link`` header value naming the alternate documents."""
    links = [
        f'<{path}>; rel="alternate"; type="{media}"' for path, media in alternates(iri_map, iri)
    ]
    links.append(f'<{iri_map.document_path(iri)}>; rel="describedby"')
    return ", ".join(links)
