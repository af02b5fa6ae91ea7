"""A resource description as the plain data a page shows: labels instead of IRIs, claims as
sentences. No HTML here; the templates lay it out.

A claim reads as "<claimant> says <proposition> — reported in <source>, status: <status>". The
proposition is the claim's label when the label starts with the claimant's name ("South Korea:
300 North Korean soldiers have been killed ..."), as the project's curators write them; any
other claim reads "<label> — claimed by <claimant>, ...", and a claim without a label is told
from its structure (subject, property, object or quantity).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from graphsvc.linkeddata.describe import Description
from graphsvc.linkeddata.iris import (
    CLAIM_ROLE_PREDICATES,
    GS_CLAIM,
    KNOWN_LABELS,
    LABEL_PREDICATES,
    RDF_TYPE,
    RDFS,
    SKOS,
    IriMap,
)
from graphsvc.namespaces import GS, PREFIXES

XSD = PREFIXES["xsd"]
# Datatypes a reader sees from the value itself: not shown next to it.
PLAIN_DATATYPES = {
    XSD + "string",
    PREFIXES["rdf"] + "langString",
    XSD + "integer",
    XSD + "decimal",
    XSD + "boolean",
}
SUMMARY_PREDICATES = [
    RDFS + "comment",
    SKOS + "definition",
    PREFIXES["dcterms"] + "description",
    "http://schema.org/description",
]
FIRST_PREDICATES = [RDF_TYPE, *LABEL_PREDICATES]


@dataclass(frozen=True)
class Node:
    """One RDF term as a page shows it."""

    kind: str  # iri, literal, bnode or triple
    value: str
    label: str
    href: str | None = None
    lang: str | None = None
    datatype: str | None = None
    children: tuple[PropertyValues, ...] = ()


@dataclass(frozen=True)
class PropertyValues:
    predicate: Node
    values: tuple[Node, ...]


@dataclass
class ClaimView:
    node: Node
    claimant: Node | None
    named_as: str | None
    proposition: str | None
    """What the claimant says, when the claim's label puts it that way; else None."""
    statement: str
    """The claim in words: its label, or subject, property and object."""
    subjects: list[Node] = field(default_factory=list)
    predicate: Node | None = None
    objects: list[Node] = field(default_factory=list)
    status: Node | None = None
    additional_status: list[Node] = field(default_factory=list)
    quote: str | None = None
    sources: list[Node] = field(default_factory=list)
    time_text: str | None = None
    paraphrase: str | None = None
    """The project's wording, for claims from documents of which no copy is kept."""
    relays: list[Node] = field(default_factory=list)
    stated: tuple[str | None, str | None] = (None, None)
    """When the claimant made the claim (earliest, latest), as opposed to the time it is about."""

    @property
    def named_differently(self) -> bool:
        return bool(
            self.named_as
            and self.claimant
            and self.named_as.casefold() != self.claimant.label.casefold()
        )


@dataclass
class ClaimGroup:
    source: Node | None
    claims: list[ClaimView]


@dataclass
class ResourceView:
    iri: str
    label: str
    types: list[Node]
    summary: str | None
    properties: list[PropertyValues]
    incoming: list[PropertyValues]
    claims_made: list[ClaimGroup]
    claims_about: list[ClaimGroup]
    claims_reported: list[ClaimView]
    claim: ClaimView | None
    incoming_capped: bool
    claims_capped: bool


def _lang_rank(term: ox.Literal) -> int:
    lang = (term.language or "").lower()
    if lang == "en" or lang.startswith("en-"):
        return 0
    return 1 if not lang else 2


class Labeller:
    """The best label for each IRI, from the label triples; a prefixed name when there is none."""

    def __init__(self, triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> None:
        rank = {p: i for i, p in enumerate(LABEL_PREDICATES)}
        best: dict[str, tuple[int, int, str]] = {}
        for t in triples:
            if t.predicate.value in rank and isinstance(t.object, ox.Literal):
                key = t.subject.value if isinstance(t.subject, ox.NamedNode) else None
                if key is None:
                    continue
                score = (rank[t.predicate.value], _lang_rank(t.object), t.object.value)
                if key not in best or score < best[key]:
                    best[key] = score
        self.labels = {**KNOWN_LABELS, **{iri: score[2] for iri, score in best.items()}}
        # Longest namespace first, so that id: wins over a shorter prefix of it.
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))

    def compact(self, iri: str) -> str:
        for prefix, namespace in self.prefixes:
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{prefix}:{iri[len(namespace) :]}"
        return iri

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or self.compact(iri)

    def has_label(self, iri: str) -> bool:
        return iri in self.labels


class ViewBuilder:
    def __init__(self, description: Description, iri_map: IriMap, prefixes: dict[str, str]):
        self.description = description
        self.iri_map = iri_map
        self.labeller = Labeller(description.triples, prefixes)
        self.by_subject: dict[ox.NamedNode | ox.BlankNode | ox.Triple, list[ox.Triple]] = (
            defaultdict(list)
        )
        for t in description.triples:
            self.by_subject[t.subject].append(t)
        self.claims = {
            t.subject
            for t in description.triples
            if t.predicate.value == RDF_TYPE and t.object == ox.NamedNode(GS_CLAIM)
        }

    # --- terms ---------------------------------------------------------------------------

    def node(self, term: object, depth: int = 0) -> Node:
        if isinstance(term, ox.NamedNode):
            return Node(
                "iri", term.value, self.labeller.label(term.value), self.iri_map.href(term.value)
            )
        if isinstance(term, ox.Literal):
            datatype = None if term.datatype.value in PLAIN_DATATYPES else term.datatype.value
            return Node(
                "literal",
                term.value,
                term.value,
                lang=term.language,
                datatype=self.labeller.compact(datatype) if datatype else None,
            )
        if isinstance(term, ox.BlankNode):
            children = self.properties(term, depth + 1) if depth < 2 else ()
            return Node("bnode", term.value, "(blank node)", children=tuple(children))
        return Node("triple", str(term), str(term))

    def values(
        self, subject: object, predicate: str
    ) -> list[ox.NamedNode | ox.BlankNode | ox.Literal]:
        return [
            t.object
            for t in self.by_subject.get(subject, [])  # type: ignore[call-overload]
            if t.predicate.value == predicate
        ]

    def text(self, subject: object, predicate: str) -> str | None:
        literals = [v for v in self.values(subject, predicate) if isinstance(v, ox.Literal)]
        if not literals:
            return None
        return min(literals, key=lambda lit: (_lang_rank(lit), lit.value)).value

    def properties(self, subject: object, depth: int = 0) -> list[PropertyValues]:
        grouped: dict[str, list[Node]] = defaultdict(list)
        for t in self.by_subject.get(subject, []):  # type: ignore[call-overload]
            grouped[t.predicate.value].append(self.node(t.object, depth))
        return self._ordered(grouped)

    def _ordered(self, grouped: dict[str, list[Node]]) -> list[PropertyValues]:
        def key(predicate: str) -> tuple[int, str]:
            first = FIRST_PREDICATES.index(predicate) if predicate in FIRST_PREDICATES else 99
            return first, self.labeller.label(predicate).casefold()

        return [
            PropertyValues(
                self.node(ox.NamedNode(p)),
                tuple(sorted(grouped[p], key=lambda n: (n.label.casefold(), n.value))),
            )
            for p in sorted(grouped, key=key)
        ]

    # --- claims --------------------------------------------------------------------------

    def quantity_text(self, quantity: object) -> str:
        given = self.text(quantity, GS + "quantityText")
        if given is None:
            number = self.text(quantity, GS + "value")
            bounds = [
                (GS + "minExclusive", "more than {}"),
                (GS + "minInclusive", "at least {}"),
                (GS + "maxInclusive", "at most {}"),
                (GS + "maxExclusive", "fewer than {}"),
            ]
            if number is None:
                parts = [
                    form.format(value)
                    for predicate, form in bounds
                    if (value := self.text(quantity, predicate)) is not None
                ]
                number = " and ".join(parts) or None
            if number is not None and self.text(quantity, GS + "approximate") == "true":
                number = f"about {number}"
            given = number
        if given is None:
            return (
                self.labeller.label(quantity.value) if isinstance(quantity, ox.NamedNode) else "?"
            )
        counted = [
            v for v in self.values(quantity, GS + "countedThing") if isinstance(v, ox.NamedNode)
        ]
        if counted:
            given += " " + self.labeller.label(counted[0].value)
        return given

    def claim(self, claim: ox.NamedNode | ox.BlankNode) -> ClaimView:
        def iris(predicate: str) -> list[Node]:
            return sorted(
                (self.node(v) for v in self.values(claim, predicate)), key=lambda n: n.label
            )

        claimants = iris(GS + "claimant")
        claimant = claimants[0] if claimants else None
        named_as = self.text(claim, GS + "claimantNamedAs")
        label = self.text(claim, RDFS + "label") or self.text(claim, SKOS + "prefLabel")
        objects = iris(GS + "object")
        for predicate in (GS + "objectText", GS + "objectValue"):
            objects += [self.node(v) for v in self.values(claim, predicate)]
        for quantity in self.values(claim, GS + "quantity"):
            node = self.node(quantity)
            objects.append(Node(node.kind, node.value, self.quantity_text(quantity), node.href))
        properties = iris(GS + "property")
        subjects = iris(GS + "subject")
        statement = label or " ".join(
            part
            for part in (
                " and ".join(n.label for n in subjects),
                properties[0].label if properties else "",
                ", ".join(n.label for n in objects),
            )
            if part
        )
        proposition = None
        if label and claimant:
            for name in (named_as, claimant.label):
                if name and label.casefold().startswith(name.casefold() + ":"):
                    proposition = label[len(name) + 1 :].strip()
                    break
        statuses = iris(GS + "status")
        return ClaimView(
            node=self.node(claim),
            claimant=claimant,
            named_as=named_as,
            proposition=proposition,
            statement=statement or "(a claim with no statement recorded)",
            subjects=subjects,
            predicate=properties[0] if properties else None,
            objects=objects,
            status=statuses[0] if statuses else None,
            additional_status=iris(GS + "additionalStatus"),
            quote=self.text(claim, GS + "quote"),
            sources=iris(GS + "reportedIn"),
            time_text=self.text(claim, GS + "timeText"),
            paraphrase=self.text(claim, GS + "paraphrase"),
            relays=iris(GS + "relayedBy"),
            stated=(self.text(claim, GS + "statedEarliest"), self.text(claim, GS + "statedLatest")),
        )

    def claims_with_role(self, role: str) -> list[ClaimView]:
        node = ox.NamedNode(self.description.iri)
        found = {
            t.subject
            for t in self.description.triples
            if t.object == node
            and CLAIM_ROLE_PREDICATES.get(t.predicate.value) == role
            and t.subject in self.claims
        }
        return [self.claim(c) for c in sorted(found, key=str)]  # type: ignore[arg-type]

    @staticmethod
    def by_source(claims: list[ClaimView]) -> list[ClaimGroup]:
        groups: dict[str, ClaimGroup] = {}
        for claim in claims:
            source = claim.sources[0] if claim.sources else None
            key = source.value if source else ""
            groups.setdefault(key, ClaimGroup(source, [])).claims.append(claim)
        return sorted(
            groups.values(), key=lambda g: (g.source is None, g.source.label if g.source else "")
        )

    # --- the page ------------------------------------------------------------------------

    def build(self) -> ResourceView:
        iri = self.description.iri
        node = ox.NamedNode(iri)
        shown_claims = {
            t.subject
            for t in self.description.triples
            if t.object == node
            and t.subject in self.claims
            and t.predicate.value in CLAIM_ROLE_PREDICATES
        }
        incoming: dict[str, list[Node]] = defaultdict(list)
        for t in self.description.triples:
            if t.object == node and t.subject != node and t.subject not in shown_claims:
                incoming[t.predicate.value].append(self.node(t.subject))
        summary = None
        for predicate in SUMMARY_PREDICATES:
            summary = summary or self.text(node, predicate)
        return ResourceView(
            iri=iri,
            label=self.labeller.label(iri),
            types=[self.node(t) for t in self.values(node, RDF_TYPE)],
            summary=summary,
            properties=self.properties(node),
            incoming=self._ordered(incoming),
            claims_made=self.by_source(self.claims_with_role("made")),
            claims_about=self.by_source(self.claims_with_role("about")),
            claims_reported=self.claims_with_role("reported"),
            claim=self.claim(node) if node in self.claims else None,
            incoming_capped=self.description.incoming_capped,
            claims_capped=self.description.claims_capped,
        )


def resource_view(
    description: Description, iri_map: IriMap, prefixes: dict[str, str]
) -> ResourceView:
    return ViewBuilder(description, iri_map, prefixes).build()
