"""Every other IRI under the base dereferences: ``GET /<path>`` for the IRI ``<base><path>``.

Serving a user's files, their resources may be named ``<base>resource/x``, ``<base>people/ada``
or anything else: each answers 303 See Other to its document (``/about/<path>.<suffix>``), by
content negotiation, exactly as the ``<base>id/`` IRIs do. This router is included last, so a
path that is a route of the service (``/sparql``, ``/queries``, ``/ontology``...) is never taken
for an IRI; such an IRI is described at ``/about/<path>`` all the same.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from graphsvc.web.deps import IriMapDep, ServiceDep
from graphsvc.web.routes.resources import see_other

router = APIRouter(tags=["Linked Data"])


@router.get(
    "/{path:path}",
    summary="Any other IRI under the base: 303 See Other to a document about it, or 404",
    response_class=Response,
    status_code=303,
)
async def dereference(
    request: Request, service: ServiceDep, iri_map: IriMapDep, path: str
) -> Response:
    return await see_other(request, service, iri_map, iri_map.iri_for(path))
