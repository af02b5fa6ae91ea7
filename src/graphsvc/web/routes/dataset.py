"""The dataset as a whole: VoID at ``/.well-known/void``, the dumps at ``/dumps/``, the ontology
at its namespace IRI (``/ontology``) and the SHACL shapes (``/shapes``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable

import pyoxigraph as ox
from fastapi import APIRouter, Request
from starlette.responses import FileResponse, JSONResponse, Response

from graphsvc.errors import NotFound, Unavailable
from graphsvc.formats import negotiate
from graphsvc.linkeddata.describe import serialise_triples
from graphsvc.linkeddata.iris import (
    DOCUMENT_TYPES,
    FORMAT_NAMES,
    ONTOLOGY_IRI,
    SHAPES_IRI,
    choose_document_type,
)
from graphsvc.linkeddata.jsonld import CONTEXT_MEDIA_TYPE, CONTEXT_PATH
from graphsvc.linkeddata.views import Labeller
from graphsvc.linkeddata.vocabulary import vocabulary_view
from graphsvc.linkeddata.void import VOID_PREFIXES, void_triples
from graphsvc.namespaces import GS, GSH
from graphsvc.web.deps import DatasetDep, DumpsDep, IriMapDep, ServiceDep, TemplatesDep, site_url

OWL_VERSION_IRI = "http://www.w3.org/2002/07/owl#versionIRI"

router = APIRouter(tags=["dataset"])


class DumpsNotReady(Unavailable):
    kind = "dumps-not-ready"
    retry_after = 2


def _format(request: Request) -> tuple[str, dict[str, str]]:
    """The negotiated type (``?format=ttl`` etc. wins) and the headers that say so."""
    name = request.query_params.get("format")
    if name in DOCUMENT_TYPES:
        return DOCUMENT_TYPES[name], {"Vary": "Accept"}
    return choose_document_type(request.headers.get("accept")), {"Vary": "Accept"}


def _alternate_links(path: str) -> tuple[str, list[tuple[str, str]]]:
    pairs = [(f"{path}?format={s}", m) for s, m in DOCUMENT_TYPES.items()]
    header = ", ".join(f'<{href}>; rel="alternate"; type="{m}"' for href, m in pairs)
    return header, [(href, FORMAT_NAMES[m]) for href, m in pairs if m != "text/html"]


def _rdf(triples: list[ox.Triple], media_type: str, prefixes: dict[str, str]) -> bytes:
    return serialise_triples(triples, media_type, prefixes)


@router.get("/.well-known/void", summary="VoID description of the dataset", response_class=Response)
async def void(
    request: Request,
    service: ServiceDep,
    templates: TemplatesDep,
    dataset: DatasetDep,
    iri_map: IriMapDep,
) -> Response:
    media_type, headers = _format(request)
    link, alternates = _alternate_links("/.well-known/void")
    headers["Link"] = link
    summary = await dataset.summary()
    has_shapes = bool(await dataset.shapes())
    triples = void_triples(
        summary,
        site=site_url(request),
        base_iri=service.options.base_iri,
        graphs=service.graphs,
        loaded_at=service.loaded_at,
        has_shapes=has_shapes,
    )
    if media_type != "text/html":
        body = _rdf(triples, media_type, {**VOID_PREFIXES, **service.prefixes})
        return Response(body, media_type=media_type, headers=headers)
    labeller = Labeller(summary.labels, service.prefixes)
    return templates.TemplateResponse(
        request,
        "void.html",
        {
            "summary": summary,
            "labeller": labeller,
            "site": site_url(request),
            "base_iri": service.options.base_iri,
            "has_shapes": has_shapes,
            "alternates": alternates,
            "graphs": [(g, iri_map.href(g.name)) for g in service.graphs if g.name is not None],
        },
        headers=headers,
    )


@router.get(
    "/dumps", summary="The dump files, their sizes and SHA-256 hashes", response_class=Response
)
@router.get("/dumps/", include_in_schema=False, response_class=Response)
async def dump_index(request: Request, templates: TemplatesDep, dumps: DumpsDep) -> Response:
    files = _dump_files(dumps)
    chosen = negotiate(request.headers.get("accept"), ["text/html", "application/json"])
    if request.query_params.get("format") == "json" or chosen == "application/json":
        return JSONResponse(
            {"files": [{**f.__dict__, "url": f"/dumps/{f.name}"} for f in files]},
            headers={"Vary": "Accept"},
        )
    return templates.TemplateResponse(
        request, "dumps.html", {"files": files}, headers={"Vary": "Accept"}
    )


def _dump_files(dumps: DumpsDep) -> list:  # type: ignore[type-arg]
    files = dumps.files()
    if files is None:
        failure = dumps.failure()
        if failure:
            raise Unavailable(f"the dumps could not be written: {failure}")
        raise DumpsNotReady("the dumps of this release are being written; try again shortly")
    return files


@router.get(
    "/dumps/{name}", summary="One dump file, or its .sha256 checksum line", response_class=Response
)
async def dump_file(name: str, dumps: DumpsDep) -> Response:
    files = {f.name: f for f in _dump_files(dumps)}
    if name.endswith(".sha256") and name.removesuffix(".sha256") in files:
        # The format sha256sum -c reads.
        entry = files[name.removesuffix(".sha256")]
        return Response(f"{entry.sha256}  {entry.name}\n", media_type="text/plain")
    entry = files.get(name)
    path = dumps.path(name)
    if entry is None or path is None:
        raise NotFound(f"no dump called {name!r}; see /dumps/")
    digest = base64.b64encode(bytes.fromhex(entry.sha256)).decode()
    return FileResponse(
        path,
        media_type="application/gzip" if entry.encoding == "gzip" else entry.media_type,
        filename=entry.name,
        headers={"Repr-Digest": f"sha-256=:{digest}:"},
    )


async def _vocabulary(
    request: Request,
    service: ServiceDep,
    templates: TemplatesDep,
    iri_map: IriMapDep,
    *,
    iri: str,
    namespace: str,
    path: str,
    load: Callable[[], Awaitable[list[ox.Triple]]],
    counts: dict[str, int],
    what: str,
) -> Response:
    media_type, headers = _format(request)
    link, alternates = _alternate_links(path)
    headers["Link"] = link
    triples = await load()
    if not triples:
        raise NotFound(f"no {what} is loaded in this dataset")
    if media_type != "text/html":
        body = _rdf(triples, media_type, service.prefixes)
        return Response(body, media_type=media_type, headers=headers)
    view = vocabulary_view(
        triples,
        iri=iri,
        namespace=namespace,
        iri_map=iri_map,
        prefixes=service.prefixes,
        instance_counts=counts,
    )
    return templates.TemplateResponse(
        request, "ontology.html", {"v": view, "alternates": alternates}, headers=headers
    )


@router.get(
    "/ontology",
    summary="The ontology at its namespace IRI: HTML documentation, or its RDF by Accept",
    response_class=Response,
)
async def ontology(
    request: Request,
    service: ServiceDep,
    templates: TemplatesDep,
    iri_map: IriMapDep,
    dataset: DatasetDep,
) -> Response:
    summary = await dataset.summary()
    return await _vocabulary(
        request,
        service,
        templates,
        iri_map,
        iri=ONTOLOGY_IRI,
        namespace=GS,
        path="/ontology",
        load=dataset.ontology,
        counts={c.iri: c.count for c in summary.classes},
        what="ontology",
    )


@router.get("/shapes", summary="The SHACL shapes the data conform to", response_class=Response)
async def shapes(
    request: Request,
    service: ServiceDep,
    templates: TemplatesDep,
    iri_map: IriMapDep,
    dataset: DatasetDep,
) -> Response:
    return await _vocabulary(
        request,
        service,
        templates,
        iri_map,
        iri=SHAPES_IRI,
        namespace=GSH,
        path="/shapes",
        load=dataset.shapes,
        counts={},
        what="set of SHACL shapes",
    )


@router.get(
    CONTEXT_PATH,
    summary="The JSON-LD context the Linked Data documents name: short keys for the ontology",
    response_class=Response,
)
async def jsonld_context(dataset: DatasetDep) -> Response:
    body = json.dumps({"@context": await dataset.jsonld_context()}, indent=2)
    return Response(body, media_type=CONTEXT_MEDIA_TYPE)


@router.get(
    "/ontology/{version}",
    summary="The ontology at its version IRI (owl:versionIRI), as at its namespace IRI",
    response_class=Response,
)
async def ontology_version(
    request: Request,
    service: ServiceDep,
    templates: TemplatesDep,
    iri_map: IriMapDep,
    dataset: DatasetDep,
    version: str,
) -> Response:
    iri = f"{ONTOLOGY_IRI}/{version}"
    versions = {
        str(t.object.value)
        for t in await dataset.ontology()
        if t.predicate.value == OWL_VERSION_IRI
        and t.subject == ox.NamedNode(ONTOLOGY_IRI)
        and isinstance(t.object, ox.NamedNode)
    }
    if iri not in versions:
        raise NotFound(f"<{iri}> is not the version IRI of the ontology served here")
    return await ontology(request, service, templates, iri_map, dataset)
