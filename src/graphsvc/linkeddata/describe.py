"""Linked Data: which URL serves which IRI, and what the description of a resource holds.

The Cool URIs recipe (see docs/linked-data.md): an IRI ``<base>id/<path>`` names a thing, and is
served at ``/id/<path>`` on whatever host runs graphsvc. A request for it answers ``303 See Other``
to a document about the thing, ``/doc/<path>.<suffix>``, the suffix chosen by content negotiation
(``.ttl .jsonld .nt .rdf .html``). ``/doc/<path>`` without a suffix negotiates too and answers 200
with ``Content-Location`` naming the exact document.

The description of a resource is one graph, the same for people and machines:

* its outgoing triples, with the blank nodes they point to (one level deep);
* its incoming links, up to a cap;
* every ``gs:Claim`` in which it is the claimant, subject, object, event or source, with all
  the claim's triples and its quantity node: claims are n-ary nodes, and a claim read without its
  status, quote and source would flatten it;
* the labels of every IRI the above mentions, so the description reads without further requests.

Queries run in the query workers (``GraphService.run``): after the service starts, the parent
process never touches the store. The resource IRI is written into the query text as an N-Triples
IRI, after pyoxigraph has checked it is a valid IRI (an IRI cannot contain ``>``, so it cannot
break out of the brackets). Engine substitutions are joined with the result at the end, which
would apply the ``LIMIT`` of a sub-select before the resource is known.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from graphsvc.errors import NotAcceptable, NotFound
from graphsvc.formats import GRAPH_ALIASES, negotiate
from graphsvc.namespaces import GS, GSH, PREFIXES
from graphsvc.service import GraphService

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
        """``/doc/<path>[.suffix]`` for a data IRI ``<base>id/<path>``."""
        rest = iri[len(self.base_iri + "id/") :]
        path = "/doc/" + quote(rest, safe=_PATH_SAFE)
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


# --- queries ---------------------------------------------------------------------------------


def _iri_term(iri: str) -> str:
    return str(ox.NamedNode(iri))


def exists_query(iri: str) -> str:
    node = _iri_term(iri)
    return f"ASK {{ {{ {node} ?p ?o }} UNION {{ ?s ?p {node} }} }}"


def description_query(
    iri: str, incoming_cap: int = INCOMING_CAP, claim_cap: int = CLAIM_CAP
) -> str:
    node = _iri_term(iri)
    roles = "|".join(f"<{p}>" for p in CLAIM_ROLE_PREDICATES)
    return f"""CONSTRUCT {{
  {node} ?p ?o . ?o ?bp ?bo .
  ?s ?ip {node} .
  ?c ?cp ?co . ?co ?qp ?qo .
}}
WHERE {{
  {{ {node} ?p ?o OPTIONAL {{ FILTER(isBlank(?o)) ?o ?bp ?bo }} }}
  UNION {{ SELECT ?s ?ip WHERE {{ ?s ?ip {node} }} LIMIT {incoming_cap} }}
  UNION {{ {node} <{GS}quantity> ?co . ?co ?qp ?qo }}
  UNION {{
    {{ SELECT DISTINCT ?c WHERE {{ ?c {roles} {node} . ?c <{RDF_TYPE}> <{GS_CLAIM}> }}
      LIMIT {claim_cap} }}
    ?c ?cp ?co
    OPTIONAL {{ FILTER(?cp = <{GS}quantity>) ?co ?qp ?qo }}
  }}
}}"""


def labels_query(iris: Iterable[str]) -> str | None:
    values = " ".join(_iri_term(i) for i in sorted(set(iris)))
    if not values:
        return None
    predicates = " ".join(f"<{p}>" for p in LABEL_PREDICATES)
    return (
        f"CONSTRUCT {{ ?x ?lp ?l }} WHERE {{ VALUES ?x {{ {values} }} "
        f"VALUES ?lp {{ {predicates} }} ?x ?lp ?l }}"
    )


def parse_triples(body: bytes) -> list[ox.Triple]:
    """N-Triples from a worker → triples (parsing only: no store is involved)."""
    return [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]


def parse_boolean(body: bytes) -> bool:
    return bool(json.loads(body).get("boolean"))


async def construct(service: GraphService, text: str) -> list[ox.Triple]:
    result = await service.run(text, "application/n-triples", union_default_graph=True)
    return parse_triples(result.body)


async def exists(service: GraphService, iri: str) -> bool:
    result = await service.run(
        exists_query(iri), "application/sparql-results+json", union_default_graph=True
    )
    return parse_boolean(result.body)


@dataclass
class Description:
    """The description graph of one resource (see the module docstring for what it holds)."""

    iri: str
    triples: list[ox.Triple]
    incoming_capped: bool = False
    claims_capped: bool = False

    def mentions(self) -> set[str]:
        out: set[str] = set()
        for t in self.triples:
            for term in (t.subject, t.predicate, t.object):
                if isinstance(term, ox.NamedNode):
                    out.add(term.value)
        return out

    def is_empty(self) -> bool:
        return not any(
            t.subject == ox.NamedNode(self.iri) or t.object == ox.NamedNode(self.iri)
            for t in self.triples
        )

    def serialise(self, media_type: str, prefixes: dict[str, str]) -> bytes:
        """The description in ``media_type``: the resource's own triples first, then the rest
        grouped by subject, with only the prefixes it uses."""
        node = ox.NamedNode(self.iri)
        ordered = sorted(
            self.triples,
            key=lambda t: (
                t.subject != node,
                str(t.subject),
                t.predicate.value != RDF_TYPE,
                t.predicate.value,
                str(t.object),
            ),
        )
        return serialise_triples(ordered, media_type, prefixes)


def used_prefixes(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """The prefixes some IRI of ``triples`` starts with, plus one per kind of data resource
    (``state:`` for ``<base>id/state/``), as the project's own Turtle files write them."""
    base = prefixes.get("id")
    iris: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    out = {k: v for k, v in prefixes.items() if k != "id" and any(i.startswith(v) for i in iris)}
    for iri in iris:
        if base and iri.startswith(base):
            kind, slash, rest = iri[len(base) :].partition("/")
            simple = kind[:1].isalpha() and kind.replace("-", "").isalnum()
            if slash and rest and "/" not in rest and simple and kind not in out:
                out[kind] = base + kind + "/"
    return out


def serialise_triples(triples: list[ox.Triple], media_type: str, prefixes: dict[str, str]) -> bytes:
    use = used_prefixes(triples, prefixes) if media_type in PREFIXED_TYPES else None
    body = ox.serialize(triples, format=RDF_FORMATS[media_type], prefixes=use)
    assert body is not None
    return body


async def describe(
    service: GraphService,
    iri: str,
    *,
    incoming_cap: int = INCOMING_CAP,
    claim_cap: int = CLAIM_CAP,
) -> Description:
    """The description of ``iri``; NotFound when the data neither uses it as subject nor object."""
    triples = await construct(service, description_query(iri, incoming_cap, claim_cap))
    node = ox.NamedNode(iri)
    description = Description(iri, _unique(triples))
    if description.is_empty():
        raise NotFound(f"nothing in this dataset is described by <{iri}>")
    incoming = sum(1 for t in triples if t.object == node)
    claims = {
        t.subject
        for t in triples
        if t.predicate.value == RDF_TYPE and t.object == ox.NamedNode(GS_CLAIM)
    }
    description.incoming_capped = incoming >= incoming_cap
    description.claims_capped = len(claims) >= claim_cap
    query = labels_query(description.mentions())
    if query is not None:
        description.triples = _unique(description.triples + await construct(service, query))
    return description


def _unique(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    return list(dict.fromkeys(triples))
