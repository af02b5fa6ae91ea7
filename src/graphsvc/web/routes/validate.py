"""``POST /validate``: the same validation as ``graphsvc validate FILE``, over HTTP.

The body is an RDF document; its Content-Type picks the parser. The answer is the report, as JSON
(the schema of docs/validate.md) or as the W3C SHACL validation report in Turtle, by Accept:
200 whether or not it conforms (``conforms`` says which). The document is validated on its own,
with the project's ontology and against the project's shapes; it is never added to the served
graph. Validation is CPU work, so it runs in a thread, at most two at a time, with a bounded queue.

Errors: 415 for a Content-Type that is not RDF, 413 for a body over the size limit, 400 with
``line`` and ``column`` for a body that does not parse, 406 for an Accept neither type satisfies.
"""

from __future__ import annotations

import asyncio

import pyoxigraph as ox
from fastapi import APIRouter, Request
from starlette.responses import Response

from graphsvc.config import project_root
from graphsvc.errors import NotAcceptable, ParameterError, UnsupportedMediaType
from graphsvc.execution.admission import Admission
from graphsvc.formats import negotiate
from graphsvc.validation.findings import Severity
from graphsvc.validation.reports import render
from graphsvc.validation.validator import ValidationOptions, validate_document
from graphsvc.web.body import media_type_of, read_body
from graphsvc.web.deps import SettingsDep

router = APIRouter(tags=["validation"])

BODY_FORMATS: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/trig": ox.RdfFormat.TRIG,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
BODY_ALIASES = {
    "application/x-turtle": "text/turtle",
    "application/turtle": "text/turtle",
    "application/x-trig": "application/trig",
    "text/x-nquads": "application/n-quads",
}
REPORT_TYPES = ["application/json", "text/turtle"]
RUNNING_AT_ONCE = 2
MAX_WAITING = 8


class BodySyntaxError(ParameterError):
    """The posted document does not parse."""

    kind = "rdf-syntax"

    def __init__(self, message: str, line: int | None, column: int | None) -> None:
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"the body does not parse: {where}{message}")
        self.line = line
        self.column = column

    def details(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column}


def _admission(request: Request) -> Admission:
    """The app's validation slots (created on first use: most apps never validate over HTTP)."""
    admission: Admission | None = getattr(request.app.state, "validation_admission", None)
    if admission is None:
        admission = Admission(RUNNING_AT_ONCE, max_waiting=MAX_WAITING, what="validations")
        request.app.state.validation_admission = admission
    return admission


def _options(request: Request, base_iri: str) -> ValidationOptions:
    params = request.query_params
    disabled = [p.strip() for v in params.getlist("disable") for p in v.split(",") if p.strip()]
    try:
        return ValidationOptions(
            base_iri=base_iri,
            disabled=frozenset(disabled),
            fail_on=Severity.parse(params.get("fail-on", "violation")),
        )
    except ValueError as exc:
        raise ParameterError(str(exc)) from None


@router.post(
    "/validate",
    summary="Validate an RDF document against the shapes and lints; answer the report",
    response_class=Response,
    responses={
        200: {
            "content": {"application/json": {}, "text/turtle": {}},
            "description": "The validation report, conforming or not",
        }
    },
    openapi_extra={
        "requestBody": {"content": {t: {"schema": {"type": "string"}} for t in BODY_FORMATS}},
        "parameters": [
            {"name": "fail-on", "in": "query", "schema": {"type": "string"}},
            {"name": "disable", "in": "query", "schema": {"type": "string"}},
        ],
    },
)
async def validate_body(request: Request, settings: SettingsDep) -> Response:
    given = media_type_of(request)
    media_type = BODY_ALIASES.get(given or "", given or "")
    rdf_format = BODY_FORMATS.get(media_type)
    if rdf_format is None:
        raise UnsupportedMediaType(
            f"POST /validate reads {', '.join(BODY_FORMATS)}; got {given or 'no Content-Type'}",
            list(BODY_FORMATS),
        )
    accept = request.headers.get("accept")
    answer = negotiate(accept, REPORT_TYPES, {"application/x-turtle": "text/turtle"})
    if answer is None:
        raise NotAcceptable(
            f"the report is available as {', '.join(REPORT_TYPES)}; Accept was {accept}",
            REPORT_TYPES,
        )
    options = _options(request, settings.base_iri)
    body = await read_body(request, settings.max_body_bytes)
    admission = _admission(request)
    await admission.acquire()
    try:
        report = await asyncio.to_thread(
            validate_document, body, rdf_format, project_root=project_root(), options=options
        )
    finally:
        admission.release()
    if report.parse_failed:
        first = report.findings[0]
        raise BodySyntaxError(first.message, first.line, first.column)
    text = render(report, "json" if answer == "application/json" else "turtle")
    media = "application/json" if answer == "application/json" else "text/turtle; charset=utf-8"
    return Response(text, media_type=media, headers={"Vary": "Accept"})
