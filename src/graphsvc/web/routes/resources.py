"""Linked Data: ``/id/...`` names things (303 See Other), ``/doc/...`` describes them
(``/about/...`` describes any other IRI under the base), and ``/graph/...`` serves the named
graphs. See ``graphsvc.linkeddata.describe`` for the recipe."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import APIRouter, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from graphsvc.errors import NotAcceptable, NotFound
from graphsvc.linkeddata.describe import construct, describe, exists, labels_query
from graphsvc.linkeddata.iris import (
    DOCUMENT_TYPES,
    FORMAT_NAMES,
    SUFFIX_FOR,
    IriMap,
    alternates,
    choose_document_type,
    link_header,
    split_suffix,
)
from graphsvc.linkeddata.jsonld import CONTEXT_MEDIA_TYPE, CONTEXT_PATH, compact, script_safe
from graphsvc.linkeddata.summary import DatasetInfo, select
from graphsvc.linkeddata.views import Labeller, resource_view
from graphsvc.service import GraphService
from graphsvc.web.deps import DatasetDep, IriMapDep, ServiceDep, TemplatesDep, site_url

router = APIRouter(tags=["Linked Data"])
GRAPH_SUBJECTS_SHOWN = 500


def rdf_response(body: bytes, media_type: str, headers: dict[str, str]) -> Response:
    return Response(body, media_type=media_type, headers=headers)


@router.get(
    "/id/{path:path}",
    summary="A thing named by an IRI under the base: 303 See Other to a document about it",
    response_class=Response,
    status_code=303,
)
async def identify(
    request: Request, service: ServiceDep, iri_map: IriMapDep, path: str
) -> Response:
    return await see_other(request, service, iri_map, iri_map.iri_for("id/" + path))


async def see_other(
    request: Request, service: GraphService, iri_map: IriMap, iri: str
) -> Response:
    """303 See Other from a thing's IRI to the document about it, by content negotiation."""
    media_type = choose_document_type(request.headers.get("accept"))
    if not await exists(service, iri):
        raise NotFound(f"nothing in this dataset is described by <{iri}>")
    location = iri_map.document_path(iri, SUFFIX_FOR[media_type])
    return Response(
        f"See Other: {location}\n",
        status_code=303,
        media_type="text/plain",
        headers={"Location": location, "Vary": "Accept", "Link": link_header(iri_map, iri)},
    )


# The documents about IRIs under the base: /doc/ for a thing <base>id/<path>, /about/ for any
# other <base><path> (iris.IriMap.document_path says why there are two).
DOCUMENT_PREFIXES = {"/doc/": "id/", "/about/": ""}


@router.get(
    "/doc/{path:path}",
    summary="The description of a thing, as HTML, Turtle, JSON-LD, N-Triples or RDF/XML",
    response_class=Response,
)
@router.get(
    "/about/{path:path}",
    summary="The description of any other IRI under the base (as /doc/ for <base>id/ IRIs)",
    response_class=Response,
)
async def document(
    request: Request,
    service: ServiceDep,
    templates: TemplatesDep,
    iri_map: IriMapDep,
    dataset: DatasetDep,
    path: str,
) -> Response:
    stem, media_type = split_suffix(path)
    # Which of the two routes matched (its template, whatever path the app is mounted under).
    route = getattr(request.scope.get("route"), "path", "/doc/")
    prefix = next((p for p in DOCUMENT_PREFIXES if route.startswith(p)), "/doc/")
    iri = iri_map.iri_for(DOCUMENT_PREFIXES[prefix] + stem)
    return await _document(request, service, templates, iri_map, dataset, iri, media_type)


async def _document(
    request: Request,
    service: GraphService,
    templates: Jinja2Templates,
    iri_map: IriMap,
    dataset: DatasetInfo,
    iri: str,
    media_type: str | None,
) -> Response:
    headers: dict[str, str] = {}
    if media_type is None:
        # The generic document negotiates, and names the exact one it sent.
        media_type = choose_document_type(request.headers.get("accept"))
        headers["Vary"] = "Accept"
        headers["Content-Location"] = iri_map.document_path(iri, SUFFIX_FOR[media_type])
    headers["Link"] = link_header(iri_map, iri)
    description = await describe(service, iri)
    if media_type == CONTEXT_MEDIA_TYPE:
        body = compact(
            description.ordered(),
            await dataset.jsonld_context(),
            context_url=site_url(request) + CONTEXT_PATH,
        )
        return rdf_response(body, media_type, headers)
    if media_type != "text/html":
        return rdf_response(
            description.serialise(media_type, service.prefixes), media_type, headers
        )
    view = resource_view(description, iri_map, service.prefixes)
    embedded = compact(description.ordered(), await dataset.jsonld_context(), context_url=None)
    return templates.TemplateResponse(
        request,
        "resource.html",
        {
            "view": view,
            "alternates": [
                (href, FORMAT_NAMES[media])
                for href, media in alternates(iri_map, iri)
                if media != "text/html"
            ],
            "structured_data": script_safe(embedded),
        },
        headers=headers,
    )


GRAPH_FORMATS = {suffix: media for suffix, media in DOCUMENT_TYPES.items()}


@router.get(
    "/graph/{path:path}",
    summary="A named graph: its contents as RDF, or a page listing what it describes",
    response_class=Response,
)
async def named_graph(
    request: Request,
    service: ServiceDep,
    templates: TemplatesDep,
    iri_map: IriMapDep,
    path: str,
) -> Response:
    iri = iri_map.iri_for("graph/" + path)
    info = next((g for g in service.graphs if g.name == iri), None)
    if info is None:
        raise NotFound(f"there is no named graph <{iri}> in this dataset")
    format_param = request.query_params.get("format")
    headers = {"Vary": "Accept"}
    if format_param:
        if format_param not in GRAPH_FORMATS:
            offered = list(GRAPH_FORMATS)
            raise NotAcceptable(f"format must be one of {', '.join(offered)}", offered)
        media_type = GRAPH_FORMATS[format_param]
    else:
        media_type = choose_document_type(request.headers.get("accept"))
    local = iri_map.local_path(iri) or iri
    headers["Link"] = ", ".join(
        f'<{local}?format={s}>; rel="alternate"; type="{m}"' for s, m in GRAPH_FORMATS.items()
    )
    node = f"<{iri}>"
    if media_type != "text/html":
        result = await service.run(
            f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}", media_type
        )
        if result.truncated:
            headers["X-Result-Truncated"] = "true"
            headers["X-Result-Max-Rows"] = str(result.rows)
        return rdf_response(result.body, media_type, headers)
    subjects = await _graph_subjects(service, iri)
    labeller = Labeller(await _labels(service, subjects), service.prefixes)
    return templates.TemplateResponse(
        request,
        "graph.html",
        {
            "graph": info,
            "local": local,
            "subjects": sorted(
                ((labeller.label(s), iri_map.href(s)) for s in subjects),
                key=lambda x: x[0].casefold(),
            ),
            "shown": GRAPH_SUBJECTS_SHOWN,
            "formats": [(s, FORMAT_NAMES[m]) for s, m in GRAPH_FORMATS.items() if s != "html"],
        },
        headers=headers,
    )


async def _graph_subjects(service: GraphService, graph: str) -> list[str]:
    found = await select(
        service,
        f"SELECT DISTINCT ?s WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o FILTER(isIRI(?s)) }} }} "
        f"ORDER BY ?s LIMIT {GRAPH_SUBJECTS_SHOWN}",
    )
    return [row["s"] for row in found]


async def _labels(service: GraphService, iris: list[str]) -> list[ox.Triple]:
    query = labels_query(iris)
    return await construct(service, query) if query else []
