"""A comparison → what a curator reads: per source document (named graph), the claims, resources,
links and ontology terms that were added, removed, renamed or changed.

Each changed triple is charged to the resource it describes; a blank node's triples, and a claim's
dependent value node's, are charged to their owner, so "the claim's quantity became
approximate" reads as a change of the claim. The resource is then described in words on each
side and the two descriptions compared part by part.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import RDF, BNode, Graph, URIRef
from rdflib.term import Node

from graphsvc.review.compare import Comparison, GraphDiff, Triple
from graphsvc.review.describe import Description, Part, Vocabulary


@dataclass(frozen=True)
class PartChange:
    property: str
    label: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass
class ResourceChange:
    iri: str
    label: str
    kind: str
    """``claim``, ``term`` (ontology and shapes) or ``resource``."""
    change: str
    """``added``, ``removed``, ``changed`` or ``renamed``."""
    sentence: str | None = None
    parts: list[Part] = field(default_factory=list)
    changes: list[PartChange] = field(default_factory=list)
    renamed_to: str | None = None


@dataclass(frozen=True)
class Link:
    change: str
    subject: str
    subject_label: str
    property: str
    property_label: str
    object: str
    object_label: str


@dataclass
class GraphReview:
    graph: str
    file: str
    status: str
    """``added`` (a new file), ``removed`` or ``changed``."""
    triples_added: int
    triples_removed: int
    claims: list[ResourceChange] = field(default_factory=list)
    resources: list[ResourceChange] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    terms: list[ResourceChange] = field(default_factory=list)


@dataclass
class Review:
    old: str
    new: str
    graphs: list[GraphReview]
    comparison: Comparison
    prefixes: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.comparison.changed

    def counts(self) -> dict[str, int]:
        counts = {
            "graphs": len(self.graphs),
            "triplesAdded": sum(g.triples_added for g in self.graphs),
            "triplesRemoved": sum(g.triples_removed for g in self.graphs),
        }
        for kind, attr in (("claims", "claims"), ("resources", "resources"), ("terms", "terms")):
            for change in ("added", "removed", "changed", "renamed"):
                counts[f"{kind}{change.capitalize()}"] = sum(
                    1 for g in self.graphs for r in getattr(g, attr) if r.change == change
                )
        counts["linksAdded"] = sum(1 for g in self.graphs for x in g.links if x.change == "added")
        counts["linksRemoved"] = sum(
            1 for g in self.graphs for x in g.links if x.change == "removed"
        )
        return counts


def _owner(node: Node, graph: Graph, vocabulary: Vocabulary, seen: set[Node]) -> Node:
    """The resource a node's triples belong to: itself, or what holds it."""
    if node in seen:
        return node
    seen.add(node)
    for holder, prop in graph.subject_predicates(node):
        if isinstance(node, BNode) or vocabulary.dependent(
            node, graph, vocabulary.is_claim(holder, graph), prop
        ):
            return _owner(holder, graph, vocabulary, seen)
    return node


def _owners(triples: set[Triple], graph: Graph, vocabulary: Vocabulary) -> set[Node]:
    return {_owner(s, graph, vocabulary, set()) for s, _, _ in triples}


def _renamed(graph: Graph, renamed: dict[URIRef, URIRef]) -> Graph:
    if not renamed:
        return graph
    moved = Graph()
    for s, p, o in graph:
        moved.add((
            renamed.get(s, s) if isinstance(s, URIRef) else s,
            p,
            renamed.get(o, o) if isinstance(o, URIRef) else o,
        ))
    return moved


def _part_changes(old: Description, new: Description) -> list[PartChange]:
    changes: list[PartChange] = []
    # In the order the description reads (claimant, status, subject, value, time, the rest).
    for key in [*new.parts, *(k for k in old.parts if k not in new.parts)]:
        before, after = old.parts.get(key), new.parts.get(key)
        old_values = before.values if before else ()
        new_values = after.values if after else ()
        if old_values != new_values:
            label = after.label if after else before.label if before else key
            changes.append(PartChange(key, label, old_values, new_values))
    return changes


def _review_graph(diff: GraphDiff, vocabulary: Vocabulary) -> GraphReview:
    status = "changed"
    if diff.old_file is None:
        status = "added"
    elif diff.new_file is None:
        status = "removed"
    review = GraphReview(
        graph=vocabulary.compact(diff.graph),
        file=diff.file,
        status=status,
        triples_added=len(diff.moved_in),
        triples_removed=len(diff.moved_out),
    )
    before = _renamed(diff.before, diff.renamed)
    after = diff.after
    owners = _owners(diff.removed, diff.before, vocabulary)
    owners = {o if not isinstance(o, URIRef) else diff.renamed.get(o, o) for o in owners}
    owners |= _owners(diff.added, after, vocabulary)
    changed_links: set[tuple[Triple, str]] = set()
    for old_iri, new_iri in sorted(diff.renamed.items()):
        kind = vocabulary.kind(new_iri, after, diff.new_file)
        entry = ResourceChange(
            vocabulary.compact(old_iri), vocabulary.label(new_iri), kind, "renamed",
            renamed_to=vocabulary.compact(new_iri),
        )
        _bucket(review, kind).append(entry)
    for owner in sorted(owners, key=lambda n: (isinstance(n, BNode), str(n))):
        old = vocabulary.describe(owner, before, diff.old_file)
        new = vocabulary.describe(owner, after, diff.new_file)
        if old is None and new is None:
            continue
        shown = new or old
        assert shown is not None
        entry = ResourceChange(
            vocabulary.compact(owner), shown.label, shown.kind,
            "added" if old is None else "removed" if new is None else "changed",
            sentence=shown.sentence,
        )
        if old is None or new is None:
            entry.parts = list(shown.parts.values())
            _bucket(review, shown.kind).append(entry)
            continue
        if shown.kind == "resource":
            # A resource's links to other resources are listed as links; its other parts
            # (labels, notes, numbers) as the resource's changes.
            for triple in diff.removed:
                if triple[0] == owner and _is_link(triple):
                    changed_links.add((triple, "removed"))
            for triple in diff.added:
                if triple[0] == owner and _is_link(triple):
                    changed_links.add((triple, "added"))
            link_props = {vocabulary.compact(t[1]) for t, _ in changed_links if t[0] == owner}
            old.parts = {k: v for k, v in old.parts.items() if k not in link_props}
            new.parts = {k: v for k, v in new.parts.items() if k not in link_props}
        entry.changes = _part_changes(old, new)
        if entry.changes:
            _bucket(review, shown.kind).append(entry)
    for (s, p, o), change in sorted(changed_links, key=lambda x: (x[1] != "removed", x[0])):
        review.links.append(
            Link(
                change, vocabulary.compact(s), vocabulary.label(s), vocabulary.compact(p),
                vocabulary.property_label(p), vocabulary.compact(o), vocabulary.label(o),
            )
        )
    return review


def _is_link(triple: Triple) -> bool:
    _, p, o = triple
    return isinstance(o, URIRef) and p != RDF.type


def _bucket(review: GraphReview, kind: str) -> list[ResourceChange]:
    return {"claim": review.claims, "term": review.terms}.get(kind, review.resources)


def build_review(comparison: Comparison, *, base_iri: str) -> Review:
    old, new = comparison.old, comparison.new
    vocabulary = Vocabulary([new.union(), old.union()], base_iri)
    graphs = [_review_graph(diff, vocabulary) for diff in comparison.graphs if diff.changed]
    return Review(old.label, new.label, graphs, comparison, dict(vocabulary.prefixes))


__all__ = [
    "GraphReview",
    "Link",
    "PartChange",
    "ResourceChange",
    "Review",
    "build_review",
]
