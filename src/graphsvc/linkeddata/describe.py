"""What the description of a resource holds, and the queries that build it.

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

import pyoxigraph as ox

from graphsvc.errors import NotFound
from graphsvc.linkeddata.iris import (
    CLAIM_CAP,
    CLAIM_ROLE_PREDICATES,
    GS_CLAIM,
    INCOMING_CAP,
    LABEL_PREDICATES,
    PREFIXED_TYPES,
    RDF_FORMATS,
    RDF_TYPE,
)
from graphsvc.namespaces import GS
from graphsvc.service import GraphService


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

    def ordered(self) -> list[ox.Triple]:
        """The resource's own triples first, then the rest grouped by subject."""
        node = ox.NamedNode(self.iri)
        return sorted(
            self.triples,
            key=lambda t: (
                t.subject != node,
                str(t.subject),
                t.predicate.value != RDF_TYPE,
                t.predicate.value,
                str(t.object),
            ),
        )

    def serialise(self, media_type: str, prefixes: dict[str, str]) -> bytes:
        """The description in ``media_type``, with only the prefixes it uses."""
        return serialise_triples(self.ordered(), media_type, prefixes)


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
