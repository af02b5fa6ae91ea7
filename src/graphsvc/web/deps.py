"""Every request dependency: what the app holds, read from ``app.state``.

The functions are ``async`` although they never wait: FastAPI runs a plain ``def`` dependency in
a thread pool, a hand-off that cost more than the rest of a small query (docs/performance.md).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from graphsvc.config import Settings
from graphsvc.linkeddata.dumps import DumpWriter
from graphsvc.linkeddata.iris import IriMap
from graphsvc.linkeddata.state import linked_state
from graphsvc.linkeddata.summary import DatasetInfo
from graphsvc.service import GraphService


async def get_service(request: Request) -> GraphService:
    service: GraphService = request.app.state.service
    return service


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


async def get_dataset(request: Request) -> DatasetInfo:
    return linked_state(request.app.state.service).dataset


async def get_dumps(request: Request) -> DumpWriter:
    # On the event loop's thread: a version swapped in by --reload forks its dump writer here.
    dumps = linked_state(request.app.state.service).dumps
    dumps.start()
    return dumps


async def get_iri_map(request: Request) -> IriMap:
    service: GraphService = request.app.state.service
    return IriMap(service.options.base_iri)


def site_url(request: Request) -> str:
    """This server's own URL as the client reached it, without a trailing slash."""
    return str(request.base_url).rstrip("/")


ServiceDep = Annotated[GraphService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
DatasetDep = Annotated[DatasetInfo, Depends(get_dataset)]
DumpsDep = Annotated[DumpWriter, Depends(get_dumps)]
IriMapDep = Annotated[IriMap, Depends(get_iri_map)]
