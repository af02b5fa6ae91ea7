"""The app factory: ``create_app(settings)`` builds the whole web application.

The CLI, uvicorn (``--factory``) and the tests all use it. Nothing happens at import time.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.templating import Jinja2Templates

from graphsvc import __version__
from graphsvc.assemble import service_from_settings
from graphsvc.config import Settings, resolve_execution
from graphsvc.linkeddata.state import linked_state
from graphsvc.service import GraphService
from graphsvc.web import errors, reload
from graphsvc.web.middleware import fastpath
from graphsvc.web.middleware.conditional import ConditionalGetMiddleware
from graphsvc.web.routes import (
    charts,
    dataset,
    dereference,
    editor,
    meta,
    queries,
    resources,
    site,
    sparql,
)
from graphsvc.web.routes import validate as validate_route

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"


def create_app(
    settings: Settings | None = None,
    *,
    service: GraphService | None = None,
    on_ready: Callable[[], None] | None = None,
    on_runaway: Callable[[], None] | None = None,
) -> FastAPI:
    """Build the app. Loads the data now (errors surface before serving); forks workers on start.

    ``on_ready`` is called once the service has started. ``on_runaway`` is a supervisor's hook,
    called when a query thread outlives its time limit (``graphsvc serve`` replaces the process
    then; see server/supervisor.py): given, this process is supervised, which is what lets
    ``config.resolve_execution`` choose query threads for ``auto``.
    """
    settings = settings or Settings()
    supervisor = on_runaway is not None
    resolve_execution(settings, supervisor=supervisor)  # refuse bad combinations before loading
    service = service or service_from_settings(
        settings, validate=settings.validate_on_load, supervisor=supervisor
    )
    service.on_runaway = on_runaway

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.start()
        if on_ready is not None:
            on_ready()
        watcher = reload.start(app, settings) if settings.reload else None
        try:
            yield
        finally:
            if watcher is not None:
                await watcher.stop()
            # --reload may have swapped in a newer service: stop the one serving now.
            app.state.service.stop()

    app = FastAPI(
        title="graphsvc",
        version=__version__,
        description="A curated knowledge graph served as SPARQL 1.1 and Linked Data.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    app.state.templates = Jinja2Templates(directory=str(TEMPLATES))
    # /sparql first: routes are tried in order, and each miss costs time on every query.
    app.include_router(sparql.router)
    # Added first, so innermost: the middlewares below apply to it as to the routes.
    app.add_middleware(fastpath.QueryFastPath)
    # Linked Data pages, VoID, dumps; its ETag middleware goes inside CORS, so 304s get CORS too.
    # The dumps of the first version of a local store are written from the start, by a process
    # forked before the server processes (the engine writes them in seconds at a million
    # triples). A version swapped in by --reload, and a remote store, write them when first
    # asked for: the remote engine would read the whole release back over HTTP (minutes at
    # scale) on every start, in every server process, whether anyone wants a dump or not.
    if settings.engine != "remote":
        service.on_start.append(linked_state(service).dumps.start)
    app.add_middleware(ConditionalGetMiddleware)
    app.include_router(site.router)
    app.include_router(charts.router)
    editor.install(app)
    app.include_router(resources.router)
    app.include_router(dataset.router)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "HEAD", "OPTIONS"],
        allow_headers=["*"],
        expose_headers=[
            "X-Result-Truncated", "X-Result-Max-Rows", "ETag", "Link", "Content-Location"
        ],
    )
    errors.install(app)
    app.include_router(meta.router)
    app.include_router(validate_route.router)
    queries.register_operations(app, service)
    app.include_router(queries.router)
    # Last, always: any path no route above claims is taken for an IRI under the base.
    app.include_router(dereference.router)
    return app
