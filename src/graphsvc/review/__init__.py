"""The data-review gate: what a change does to the graph (``graphsvc diff``, docs/review.md).

One module per job:

* ``revision``: a git revision or a folder → a tree of files on disk;
* ``snapshot``: a tree → the named graphs the loader would serve (``graphsvc.load.discover``);
* ``compare``: two snapshots → the triples added and removed per graph, blank nodes matched by
  isomorphism, renamed resources recognised;
* ``describe``: labels and claims in words, driven by the ontology and the data;
* ``report``: the changes grouped by source document and by resource, what a curator reads;
* ``render``: text, markdown and JSON; ``patch``: RDF Patch.

Nothing here imports the web or CLI layers.
"""

from __future__ import annotations

from graphsvc.review.compare import GraphDiff, compare
from graphsvc.review.report import Review, build_review
from graphsvc.review.revision import RevisionError, materialise
from graphsvc.review.snapshot import Snapshot, read_snapshot

__all__ = [
    "GraphDiff",
    "Review",
    "RevisionError",
    "Snapshot",
    "build_review",
    "compare",
    "materialise",
    "read_snapshot",
]
