"""Two snapshots → what changed, graph by graph, as sets of triples.

Triples without blank nodes are compared as they are. Blank nodes have no identity across files
(the loader even renames them), so the triples that hold them are compared after canonical
labelling (``rdflib.compare.to_canonical_graph``): two descriptions that differ only in blank-node
labels or in statement order are the same graph. A blank-node structure that changed shows as one
removed and one added structure, each with its stable canonical labels.

A resource whose IRI changed while its description stayed the same is recognised as renamed, and
the references to it that followed the new IRI are not reported as changes.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.term import Identifier, Node

from graphsvc.review.snapshot import Snapshot
from graphsvc.store.rdflib import from_rdflib

Triple = tuple[Node, Node, Node]
_SELF = URIRef("urn:graphsvc:diff:self")


@dataclass
class GraphDiff:
    """The changes in one named graph (one source document)."""

    graph: URIRef
    old_file: str | None
    new_file: str | None
    added: set[Triple] = field(default_factory=set)
    removed: set[Triple] = field(default_factory=set)
    renamed: dict[URIRef, URIRef] = field(default_factory=dict)
    """Resources described in this graph whose IRI changed, old → new."""
    moved_in: set[Triple] = field(default_factory=set)
    moved_out: set[Triple] = field(default_factory=set)
    """Every triple added and removed, renamed references included (what a patch must carry)."""
    before: Graph = field(default_factory=Graph)
    after: Graph = field(default_factory=Graph)
    """The graph on each side, blank nodes labelled canonically (so the sides share labels)."""

    @property
    def file(self) -> str:
        return self.new_file or self.old_file or str(self.graph)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.removed or self.renamed)


@dataclass
class Comparison:
    old: Snapshot
    new: Snapshot
    graphs: list[GraphDiff]
    renamed: dict[URIRef, URIRef]

    @property
    def changed(self) -> bool:
        return any(diff.moved_in or diff.moved_out for diff in self.graphs)


def _has_blank(triple: Triple) -> bool:
    return isinstance(triple[0], BNode) or isinstance(triple[2], BNode)


def _components(triples: list[Triple]) -> list[list[Triple]]:
    """Group triples by the blank nodes they connect (union-find over blank nodes)."""
    parent: dict[Node, Node] = {}

    def find(node: Node) -> Node:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for s, _, o in triples:
        if isinstance(s, BNode) and isinstance(o, BNode):
            parent[find(s)] = find(o)
    groups: dict[Node, list[Triple]] = defaultdict(list)
    for triple in triples:
        blank = triple[0] if isinstance(triple[0], BNode) else triple[2]
        groups[find(blank)].append(triple)
    return list(groups.values())


def _nt(term: Node) -> str:
    assert isinstance(term, Identifier)
    return str(from_rdflib(term))


def _relabel(term: Node, digest: str, suffix: str) -> Node:
    return BNode(f"b{digest}{term}{suffix}") if isinstance(term, BNode) else term


def canonical_triples(graph: Graph | None) -> set[Triple]:
    """The graph's triples, its blank nodes relabelled canonically.

    Each connected blank-node structure is labelled on its own, so its labels depend on it alone:
    adding a structure elsewhere in the file leaves the others' labels, and so the diff, alone.
    Identical structures (a non-lean graph) are told apart by a counter, in the same way on both
    sides, so none is lost.
    """
    if graph is None:
        return set()
    ground: set[Triple] = set()
    blank: list[Triple] = []
    for triple in graph:
        if _has_blank(triple):
            blank.append(triple)
        else:
            ground.add(triple)
    seen: dict[str, int] = defaultdict(int)
    for component in _components(blank):
        part = Graph()
        for triple in component:
            part.add(triple)
        canonical: list[Triple] = list(to_canonical_graph(part))
        # rdflib numbers the blank nodes of each graph from cb0: qualify the numbers with a
        # digest of the structure, so two structures never share a label.
        digest = hashlib.sha256(
            "\n".join(sorted(" ".join(_nt(t) for t in triple) for triple in canonical)).encode()
        ).hexdigest()[:16]
        copies = seen[digest]
        seen[digest] += 1
        suffix = f"x{copies}" if copies else ""
        ground.update(
            (_relabel(s, digest, suffix), p, _relabel(o, digest, suffix))
            for s, p, o in canonical
        )
    return ground


def _subjects(snapshot: Snapshot) -> dict[URIRef, set[Triple]]:
    described: dict[URIRef, set[Triple]] = defaultdict(set)
    for graph in snapshot.graphs.values():
        for triple in graph:
            if isinstance(triple[0], URIRef):
                described[triple[0]].add(triple)
    return described


def _mentioned(snapshot: Snapshot) -> set[Node]:
    return {
        term for graph in snapshot.graphs.values() for triple in graph for term in triple
    }


def _signature(iri: URIRef, triples: Iterable[Triple]) -> frozenset[tuple[Node, Node]]:
    return frozenset((p, _SELF if o == iri else o) for _, p, o in triples)


def find_renames(old: Snapshot, new: Snapshot) -> dict[URIRef, URIRef]:
    """Resources that left under one IRI and came back under another with the same description.

    Only one-to-one matches count: two new resources that both look like the old one are two
    additions, not a guess.
    """
    old_described, new_described = _subjects(old), _subjects(new)
    in_new, in_old = _mentioned(new), _mentioned(old)
    gone = {iri: t for iri, t in old_described.items() if iri not in in_new}
    came = {iri: t for iri, t in new_described.items() if iri not in in_old}
    if not gone or not came:
        return {}
    by_signature: dict[frozenset[tuple[Node, Node]], list[URIRef]] = defaultdict(list)
    for iri, triples in came.items():
        by_signature[_signature(iri, triples)].append(iri)
    candidates: dict[frozenset[tuple[Node, Node]], list[URIRef]] = defaultdict(list)
    for iri, triples in gone.items():
        candidates[_signature(iri, triples)].append(iri)
    return {
        olds[0]: by_signature[signature][0]
        for signature, olds in candidates.items()
        if len(olds) == 1 and len(by_signature.get(signature, ())) == 1
    }


def _rename(triple: Triple, renamed: dict[URIRef, URIRef]) -> Triple:
    s, p, o = triple
    return (
        renamed.get(s, s) if isinstance(s, URIRef) else s,
        p,
        renamed.get(o, o) if isinstance(o, URIRef) else o,
    )


def compare(old: Snapshot, new: Snapshot) -> Comparison:
    renamed = find_renames(old, new)
    diffs: list[GraphDiff] = []
    for name in sorted(set(old.graphs) | set(new.graphs)):
        before = canonical_triples(old.graphs.get(name))
        after = canonical_triples(new.graphs.get(name))
        diff = GraphDiff(name, old.files.get(name), new.files.get(name))
        for triple in before:
            diff.before.add(triple)
        for triple in after:
            diff.after.add(triple)
        removed, added = before - after, after - before
        diff.moved_in, diff.moved_out = added, removed
        if renamed:
            as_renamed = {triple: _rename(triple, renamed) for triple in removed}
            followed = set(as_renamed.values()) & added
            diff.removed = {t for t, r in as_renamed.items() if r not in followed}
            diff.added = added - followed
            diff.renamed = {
                o: n for o, n in renamed.items() if any(t[0] == o for t in before)
            }
        else:
            diff.removed, diff.added = removed, added
        if added or removed:
            diffs.append(diff)
    diffs.sort(key=lambda d: (d.file, str(d.graph)))
    return Comparison(old, new, diffs, renamed)


__all__ = ["Comparison", "GraphDiff", "Triple", "canonical_triples", "compare", "find_renames"]
