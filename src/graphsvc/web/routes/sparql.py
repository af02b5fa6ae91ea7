"""The SPARQL 1.1 Protocol endpoint at ``/sparql``.

GET with ``query``; POST form-encoded; POST ``application/sparql-query``. ``default-graph-uri`` and
``named-graph-uri`` select the dataset. ``format`` overrides Accept (for links). A bare GET answers
the service description. Updates are parsed and refused: this endpoint is read-only.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from fastapi import APIRouter, Request
from starlette.responses import Response

from graphsvc.errors import NotAcceptable, ParameterError, UnsupportedMediaType
from graphsvc.formats import (
    ALIASES,
    GRAPH_ALIASES,
    GRAPH_TYPES,
    RESULT_TYPES,
    negotiate,
    resolve_format_name,
)
from graphsvc.serialize import GRAPH_SERIALISERS, Serialised
from graphsvc.service import GraphService
from graphsvc.sparql import Operation, check_depth, classify, refuse_update
from graphsvc.web.body import (
    decode_utf8,
    media_type_of,
    parse_form,
    parse_url_query,
    read_body,
)
from graphsvc.web.deps import TemplatesDep
from graphsvc.web.disconnect import ClientGone, until_disconnected
from graphsvc.web.routes import service_description

router = APIRouter(tags=["SPARQL"])

QUERY_CONTENT_TYPES = [
    "application/sparql-query",
    "application/x-www-form-urlencoded",
    "application/sparql-update",
]
PROTOCOL_PARAMS = {"query", "update", "default-graph-uri", "named-graph-uri", "format"}
SINGLE_PARAMS = ("query", "update")
GRAPH_RESULT_TYPES = [t for t in GRAPH_TYPES if t in GRAPH_SERIALISERS]


def _text_type(media_type: str) -> str:
    if media_type.startswith("text/") or media_type.endswith("+xml") or "json" in media_type:
        return f"{media_type}; charset=utf-8"
    return media_type


# The parameters that name a result format. `format` is ours (and Virtuoso's); SPARQLWrapper,
# not knowing which one an endpoint reads, repeats its choice under all three, and for some
# formats adds the media type as a second value (format=tsv&format=text/tab-separated-values).
FORMAT_PARAMS = ("format", "output", "results")


def _format_for(name: str, graph: bool) -> str | None:
    """The media type a format name or media type means for this query form, or None."""
    value = name.strip().lower()
    # The same short names mean different things for graphs and for solutions.
    if graph and value in ("xml", "json", "n3", "rdf"):
        value = {"xml": "rdfxml", "json": "jsonld", "n3": "turtle", "rdf": "rdfxml"}[value]
    if graph and "/" in value:
        return GRAPH_ALIASES.get(value, value)
    resolved = resolve_format_name(value)
    if graph and resolved in GRAPH_ALIASES:
        resolved = GRAPH_ALIASES[resolved]
    return resolved


def choose_media_type(
    operation: Operation, accept: str | None, format_param: str | Sequence[str] | None
) -> str:
    """The response type for a query: what the format parameter(s) name, else by Accept.

    The rule (README, "Result formats"): empty values are ignored, and a value may list several
    (comma-separated); every value must be a format
    name or media type we know (else 406); the values that name a type we serve for this query
    form must all name the same one (else 400), and that is the answer; when none does (CSV asked
    of a CONSTRUCT), Accept decides, and only if Accept names nothing we serve either is it 406.
    """
    graph = operation.returns_graph
    offered = GRAPH_RESULT_TYPES if graph else RESULT_TYPES
    given = [format_param] if isinstance(format_param, str) else list(format_param or ())
    # A value may be a list of media types, as an Accept header is (SPARQLWrapper's JSON-LD).
    values = [part.strip() for v in given for part in v.split(",") if part.strip()]
    served: dict[str, str] = {}
    for value in values:
        resolved = _format_for(value, graph)
        if resolved is None or (resolved not in RESULT_TYPES and resolved not in GRAPH_TYPES):
            raise NotAcceptable(
                f"format {value!r} is not a format graphsvc knows; "
                f"for {operation.value} queries use one of: {', '.join(offered)}",
                offered,
            )
        if resolved in offered:
            served.setdefault(resolved, value)
    if len(served) > 1:
        raise ParameterError(
            "the format parameters ask for different formats ("
            + ", ".join(f"{v!r}" for v in served.values())
            + "); give one"
        )
    if served:
        return next(iter(served))
    chosen = negotiate(accept, offered, GRAPH_ALIASES if graph else ALIASES)
    explicit = chosen is not None and accept is not None and accept.strip() not in ("", "*/*")
    if values and not explicit:
        if operation is Operation.UNKNOWN:
            return offered[0]
        raise NotAcceptable(
            f"format {values[0]!r} is not available for {operation.value} queries; "
            f"use one of: {', '.join(offered)}",
            offered,
        )
    if chosen is None and operation is Operation.UNKNOWN:
        # Not a recognisable query: the engine's syntax error is the useful answer, not a 406.
        return offered[0]
    if chosen is None:
        raise NotAcceptable(
            f"none of the types in Accept ({accept}) is available for {operation.value} "
            f"queries; supported: {', '.join(offered)}",
            offered,
        )
    return chosen


def query_response(result: Serialised) -> Response:
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["X-Result-Truncated"] = "true"
        headers["X-Result-Max-Rows"] = str(result.rows)
    return Response(result.body, media_type=_text_type(result.media_type), headers=headers)


def _single(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name, [])
    if len(values) > 1:
        raise ParameterError(f"the parameter '{name}' is given {len(values)} times; give it once")
    return values[0] if values else None


@functools.lru_cache(maxsize=256)
def _url_params(query_string: bytes) -> tuple[tuple[str, str], ...]:
    # Decoded once per distinct URL: clients repeat their queries, and decoding a query's URL
    # costs as much as the rest of the request's own work. Strictly, as a form body is
    # (body.parse_form): Starlette would put U+FFFD for bytes that are not UTF-8 (`%FF`) and
    # run a query the client never wrote.
    return tuple(parse_url_query(query_string))


async def _protocol_params(request: Request, limit: int) -> dict[str, list[str]]:
    """Collect the protocol parameters of a request from its URL and body."""
    params: dict[str, list[str]] = {}
    for key, value in _url_params(request.scope.get("query_string", b"")):
        params.setdefault(key, []).append(value)
    if request.method != "POST":
        return params
    content_type = media_type_of(request)
    body = await read_body(request, limit)
    if content_type == "application/x-www-form-urlencoded":
        for key, value in parse_form(body):
            params.setdefault(key, []).append(value)
    elif content_type in ("application/sparql-query", "application/sparql-update"):
        key = "query" if content_type == "application/sparql-query" else "update"
        if key in params or ("query" in params and key == "update"):
            raise ParameterError(
                f"the {key} is both in the URL and in the body; send it in one place"
            )
        text = decode_utf8(body, f"the {key} body")
        if not text.strip():
            raise ParameterError(f"the {key} body is empty")
        params[key] = [text]
    else:
        raise UnsupportedMediaType(
            f"POST /sparql needs a Content-Type of {', '.join(QUERY_CONTENT_TYPES)}; "
            f"got {content_type or 'none'}",
            QUERY_CONTENT_TYPES,
        )
    return params


async def _handle(
    request: Request,
    service: GraphService,
    max_body: int,
    templates: TemplatesDep,
) -> Response:
    params = await _protocol_params(request, max_body)
    query = _single(params, "query")
    update = _single(params, "update")
    formats = [v for name in FORMAT_PARAMS for v in params.get(name, [])]
    if query is not None and update is not None:
        raise ParameterError("give either 'query' or 'update', not both")
    if update is not None:
        if not update.strip():
            raise ParameterError("the update is empty")
        check_depth(classify(update))
        refuse_update(update)
    if query is None:
        if request.method == "GET" and not (set(params) & {"default-graph-uri", "named-graph-uri"}):
            endpoint = str(request.url_for("sparql_get"))
            return service_description.service_description(request, service, templates, endpoint)
        raise ParameterError("missing the 'query' parameter")
    if not query.strip():
        raise ParameterError("the 'query' parameter is empty")
    classified = service.prepare(query)
    media_type = choose_media_type(classified.operation, request.headers.get("accept"), formats)
    run = service.run(
        query,
        media_type,
        default_graph_uris=_iris(params.get("default-graph-uri", []), "default-graph-uri"),
        named_graph_uris=_iris(params.get("named-graph-uri", []), "named-graph-uri"),
        classified=classified,
    )
    try:
        result = await until_disconnected(request.receive, run)
    except ClientGone:
        # Nobody reads this answer; 499 (nginx's "client closed request") names it in logs.
        return Response(status_code=499)
    return query_response(result)


def _iris(values: Sequence[str], name: str) -> list[str]:
    for value in values:
        if not value or any(c in value for c in ' <>"{}|\\^`') or ":" not in value:
            raise ParameterError(f"{name} must be an absolute IRI, got {value!r}")
    return list(values)


PROTOCOL_PARAMETERS = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "The SPARQL query. Without it, GET answers the service description."},
    {"name": "default-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "explode": True,
     "description": "A graph of the query's default graph (repeatable)."},
    {"name": "named-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "explode": True,
     "description": "A named graph of the query's dataset (repeatable)."},
    {"name": "format", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Result format, overriding Accept: json, xml, csv, tsv, ttl, nt, jsonld, rdf."},
]


@router.get(
    "/sparql",
    summary="SPARQL 1.1 query (GET), or the service description when no query is given",
    response_class=Response,
    openapi_extra={"parameters": PROTOCOL_PARAMETERS},
)
async def sparql_get(request: Request) -> Response:
    return await from_state(request)


@router.post(
    "/sparql",
    summary="SPARQL 1.1 query by POST (form-encoded or application/sparql-query)",
    response_class=Response,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/sparql-query": {"schema": {"type": "string"}},
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                        },
                    }
                },
            }
        }
    },
)
async def sparql_post(request: Request) -> Response:
    return await from_state(request)


async def from_state(request: Request) -> Response:
    # The hot path: what the app holds is read here rather than injected (FastAPI's dependency
    # solving costs about as much as a small query), and the endpoint's own URL (url_for walks
    # every route) is only worked out for the service description.
    state = request.app.state
    return await _handle(request, state.service, state.settings.max_body_bytes, state.templates)
