"""What the query editor asks the server for, and the files it is made of.

- ``/query/vocabulary.json``: prefixes, classes and properties (with labels), result formats;
- ``/query/resources.json?q=``: the data's resources whose label matches what was typed;
- ``POST /query/labels``: labels and Linked Data links for the IRIs of a result, so the editor's
  table links and names them as the server-rendered table does;
- ``/static/``: the editor's own script and the vendored CodeMirror bundle, so the page needs
  nothing from any other origin.
"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from fastapi import APIRouter, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import JSONResponse, Response

from graphsvc.errors import ParameterError
from graphsvc.linkeddata.completion import completion_state
from graphsvc.linkeddata.describe import construct, labels_query
from graphsvc.linkeddata.views import Labeller
from graphsvc.web.body import read_body
from graphsvc.web.deps import IriMapDep, ServiceDep, SettingsDep
from graphsvc.web.routes.site import GRAPH_FORMATS, SOLUTION_FORMATS

STATIC = Path(__file__).resolve().parents[1] / "static"
MAX_LABELLED = 2000
# The completion lists change only with the data; a browser may keep them for a while.
CACHE = {"Cache-Control": "max-age=60"}

router = APIRouter(tags=["query editor"], include_in_schema=False)


@router.get("/query/vocabulary.json", summary="What the query editor completes")
async def vocabulary(service: ServiceDep) -> Response:
    completions = await completion_state(service).get()
    body = {
        **completions.vocabulary_json(),
        "formats": {
            "solutions": [{"name": f, "label": label} for f, label in SOLUTION_FORMATS],
            "graph": [{"name": f, "label": label} for f, label in GRAPH_FORMATS],
        },
    }
    return JSONResponse(body, headers=CACHE)


@router.get("/query/resources.json", summary="Resources whose label matches q")
async def resources(service: ServiceDep, q: str = "", limit: int = 30) -> Response:
    completions = await completion_state(service).get()
    found = completions.search(q, max(1, min(limit, 100)))
    return JSONResponse({"resources": [t.to_json() for t in found]}, headers=CACHE)


@router.post("/query/labels", summary="Labels and page links for IRIs")
async def labels(
    request: Request, service: ServiceDep, settings: SettingsDep, iri_map: IriMapDep
) -> Response:
    body = await read_body(request, settings.max_body_bytes)
    try:
        iris = json.loads(body or b"[]")
    except ValueError:
        raise ParameterError("send the IRIs as a JSON list of strings") from None
    if not isinstance(iris, list) or not all(isinstance(i, str) for i in iris):
        raise ParameterError("send the IRIs as a JSON list of strings")
    wanted = [i for i in dict.fromkeys(iris) if _is_iri(i)][:MAX_LABELLED]
    query = labels_query(wanted)
    labeller = Labeller(await construct(service, query) if query else [], service.prefixes)
    return JSONResponse(
        {i: {"label": labeller.label(i), "href": iri_map.href(i)} for i in wanted}
    )


def _is_iri(text: str) -> bool:
    try:
        ox.NamedNode(text)
    except ValueError:
        return False
    return True


def install(app: FastAPI) -> None:
    """The editor's routes and its static files."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
