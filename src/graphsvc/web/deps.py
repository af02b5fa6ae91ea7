"""Request-scoped access to what the app holds, read from ``app.state``.

The functions are ``async`` although they never wait: FastAPI runs a plain ``def`` dependency in
a thread pool, a hand-off that cost more than the rest of a small query (docs/performance.md).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from graphsvc.config import Settings
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


ServiceDep = Annotated[GraphService, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
