"""The Linked Data facts and dumps of one loaded version of the data, kept with its service.

The dataset facts are computed lazily and the dumps written once per version; both live in
``service.extensions``, so a ``--reload`` that swaps in a new version of the data gets its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphsvc.linkeddata.dumps import DumpWriter
from graphsvc.linkeddata.summary import DatasetInfo
from graphsvc.namespaces import PREFIXES
from graphsvc.service import GraphService


@dataclass
class LinkedState:
    """The Linked Data facts and dumps of one loaded version of the data."""

    dataset: DatasetInfo
    dumps: DumpWriter


def linked_state(service: GraphService) -> LinkedState:
    """The state kept with ``service`` (a reload brings a new service, and so new state)."""
    state = service.extensions.get("linkeddata")
    if not isinstance(state, LinkedState):
        # Vocabulary prefixes only: a data IRI as id:state/x would need escaping in TriG. The
        # dumps are the release as its sources give it: the entailed graph is recomputed by
        # whoever loads them.
        names = [g.name for g in service.asserted_graphs]
        dumps = DumpWriter(service.store, names, dict(PREFIXES))
        state = LinkedState(DatasetInfo(service), dumps)
        service.extensions["linkeddata"] = state
        service.on_stop.append(dumps.stop)
    return state
