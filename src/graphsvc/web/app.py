"""The app factory: ``create_app(settings)`` builds the whole web application.

The CLI, uvicorn (``--factory``) and the tests all use it. Nothing happens at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.templating import Jinja2Templates

from graphsvc import __version__
from graphsvc.config import Settings, project_root
from graphsvc.service import GraphService, ServiceOptions, build_service
from graphsvc.web import errors
from graphsvc.web.routes import meta, queries, sparql

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"


def service_from_settings(settings: Settings) -> GraphService:
    """Load the data the settings name into a new service (not started)."""
    root = project_root()
    options = ServiceOptions(
        base_iri=settings.base_iri,
        union_default_graph=settings.union_default_graph,
        query_timeout=settings.query_timeout,
        max_rows=settings.max_rows,
        query_workers=settings.query_workers,
        max_queued=settings.max_queued,
        allowed_service_iris=tuple(settings.allowed_service_iris),
    )
    return build_service(
        settings.resolved_paths(),
        engine=settings.engine,
        options=options,
        project_root=root if settings.serves_project_data else None,
        store_path=settings.store_path,
        queries_dir=settings.resolved_queries_dir(),
    )


def create_app(settings: Settings | None = None, *, service: GraphService | None = None) -> FastAPI:
    """Build the app. Loads the data now (errors surface before serving); forks workers on start."""
    settings = settings or Settings()
    service = service or service_from_settings(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()
        try:
            yield
        finally:
            service.stop()

    app = FastAPI(
        title="graphsvc",
        version=__version__,
        description="A curated knowledge graph served as SPARQL 1.1 and Linked Data.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.templates = Jinja2Templates(directory=str(TEMPLATES))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=["X-Result-Truncated", "X-Result-Max-Rows"],
    )
    errors.install(app)
    app.include_router(meta.router)
    app.include_router(sparql.router)
    queries.register_operations(app, service)
    app.include_router(queries.router)
    return app
