"""The pages for people: the home page, the list of a class's members, and the query page.

All are rendered on the server and work without JavaScript.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import APIRouter, Request
from starlette.responses import Response

from graphsvc.errors import GraphsvcError, NotFound, ParameterError
from graphsvc.linkeddata.describe import construct, labels_query, parse_triples
from graphsvc.linkeddata.iris import IriMap
from graphsvc.linkeddata.summary import select
from graphsvc.linkeddata.views import PLAIN_DATATYPES, Labeller, Node
from graphsvc.queries import NamedQuery
from graphsvc.service import GraphService
from graphsvc.sparql import Operation
from graphsvc.web.deps import DatasetDep, IriMapDep, ServiceDep, TemplatesDep
from graphsvc.web.errors import status_for

router = APIRouter(tags=["site"])
PAGE_SIZE = 100
ROWS_SHOWN = 1000
# Results up to this size go into the query page as they came, so that its editor shows them
# without running the query a second time (web/static/editor/query.js).
EMBEDDED_BYTES = 1_000_000
EXAMPLE_QUERY = """PREFIX gs: <https://w3id.org/graphsvc/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?claim ?claimant ?quote WHERE {
  ?claim a gs:Claim ; gs:claimant ?claimant ; gs:quote ?quote .
} LIMIT 20"""
SOLUTION_FORMATS = [("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"), ("tsv", "TSV")]
GRAPH_FORMATS = [("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD"), ("rdf", "RDF/XML")]


def _node(labeller: Labeller, iri_map: IriMap, iri: str) -> Node:
    return Node("iri", iri, labeller.label(iri), iri_map.href(iri))


@router.get("/", summary="Home page", include_in_schema=False)
async def home(
    request: Request,
    service: ServiceDep,
    templates: TemplatesDep,
    dataset: DatasetDep,
    iri_map: IriMapDep,
) -> Response:
    summary = await dataset.summary()
    labeller = Labeller(summary.labels, service.prefixes)
    return templates.TemplateResponse(
        request,
        "home.html",
        {
            "service": service,
            "summary": summary,
            "classes": [(_node(labeller, iri_map, c.iri), c.count) for c in summary.data_classes],
            "claimants": [(_node(labeller, iri_map, c.iri), c.count) for c in summary.claimants],
            "license": _node(labeller, iri_map, summary.license) if summary.license else None,
            "queries": list(service.catalog),
            "browse": lambda iri: "/browse?" + urlencode({"class": iri}),
        },
    )


@router.get("/browse", summary="The members of a class, by label", include_in_schema=False)
async def browse(
    request: Request,
    service: ServiceDep,
    templates: TemplatesDep,
    iri_map: IriMapDep,
    page: int = 1,
) -> Response:
    class_iri = request.query_params.get("class", "")
    try:
        node = ox.NamedNode(class_iri)
    except ValueError:
        raise ParameterError("give the class as an absolute IRI: /browse?class=IRI") from None
    page = max(page, 1)
    found = await select(
        service,
        # The aggregate sits in a sub-SELECT: ordering by an aggregate's alias in the same query
        # is valid SPARQL 1.1, but Virtuoso 7 refuses it (SP031) and this page must work over
        # the remote engine too.
        f"SELECT ?s ?label WHERE {{ {{ SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{ ?s a {node} "
        "FILTER(isIRI(?s)) OPTIONAL { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l "
        'FILTER(langMatches(lang(?l), "en") || lang(?l) = "") } } GROUP BY ?s } } '
        f"ORDER BY LCASE(STR(?label)) ?s LIMIT {PAGE_SIZE + 1} OFFSET {(page - 1) * PAGE_SIZE}",
    )
    if not found and page == 1:
        raise NotFound(f"nothing in this dataset is of the class <{class_iri}>")
    members = [row["s"] for row in found[:PAGE_SIZE]]
    query = labels_query([*members, class_iri])
    labeller = Labeller(await construct(service, query) if query else [], service.prefixes)

    def link(number: int) -> str:
        return "/browse?" + urlencode({"class": class_iri, "page": number})

    return templates.TemplateResponse(
        request,
        "browse.html",
        {
            "cls": _node(labeller, iri_map, class_iri),
            "members": [_node(labeller, iri_map, m) for m in members],
            "page": page,
            "previous": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if len(found) > PAGE_SIZE else None,
        },
    )


@dataclass
class Results:
    columns: list[str]
    rows: list[list[Node | None]]
    total: int
    truncated: bool
    boolean: bool | None = None
    raw: str | None = None
    """The answer as the endpoint gives it (SPARQL JSON or N-Triples), when small enough."""
    media_type: str = ""
    seconds: float = 0.0


def _term(binding: dict[str, str], labeller: Labeller, iri_map: IriMap) -> Node:
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return Node("iri", value, labeller.label(value), iri_map.href(value))
    if kind == "bnode":
        return Node("bnode", value, f"_:{value}")
    datatype = binding.get("datatype")
    return Node(
        "literal",
        value,
        value,
        lang=binding.get("xml:lang"),
        datatype=labeller.compact(datatype)
        if datatype and datatype not in PLAIN_DATATYPES
        else None,
    )


async def run_for_table(
    service: GraphService, named: NamedQuery | None, text: str, bindings: dict[str, ox.NamedNode]
) -> tuple[Results, Operation]:
    """Run a query for the results table: solutions as JSON, graphs as N-Triples."""
    classified = service.prepare(text)
    graph = classified.operation.returns_graph
    media_type = "application/n-triples" if graph else "application/sparql-results+json"
    started = time.perf_counter()
    result = await service.run(
        text,
        media_type,
        bindings=bindings or None,
        classified=classified,
    )
    seconds = time.perf_counter() - started
    if graph:
        triples = parse_triples(result.body)
        columns = ["subject", "predicate", "object"]
        raw = [[_raw(t.subject), _raw(t.predicate), _raw(t.object)] for t in triples[:ROWS_SHOWN]]
        boolean = None
    else:
        data = json.loads(result.body)
        boolean = data.get("boolean")
        columns = data.get("head", {}).get("vars", [])
        raw = [
            [row.get(var) for var in columns]
            for row in data.get("results", {}).get("bindings", [])[:ROWS_SHOWN]
        ]
    iris = [cell["value"] for row in raw for cell in row if cell and cell["type"] == "uri"]
    query = labels_query(iris[:2000])
    labeller = Labeller(await construct(service, query) if query else [], service.prefixes)
    iri_map = IriMap(service.options.base_iri)
    rows = [[_term(c, labeller, iri_map) if c else None for c in row] for row in raw]
    body = result.body.decode("utf-8") if len(result.body) <= EMBEDDED_BYTES else None
    table = Results(
        columns, rows, result.rows, result.truncated, boolean, body, media_type, seconds
    )
    return table, classified.operation


def _raw(term: object) -> dict[str, str]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif not term.datatype.value.endswith("#string"):
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}


@router.get(
    "/query", summary="Query page: a form, a results table and downloads", include_in_schema=False
)
async def query_page(request: Request, service: ServiceDep, templates: TemplatesDep) -> Response:
    params = request.query_params
    name = params.get("name")
    named = service.catalog.get(name) if name else None
    text = params.get("query") or (named.text if named else "")
    context: dict[str, object] = {
        "query": text or EXAMPLE_QUERY,
        "named": named,
        "values": {},
        "results": None,
        "error": None,
        "downloads": [],
    }
    status = 200
    if named is not None or params.get("query"):
        try:
            given = {k: v for k, v in params.items() if named and k not in ("name", "format")}
            context["values"] = given
            bindings = named.bindings(given) if named else {}
            results, operation = await run_for_table(service, named, text, bindings)  # type: ignore[arg-type]
            context["results"] = results
            formats = GRAPH_FORMATS if operation.returns_graph else SOLUTION_FORMATS
            if named is not None:
                base = f"/queries/{named.name}?"
                context["downloads"] = [
                    (base + urlencode({**given, "format": f}), label) for f, label in formats
                ]
            else:
                context["downloads"] = [
                    ("/sparql?" + urlencode({"query": text, "format": f}), label)
                    for f, label in formats
                ]
        except GraphsvcError as exc:
            status = status_for(exc)
            context["error"] = exc.message
    return templates.TemplateResponse(request, "query.html", context, status_code=status)
