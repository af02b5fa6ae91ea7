"""Liveness and readiness. (The home page is in ``routes/site.py``.)"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from graphsvc.web.deps import ServiceDep

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
