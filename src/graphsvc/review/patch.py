"""The change as RDF Patch (https://afs.github.io/rdf-delta/rdf-patch.html), the format Jena's
RDF Delta replays onto a dataset: one transaction, deletions first, then additions, each a quad
in N-Triples syntax with the named graph as fourth term.

Why RDF Patch rather than SPARQL Update or an N-Quads pair: it is line-based, so it diffs and
reviews well itself; it is applied in order (rename = delete + add in one transaction); and the
graph of each quad is explicit, which a per-source-document dataset needs.

Blank nodes carry their canonical labels (``compare.canonical_triples``): a store that keeps
blank-node labels (RDF Delta does) can apply the patch to a dataset loaded from the same
canonical form; elsewhere the patch documents the change, as blank nodes are not addressable.
"""

from __future__ import annotations

import hashlib
import uuid

from rdflib import URIRef
from rdflib.term import Identifier, Node

from graphsvc.review.compare import Comparison, Triple
from graphsvc.review.snapshot import DEFAULT_GRAPH
from graphsvc.store.rdflib import from_rdflib

_NAMESPACE = uuid.UUID("5e0ad36e-7a52-4bd4-9d5f-67f0c7a1a1a3")


def _term(node: Node) -> str:
    assert isinstance(node, Identifier)
    return str(from_rdflib(node))


def _quad(code: str, triple: Triple, graph: URIRef) -> str:
    terms = [_term(t) for t in triple]
    if graph != DEFAULT_GRAPH:
        terms.append(_term(graph))
    return f"{code} {' '.join(terms)} ."


def render_patch(comparison: Comparison) -> str:
    deletions: list[str] = []
    additions: list[str] = []
    for diff in comparison.graphs:
        # Renamed references are left out of the report, never out of the patch.
        deletions += sorted(_quad("D", t, diff.graph) for t in diff.moved_out)
        additions += sorted(_quad("A", t, diff.graph) for t in diff.moved_in)
    body = "\n".join([*deletions, *additions])
    # The id is derived from the content, so the same change always gets the same patch.
    digest = hashlib.sha256(body.encode()).hexdigest()
    patch_id = uuid.uuid5(_NAMESPACE, digest)
    lines = [f"H id <uuid:{patch_id}> .", "TX ."]
    lines += deletions + additions
    lines.append("TC .")
    return "\n".join(lines) + "\n"


__all__ = ["render_patch"]
