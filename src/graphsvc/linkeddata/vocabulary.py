"""The ontology and the shapes as documentation pages: every class and property with its label,
comment, domain, range and alignments to other vocabularies; every shape with its target and
constraints. Plain data for the templates."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from graphsvc.linkeddata.iris import RDF_TYPE, RDFS, SKOS, IriMap
from graphsvc.linkeddata.views import Labeller, Node
from graphsvc.namespaces import PREFIXES

OWL = PREFIXES["owl"]
SH = PREFIXES["sh"]
DCTERMS = PREFIXES["dcterms"]
CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {
    OWL + "ObjectProperty",
    OWL + "DatatypeProperty",
    OWL + "AnnotationProperty",
    PREFIXES["rdf"] + "Property",
}
# Links from a term to terms of other vocabularies, shown as its alignments.
ALIGNMENTS = [
    RDFS + "subClassOf",
    RDFS + "subPropertyOf",
    OWL + "equivalentClass",
    OWL + "equivalentProperty",
    OWL + "inverseOf",
    SKOS + "exactMatch",
    SKOS + "closeMatch",
    SKOS + "broadMatch",
    SKOS + "narrowMatch",
    SKOS + "relatedMatch",
    RDFS + "seeAlso",
]


@dataclass
class TermDoc:
    iri: str
    anchor: str
    label: str
    comment: str | None
    kinds: list[Node]
    domain: list[Node] = field(default_factory=list)
    range: list[Node] = field(default_factory=list)
    alignments: list[tuple[Node, list[Node]]] = field(default_factory=list)
    domain_of: list[Node] = field(default_factory=list)
    range_of: list[Node] = field(default_factory=list)
    instances: int | None = None
    scheme: Node | None = None


@dataclass
class VocabularyView:
    iri: str
    title: str
    description: str | None
    version: str | None
    license: Node | None
    classes: list[TermDoc]
    properties: list[TermDoc]
    concepts: list[TermDoc]
    shapes: list[TermDoc]
    prefixes: dict[str, str]


class _Index:
    def __init__(self, triples: list[ox.Triple], labeller: Labeller, iri_map: IriMap) -> None:
        self.labeller = labeller
        self.iri_map = iri_map
        self.out: dict[object, dict[str, list[object]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.out[t.subject][t.predicate.value].append(t.object)

    def objects(self, subject: object, predicate: str) -> list[object]:
        return self.out.get(subject, {}).get(predicate, [])

    def text(self, subject: object, predicate: str) -> str | None:
        values = [o for o in self.objects(subject, predicate) if isinstance(o, ox.Literal)]
        values.sort(key=lambda lit: (lit.language not in ("en", None), lit.value))
        return values[0].value if values else None

    def node(self, term: object) -> Node:
        if isinstance(term, ox.NamedNode):
            return Node(
                "iri", term.value, self.labeller.label(term.value), self.iri_map.href(term.value)
            )
        if isinstance(term, ox.BlankNode):
            # An OWL expression or list: show its parts by their predicates, one level.
            parts = [
                f"{self.labeller.compact(p)} {', '.join(self.node(o).label for o in objs)}"
                for p, objs in self.out.get(term, {}).items()
            ]
            return Node("bnode", term.value, "[" + "; ".join(parts) + "]")
        return Node("literal", str(getattr(term, "value", term)), str(getattr(term, "value", term)))

    def nodes(self, subject: object, predicate: str) -> list[Node]:
        return sorted(
            (self.node(o) for o in self.objects(subject, predicate)), key=lambda n: n.label
        )


def _anchor(iri: str, namespace: str) -> str:
    return iri[len(namespace) :] if iri.startswith(namespace) else iri


def vocabulary_view(
    triples: list[ox.Triple],
    *,
    iri: str,
    namespace: str,
    iri_map: IriMap,
    prefixes: dict[str, str],
    instance_counts: dict[str, int] | None = None,
) -> VocabularyView:
    labeller = Labeller(triples, prefixes)
    index = _Index(triples, labeller, iri_map)
    counts = instance_counts or {}
    terms: dict[str, list[TermDoc]] = defaultdict(list)
    domain_of: dict[str, list[Node]] = defaultdict(list)
    range_of: dict[str, list[Node]] = defaultdict(list)
    subjects = sorted(
        (s for s in index.out if isinstance(s, ox.NamedNode) and s.value.startswith(namespace)),
        key=lambda s: labeller.label(s.value).casefold(),
    )
    for subject in subjects:
        kinds = {o.value for o in index.objects(subject, RDF_TYPE) if isinstance(o, ox.NamedNode)}
        doc = TermDoc(
            iri=subject.value,
            anchor=_anchor(subject.value, namespace),
            label=labeller.label(subject.value),
            comment=index.text(subject, RDFS + "comment")
            or index.text(subject, SKOS + "definition"),
            kinds=index.nodes(subject, RDF_TYPE),
            domain=index.nodes(subject, RDFS + "domain"),
            range=index.nodes(subject, RDFS + "range"),
            alignments=[
                (index.node(ox.NamedNode(p)), index.nodes(subject, p))
                for p in ALIGNMENTS
                if index.objects(subject, p)
            ],
            instances=counts.get(subject.value),
        )
        schemes = index.nodes(subject, SKOS + "inScheme")
        doc.scheme = schemes[0] if schemes else None
        if kinds & CLASS_TYPES:
            terms["classes"].append(doc)
        elif kinds & PROPERTY_TYPES:
            terms["properties"].append(doc)
            for target, into in ((doc.domain, domain_of), (doc.range, range_of)):
                for node in target:
                    into[node.value].append(index.node(subject))
        elif kinds & {SH + "NodeShape", SH + "PropertyShape"}:
            doc.domain = index.nodes(subject, SH + "targetClass")
            doc.range = [
                index.node(o) for o in index.objects(subject, SH + "property")
            ] + index.nodes(subject, SH + "path")
            terms["shapes"].append(doc)
        elif kinds & {SKOS + "Concept", SKOS + "ConceptScheme"} or doc.scheme is not None:
            terms["concepts"].append(doc)
    for doc in terms["classes"]:
        doc.domain_of = domain_of.get(doc.iri, [])
        doc.range_of = range_of.get(doc.iri, [])
    root = ox.NamedNode(iri)
    licences = index.nodes(root, DCTERMS + "license")
    concepts = sorted(
        terms["concepts"], key=lambda d: (d.scheme.label if d.scheme else "", d.label)
    )
    return VocabularyView(
        iri=iri,
        title=index.text(root, DCTERMS + "title") or labeller.label(iri),
        description=index.text(root, DCTERMS + "description") or index.text(root, RDFS + "comment"),
        version=index.text(root, OWL + "versionInfo"),
        license=licences[0] if licences else None,
        classes=terms["classes"],
        properties=terms["properties"],
        concepts=concepts,
        shapes=terms["shapes"],
        prefixes=prefixes,
    )
