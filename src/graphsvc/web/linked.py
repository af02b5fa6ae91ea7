"""The Linked Data site wired into an app: its routers, validators middleware and shared state.

``install(app, service)`` is the one call ``create_app`` makes. It registers the dump writer as a
start hook of the service (it forks with the query workers). The lazily computed dataset facts and
the dumps are kept with each service (``service.extensions``), so a ``--reload`` that swaps in a
new version of the data gets its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from graphsvc.linkeddata.describe import IriMap
from graphsvc.linkeddata.dumps import DumpWriter
from graphsvc.linkeddata.summary import DatasetInfo
from graphsvc.namespaces import PREFIXES
from graphsvc.service import GraphService
from graphsvc.web.middleware.conditional import ConditionalGetMiddleware


@dataclass
class LinkedState:
    """The Linked Data facts and dumps of one loaded version of the data."""

    dataset: DatasetInfo
    dumps: DumpWriter


def linked_state(service: GraphService) -> LinkedState:
    """The state kept with ``service`` (a reload brings a new service, and so new state)."""
    state = service.extensions.get("linkeddata")
    if not isinstance(state, LinkedState):
        # Vocabulary prefixes only: a data IRI as id:state/x would need escaping in TriG.
        dumps = DumpWriter(service.store, [g.name for g in service.graphs], dict(PREFIXES))
        state = LinkedState(DatasetInfo(service), dumps)
        service.extensions["linkeddata"] = state
        service.on_stop.append(dumps.stop)
    return state


def install(app: FastAPI, service: GraphService) -> None:
    """Add the Linked Data routes, the conditional-GET middleware and the dump writer."""
    from graphsvc.web.routes import dataset, resources, site

    # The dumps of the first version are written from the start, by a process forked with the
    # workers; a version swapped in by --reload writes them when first asked for.
    service.on_start.append(linked_state(service).dumps.start)
    app.add_middleware(ConditionalGetMiddleware)
    app.include_router(site.router)
    app.include_router(resources.router)
    app.include_router(dataset.router)


def get_dataset(request: Request) -> DatasetInfo:
    return linked_state(request.app.state.service).dataset


def get_dumps(request: Request) -> DumpWriter:
    dumps = linked_state(request.app.state.service).dumps
    dumps.start()
    return dumps


def get_iri_map(request: Request) -> IriMap:
    service: GraphService = request.app.state.service
    return IriMap(service.options.base_iri)


DatasetDep = Annotated[DatasetInfo, Depends(get_dataset)]
DumpsDep = Annotated[DumpWriter, Depends(get_dumps)]
IriMapDep = Annotated[IriMap, Depends(get_iri_map)]


def site_url(request: Request) -> str:
    """This server's own URL as the client reached it, without a trailing slash."""
    return str(request.base_url).rstrip("/")
