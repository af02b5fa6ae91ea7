"""Domain errors → HTTP: one status table and one JSON error envelope.

The envelope is ``{"error": {"status": 400, "type": "query-syntax", "message": "...", ...}}`` with
any details the error carries (line and column, supported types...). A client that prefers text
gets the message as ``text/plain``.
"""

from __future__ import annotations

import json
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from graphsvc.errors import (
    DataInvalid,
    Forbidden,
    GraphsvcError,
    NotAcceptable,
    NotFound,
    PayloadTooLarge,
    RemoteStoreError,
    RequestError,
    Unavailable,
    UnsupportedMediaType,
)
from graphsvc.formats import negotiate

log = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides its status.
STATUS_BY_ERROR: list[tuple[type[GraphsvcError], int]] = [
    (NotAcceptable, 406),
    (UnsupportedMediaType, 415),
    (PayloadTooLarge, 413),
    (RequestError, 400),
    (Forbidden, 403),
    (NotFound, 404),
    (DataInvalid, 422),
    (RemoteStoreError, 502),
    (Unavailable, 503),
]


def status_for(error: GraphsvcError) -> int:
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(error, error_type):
            return status
    return 500


def wants_text(request: Request) -> bool:
    chosen = negotiate(
        request.headers.get("accept"),
        ["application/json", "text/plain", "text/csv", "text/tab-separated-values", "text/html"],
    )
    return chosen is not None and chosen.startswith("text/")


def error_response(
    request: Request,
    status: int,
    kind: str,
    message: str,
    details: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    all_headers = {"Vary": "Accept", **(headers or {})}
    if wants_text(request):
        return Response(
            f"{status} {kind}: {message}\n",
            status_code=status,
            media_type="text/plain; charset=utf-8",
            headers=all_headers,
        )
    body = {"status": status, "type": kind, "message": message}
    body.update({k: v for k, v in (details or {}).items() if v is not None})
    return Response(
        json.dumps({"error": body}, ensure_ascii=False),
        status_code=status,
        media_type="application/json",
        headers=all_headers,
    )


def domain_error_response(request: Request, exc: GraphsvcError) -> Response:
    """The envelope of an error graphsvc raised on purpose (a bad query, a time limit...)."""
    status = status_for(exc)
    headers = {}
    if isinstance(exc, Unavailable):
        headers["Retry-After"] = str(exc.retry_after)
    if status == 500:
        log.error("internal error on %s: %s", request.url.path, exc.message)
    return error_response(request, status, exc.kind, exc.message, exc.details(), headers)


def unexpected_error_response(request: Request) -> Response:
    log.exception("unexpected error on %s", request.url.path)
    return error_response(request, 500, "internal", "internal server error (logged)")


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one envelope."""

    @app.exception_handler(GraphsvcError)
    async def domain_error(request: Request, exc: GraphsvcError) -> Response:
        return domain_error_response(request, exc)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        kind = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        return error_response(
            request, exc.status_code, kind, str(exc.detail), headers=dict(exc.headers or {})
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors()
        )
        return error_response(request, 400, "bad-parameter", problems)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        return unexpected_error_response(request)
