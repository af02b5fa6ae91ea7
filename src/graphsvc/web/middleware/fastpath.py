"""Queries answered below FastAPI's routing, by the same code as their routes.

Routing, dependency solving and the exception middleware cost about 0.1 ms per request (a named
query's route is matched after every other route), as much as a store needs for a point lookup,
and a query endpoint serves little else. So ``/sparql`` (GET with a query, POST) and a named
query (``GET /queries/<name>`` of a query the catalog holds) are dispatched here. Installed
innermost, so CORS, validators, 304s and HEAD still apply as to any route; errors get the same
envelope. Everything else (a bare GET of /sparql: the service description; other methods; other
paths; an unknown name, for the router's own 404) goes on to FastAPI.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from graphsvc.errors import GraphsvcError
from graphsvc.web import errors
from graphsvc.web.routes.queries import run_named
from graphsvc.web.routes.sparql import from_state

NAMED = "/queries/"


class QueryFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def _handler(self, scope: Scope) -> Callable[[Request], Awaitable[Response]] | None:
        if scope["type"] != "http":
            return None
        path, method = scope["path"], scope["method"]
        if path == "/sparql":
            if method == "POST" or (method == "GET" and b"query=" in scope["query_string"]):
                return from_state
            return None
        if method == "GET" and path.startswith(NAMED):
            name = path[len(NAMED) :]
            if name and "/" not in name and name in scope["app"].state.service.catalog:
                return lambda request: run_named(request, request.app.state.service, name)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = self._handler(scope)
        if handler is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await handler(request)
        except GraphsvcError as exc:
            response = errors.domain_error_response(request, exc)
        except Exception:
            response = errors.unexpected_error_response(request)
        await response(scope, receive, send)
