"""Named queries as an HTTP API: ``/queries`` lists them, ``/queries/{name}`` runs one.

Each named query is also registered as its own operation, with its parameters, so it appears in
the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import JSONResponse, Response

from graphsvc.errors import ParameterError
from graphsvc.formats import negotiate
from graphsvc.queries import NamedQuery
from graphsvc.service import GraphService
from graphsvc.web.deps import ServiceDep, TemplatesDep
from graphsvc.web.disconnect import ClientGone, until_disconnected
from graphsvc.web.routes.sparql import choose_media_type, query_response

router = APIRouter(tags=["named queries"])
RESERVED = {"format"}


def describe(query: NamedQuery, request: Request) -> dict[str, Any]:
    return {
        "name": query.name,
        "title": query.title,
        "description": query.description,
        "operation": query.operation.value,
        "url": str(request.url_for("run_named_query", name=query.name)),
        "params": [
            {"name": p.name, "type": p.type, "default": p.default, "description": p.description}
            for p in query.params
        ],
        "sparql": query.text,
    }


@router.get("/queries", summary="The named queries, as HTML or JSON")
async def list_queries(request: Request, service: ServiceDep, templates: TemplatesDep) -> Response:
    chosen = negotiate(request.headers.get("accept"), ["text/html", "application/json"])
    if request.query_params.get("format") == "json":
        chosen = "application/json"
    queries = list(service.catalog)
    if chosen == "text/html":
        return templates.TemplateResponse(
            request, "queries.html", {"queries": queries}, headers={"Vary": "Accept"}
        )
    return JSONResponse(
        {"queries": [describe(q, request) for q in queries]}, headers={"Vary": "Accept"}
    )


async def run_named(request: Request, service: GraphService, name: str) -> Response:
    query = service.catalog.get(name)
    given = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    repeated = [k for k in given if len(request.query_params.getlist(k)) > 1]
    if repeated:
        raise ParameterError(f"the parameter '{repeated[0]}' is given more than once")
    bindings = query.bindings(given)
    service.prepare(query.text)
    media_type = choose_media_type(
        query.operation, request.headers.get("accept"), request.query_params.get("format")
    )
    try:
        result = await until_disconnected(
            request.receive, service.run(query.text, media_type, bindings=bindings)
        )
    except ClientGone:
        return Response(status_code=499)
    return query_response(result)


@router.get("/queries/{name}", summary="Run a named query by name", response_class=Response)
async def run_named_query(request: Request, service: ServiceDep, name: str) -> Response:
    return await run_named(request, service, name)


def register_operations(app: FastAPI, service: GraphService) -> None:
    """Give each named query its own documented operation in the OpenAPI document."""
    for query in service.catalog:
        parameters = [
            {
                "name": p.name,
                "in": "query",
                "required": False,
                "description": p.description,
                "schema": {"type": "string", **({"default": p.default} if p.default else {})},
            }
            for p in query.params
        ] + [
            {
                "name": "format",
                "in": "query",
                "required": False,
                "description": "Result format, overriding Accept (json, xml, csv, tsv, ttl...)",
                "schema": {"type": "string"},
            }
        ]

        def make_endpoint(name: str):  # type: ignore[no-untyped-def]
            async def endpoint(request: Request) -> Response:
                return await run_named(request, request.app.state.service, name)

            return endpoint

        app.add_api_route(
            f"/queries/{query.name}",
            make_endpoint(query.name),
            methods=["GET"],
            summary=query.title,
            description=query.description,
            tags=["named queries"],
            response_class=Response,
            operation_id=f"query_{query.name.replace('-', '_')}",
            openapi_extra={"parameters": parameters},
        )
