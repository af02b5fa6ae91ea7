"""Resources and claims in words, driven by the ontology and the data.

Nothing here knows today's claim properties by heart. A claim is any resource typed with
``gs:Claim`` or a subclass the ontology declares; each of its properties is named by the
ontology's ``rdfs:label`` (falling back to the local name) and each value by its label. A few
roles (claimant, status, value, subject, time) order the one-line summary; they are recognised
through the ontology first (``rdfs:subPropertyOf`` ``prov:wasAttributedTo``, ``schema:about``,
``rdf:value``; a ``xsd:date`` range) and by the property's local name only as a fallback.

A claim's value may be a node of its own (a quantity estimate, a blank node): such a *dependent*
node is described inside the claim, and a number with bounds or an approximation flag is read
out as a curator says it ("about 300", "more than 10000").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH, SKOS
from rdflib.term import Node

from graphsvc.namespaces import GS, data_prefixes

PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
DCTERMS = Namespace("http://purl.org/dc/terms/")
CLAIM = URIRef(f"{GS}Claim")
LABELS = (RDFS.label, SKOS.prefLabel, DCTERMS.title)
TERM_TYPES = {
    RDFS.Class, OWL.Class, RDF.Property, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, OWL.Ontology, SH.NodeShape, SH.PropertyShape, SKOS.ConceptScheme,
}
DATE_TYPES = {XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth, XSD.dateTimeStamp}
NUMERIC_TYPES = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.nonNegativeInteger,
                 XSD.positiveInteger, XSD.int, XSD.long}
_LOCAL = re.compile(r"[^#/:]+$")
_PREFIX_NAME = re.compile(r"^[A-Za-z][\w-]*$")
_SAFE_LOCAL = re.compile(r"^[\w.-]*$")
_MAX_WORDS = 240
_GENERIC = {OWL.Thing, RDFS.Resource, RDFS.Literal}

_ROLE_ANCESTORS = {
    "claimant": (PROV.wasAttributedTo,),
    "subject": (SCHEMA.about,),
    "value": (RDF.value, SCHEMA.value),
}
_ROLE_NAMES = {
    "claimant": {"claimant"},
    "subject": {"subject"},
    "property": {"property"},
    "value": {"object", "objecttext", "objectvalue", "quantity", "value"},
    "status": {"status"},
}
# How a number's parts are read out; by local name only when the ontology does not say.
_BOUND_NAMES = {
    "mininclusive": "at least", "minexclusive": "more than",
    "maxinclusive": "at most", "maxexclusive": "fewer than",
}
_BOUND_ANCESTORS = {SCHEMA.minValue: "at least", SCHEMA.maxValue: "at most"}


def local_name(iri: str) -> str:
    found = _LOCAL.search(iri)
    return found.group(0) if found else iri


@dataclass(frozen=True)
class Part:
    """One property of a resource, in words."""

    property: str
    label: str
    values: tuple[str, ...]
    role: str | None = None


@dataclass
class Description:
    """A resource on one side: its kind, label, parts (dependent nodes' parts included, as
    ``quantity / approximate``), and for a claim, its summary sentence."""

    iri: Node
    kind: str
    label: str
    parts: dict[str, Part] = field(default_factory=dict)
    sentence: str | None = None


class Vocabulary:
    """Names for terms, from both sides' ontologies and data (the newer wins)."""

    def __init__(self, graphs: Iterable[Graph], base_iri: str) -> None:
        """``graphs`` in order of preference for labels: the newer side first."""
        self.sides = list(graphs)
        self.graph = Graph()
        for graph in self.sides:
            for triple in graph:
                self.graph.add(triple)
        prefixes = dict(data_prefixes(base_iri))
        # Data files bind one prefix per kind of resource (person:, claim:, ...): so do reports.
        id_space = f"{base_iri}id/"
        for term in set(self.graph.all_nodes()):
            if isinstance(term, URIRef) and term.startswith(id_space):
                kind = term[len(id_space):].split("/", 1)[0]
                if _PREFIX_NAME.match(kind) and kind not in prefixes:
                    prefixes[kind] = f"{id_space}{kind}/"
        self.prefixes = sorted(prefixes.items(), key=lambda item: -len(item[1]))
        self.claim_classes = self._subclasses(CLAIM)
        self._roles: dict[Node, str | None] = {}
        self._labels: dict[Node, str] = {}
        self._subclass_cache: dict[Node, set[Node]] = {}

    def _subclasses(self, root: Node) -> set[Node]:
        found: set[Node] = {root}
        frontier: list[Node] = [root]
        while frontier:
            for sub in self.graph.subjects(RDFS.subClassOf, frontier.pop()):
                if sub not in found:
                    found.add(sub)
                    frontier.append(sub)
        return found

    def _ancestors(self, prop: Node) -> set[Node]:
        found: set[Node] = set()
        frontier = [prop]
        while frontier:
            for sup in self.graph.objects(frontier.pop(), RDFS.subPropertyOf):
                if sup not in found:
                    found.add(sup)
                    frontier.append(sup)
        return found

    def compact(self, node: Node) -> str:
        if isinstance(node, URIRef):
            for prefix, namespace in self.prefixes:
                if node.startswith(namespace):
                    rest = node[len(namespace):]
                    if rest and _SAFE_LOCAL.match(rest):
                        return f"{prefix}:{rest}"
            return f"<{node}>"
        if isinstance(node, BNode):
            return f"_:{node}"
        return node.n3() if isinstance(node, Literal) else str(node)

    def label(self, node: Node) -> str:
        """The English label (else an untagged one, else any), else the compact IRI."""
        if node in self._labels:
            return self._labels[node]
        best: tuple[int, str] | None = None
        for side in self.sides:
            for predicate in LABELS:
                for value in side.objects(node, predicate):
                    if isinstance(value, Literal):
                        rank = {"en": 0, None: 1}.get(value.language, 2)
                        if best is None or rank < best[0]:
                            best = (rank, str(value))
                if best is not None:
                    break
            if best is not None:
                break
        text = best[1] if best else self.compact(node)
        self._labels[node] = text
        return text

    def property_label(self, prop: Node) -> str:
        for side in self.sides:
            for value in side.objects(prop, RDFS.label):
                if isinstance(value, Literal) and value.language in ("en", None):
                    return str(value)
        return local_name(str(prop)) if isinstance(prop, URIRef) else str(prop)

    def role(self, prop: Node) -> str | None:
        if prop in self._roles:
            return self._roles[prop]
        ancestors = self._ancestors(prop)
        name = local_name(str(prop)).lower()
        found: str | None = None
        for role, roots in _ROLE_ANCESTORS.items():
            if ancestors.intersection(roots):
                found = role
                break
        if found is None:
            found = next((role for role, names in _ROLE_NAMES.items() if name in names), None)
        if found is None and ("date" in name or name.startswith("time")):
            found = "time"
        if found is None and set(self.graph.objects(prop, RDFS.range)) & DATE_TYPES:
            found = "time"
        self._roles[prop] = found
        return found

    def literal_words(self, value: Literal) -> str:
        text = str(value)
        if len(text) > _MAX_WORDS:
            text = text[: _MAX_WORDS - 1] + "…"
        if value.datatype is None or value.datatype == XSD.string:
            return f"“{text}”"
        return text

    def is_claim(self, node: Node, graph: Graph) -> bool:
        types = set(graph.objects(node, RDF.type)) | set(self.graph.objects(node, RDF.type))
        return bool(types & self.claim_classes)

    def kind(self, node: Node, graph: Graph, file: str | None) -> str:
        if self.is_claim(node, graph):
            return "claim"
        types = set(graph.objects(node, RDF.type))
        if types & TERM_TYPES or (file or "").startswith("ontology/"):
            return "term"
        return "resource"

    # -- values in words ------------------------------------------------------------------

    def number_words(self, node: Node, graph: Graph) -> tuple[str, set[Node]] | None:
        """A quantity read out ("about 300", "more than 10000 and fewer than 12000") and the
        properties that reading used; None when the node is not a number with parts."""
        exact: str | None = None
        approximate = False
        bounds: list[tuple[str, str]] = []
        used: set[Node] = set()
        for prop, value in graph.predicate_objects(node):
            if not isinstance(value, Literal):
                continue
            name = local_name(str(prop)).lower()
            ancestors = self._ancestors(prop)
            if value.datatype == XSD.boolean and name == "approximate":
                approximate = value.toPython() is True
                used.add(prop)
            elif value.datatype in NUMERIC_TYPES:
                bound = _BOUND_NAMES.get(name) or next(
                    (w for a, w in _BOUND_ANCESTORS.items() if a in ancestors), None
                )
                if bound:
                    bounds.append((bound, str(value)))
                    used.add(prop)
                elif name == "value" or ancestors & {RDF.value, SCHEMA.value}:
                    exact = str(value)
                    used.add(prop)
        if exact is None and not bounds:
            return None
        order = list(_BOUND_NAMES.values())
        words = [exact] if exact is not None else []
        words += [f"{w} {v}" for w, v in sorted(bounds, key=lambda b: order.index(b[0]))]
        text = " and ".join(words)
        return (f"about {text}" if approximate else text), used

    def dependent(self, value: Node, graph: Graph, owner_is_claim: bool, prop: Node) -> bool:
        """Is this value part of its owner's description rather than a resource of its own?

        A blank node always is. A resource is when it is a claim's value and either has the
        specific class the ontology gives as the property's range (a quantity estimate) or, with
        no such range, is referred to by that claim alone: an event many claims are about is a
        resource of its own.
        """
        if isinstance(value, BNode):
            return (value, None, None) in graph
        if not (
            owner_is_claim
            and isinstance(value, URIRef)
            and self.role(prop) == "value"
            and (value, None, None) in graph
            and not self.is_claim(value, graph)
        ):
            return False
        ranges = [r for r in self.graph.objects(prop, RDFS.range) if r not in _GENERIC]
        if ranges:
            types = set(graph.objects(value, RDF.type)) | set(self.graph.objects(value, RDF.type))
            return any(types & self._subclasses_of(r) for r in ranges)
        return len(set(graph.subjects(None, value))) == 1

    def _subclasses_of(self, cls: Node) -> set[Node]:
        if cls not in self._subclass_cache:
            self._subclass_cache[cls] = self._subclasses(cls)
        return self._subclass_cache[cls]

    def value_words(self, value: Node, graph: Graph, dependent: bool, depth: int = 0) -> str:
        if isinstance(value, Literal):
            return self.literal_words(value)
        if dependent:
            number = self.number_words(value, graph)
            if number:
                return number[0]
            if isinstance(value, BNode) and depth < 3:
                inner = "; ".join(
                    f"{self.property_label(p)} "
                    + self.value_words(o, graph, isinstance(o, BNode), depth + 1)
                    for p, o in sorted(graph.predicate_objects(value))
                )
                return f"[{inner}]"
        return self.label(value)

    # -- whole resources --------------------------------------------------------------------

    def describe(self, node: Node, graph: Graph, file: str | None) -> Description | None:
        """The resource as described in this graph, or None when the graph does not describe it."""
        if (node, None, None) not in graph:
            return None
        kind = self.kind(node, graph, file)
        description = Description(node, kind, self.label(node))
        self._add_parts(description, node, graph, kind == "claim", prefix="", depth=0)
        description.parts = dict(sorted(description.parts.items(), key=_part_order))
        if kind == "claim":
            description.sentence = self.sentence(description)
        return description

    def _add_parts(
        self, description: Description, node: Node, graph: Graph, claim: bool, prefix: str,
        depth: int,
    ) -> None:
        values: dict[Node, list[str]] = {}
        dated: set[Node] = set()
        nested: list[tuple[Node, Node]] = []
        for prop, value in graph.predicate_objects(node):
            dependent = depth < 3 and self.dependent(value, graph, claim, prop)
            values.setdefault(prop, []).append(self.value_words(value, graph, dependent))
            if dependent:
                nested.append((prop, value))
            if isinstance(value, Literal) and value.datatype in DATE_TYPES:
                dated.add(prop)
        for prop, words in values.items():
            key = f"{prefix}{self.compact(prop)}"
            role = self.role(prop) or ("time" if prop in dated else None)
            description.parts[key] = Part(
                key, self.property_label(prop), tuple(sorted(words)), role if claim else None
            )
        for prop, value in nested:
            if isinstance(value, BNode):
                continue  # read out whole in the part itself
            number = self.number_words(value, graph)
            used = number[1] if number else set()
            sub = Description(value, "value", "")
            self._add_parts(sub, value, graph, False, "", depth + 1)
            head = self.property_label(prop)
            for part in sub.parts.values():
                local = next((p for p in used if self.compact(p) == part.property), None)
                if local is not None:
                    continue
                key = f"{prefix}{self.compact(prop)} / {part.property}"
                description.parts[key] = Part(key, f"{head} / {part.label}", part.values)

    def sentence(self, description: Description) -> str:
        """A claim in one line: who, how, about what, which value, when."""
        by_role: dict[str, list[str]] = {}
        for part in description.parts.values():
            if " / " in part.property:
                continue
            role = part.role
            if role:
                words = ", ".join(part.values)
                by_role.setdefault(role, []).append(
                    f"{part.label} {words}" if role == "time" else words
                )
        who = "; ".join(by_role.get("claimant", [])) or "someone"
        status = "; ".join(by_role.get("status", []))
        what = " — ".join(
            "; ".join(by_role[role]) for role in ("subject", "property", "value") if role in by_role
        )
        text = f"{who}{f' ({status})' if status else ''}: {what or description.label}"
        if "time" in by_role:
            text += f"; {', '.join(by_role['time'])}"
        return text


_ROLE_RANK = {"claimant": 1, "status": 2, "subject": 3, "property": 4, "value": 5, "time": 6}
_FIRST = {"rdf:type": 0, "rdfs:label": 0}


def _part_order(item: tuple[str, Part]) -> tuple[int, str]:
    """Type and label first, then a claim's roles in reading order, then the rest by name."""
    key, part = item
    if key in _FIRST:
        return (0, key)
    return (_ROLE_RANK.get(part.role or "", 7), key)


__all__ = ["Description", "Part", "Vocabulary", "local_name"]
