"""Liveness, readiness and the home page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import JSONResponse, Response

from graphsvc.web.deps import ServiceDep, TemplatesDep

router = APIRouter(tags=["meta"])


@router.get("/health", summary="Liveness: the process answers")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Readiness: the data is loaded and the query workers are up")
async def ready(service: ServiceDep) -> Response:
    body = {
        "ready": service.ready,
        "triples": service.triple_count,
        "graphs": len(service.graphs),
        "version": service.version,
    }
    return JSONResponse(body, status_code=200 if service.ready else 503)


@router.get("/", summary="Home page", include_in_schema=False)
async def home(request: Request, service: ServiceDep, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(
        request,
        "home.html",
        {"service": service, "queries": list(service.catalog)},
    )
