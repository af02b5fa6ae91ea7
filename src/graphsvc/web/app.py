"""The app factory: ``create_app(settings)`` builds the whole web application.

The CLI, uvicorn (``--factory``) and the tests all use it. Nothing happens at import time.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.templating import Jinja2Templates

from graphsvc import __version__
from graphsvc.config import Settings, project_root
from graphsvc.service import GraphService, ServiceOptions, attach_service, build_service
from graphsvc.web import errors, linked, reload
from graphsvc.web.middleware import fastpath
from graphsvc.web.routes import meta, queries, sparql
from graphsvc.web.routes import validate as validate_route

log = logging.getLogger(__name__)
TEMPLATES = Path(__file__).parent / "templates"


def service_from_settings(settings: Settings, *, validate: bool = False) -> GraphService:
    """Load the data the settings name into a new service (not started).

    With ``validate``, the files are validated first and data that does not conform is refused
    (``ShapesViolated``, carrying the report): see docs/validate.md.
    """
    root = project_root()
    options = ServiceOptions(
        base_iri=settings.base_iri,
        union_default_graph=settings.union_default_graph,
        query_timeout=settings.query_timeout,
        max_rows=settings.max_rows,
        query_workers=settings.query_workers,
        max_queued=settings.max_queued,
        allowed_service_iris=tuple(settings.allowed_service_iris),
        result_cache_bytes=settings.result_cache_bytes,
        # "auto": forked workers, which can be stopped, unless nothing can run away: the remote
        # engine's queries are sent from the event loop (loop_executor.py) and stopped at their
        # limit. `graphsvc serve` resolves "auto" itself, before this (it supervises threads).
        query_threads=settings.query_isolation == "thread"
        or (settings.query_isolation == "auto" and settings.engine == "remote"),
    )
    if settings.engine == "remote":
        return _remote_service(settings, options)
    build = functools.partial(
        build_service,
        settings.resolved_paths(),
        engine=settings.engine,
        options=options,
        project_root=root if settings.serves_project_data else None,
        store_path=settings.store_path,
        queries_dir=settings.resolved_queries_dir(),
    )
    if validate:
        from graphsvc.validation.validator import build_validated

        return build_validated(
            build, settings.paths, project_root=root, base_iri=settings.base_iri
        )
    return build()


def _remote_service(settings: Settings, options: ServiceOptions) -> GraphService:
    """Serve what the remote store holds (see docs/remote.md); nothing is uploaded."""
    from graphsvc.store.remote.store import RemoteStore

    if settings.paths:
        raise ValueError(
            "the remote engine serves what its store holds; publish files to it first with "
            "`graphsvc load --to URL PATH ...`"
        )
    store = RemoteStore(settings.remote_config())
    try:
        release = store.release
        return attach_service(
            store,
            options=options,
            queries_dir=settings.resolved_queries_dir(),
            version=release.version if release is not None else None,
        )
    finally:
        store.close()  # the forked workers open their own connections


def create_app(
    settings: Settings | None = None,
    *,
    service: GraphService | None = None,
    on_ready: Callable[[], None] | None = None,
    on_runaway: Callable[[], None] | None = None,
) -> FastAPI:
    """Build the app. Loads the data now (errors surface before serving); forks workers on start.

    ``on_ready`` is called once the service has started; ``on_runaway`` when a query thread
    outlives its time limit (``graphsvc serve`` replaces the process then; see supervise.py).
    """
    settings = settings or Settings()
    if settings.reload:
        reload.check(settings)
    service = service or service_from_settings(settings, validate=settings.validate_on_load)
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
    linked.install(app, service)
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
    return app
