"""The simplest possible SPARQL server over pyoxigraph: a FastAPI app, run by uvicorn.

The benchmark's reference for "a minimal wrapper": the file bulk-loaded into an in-memory store,
GET and POST /sparql (a query parameter, a form or a ``application/sparql-query`` body), answers
in SPARQL JSON or XML, or Turtle or N-Triples for graphs, picked from the Accept header without
weights. No limits, validation, timeouts or error envelope: what graphsvc costs above it is
what those cost.

Usage: ``python -m bench.wrapper FILE --port 8001``
"""

from __future__ import annotations

import argparse
from urllib.parse import parse_qs

import pyoxigraph as ox
from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool

STORE = ox.Store()
RESULTS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
}
GRAPHS = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES}
app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


def pick(accept: str, offers: dict, default: str) -> str:  # type: ignore[type-arg]
    media = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    return next((m for m in media if m in offers), default)


def answer(query: str, accept: str) -> Response:
    try:
        result = STORE.query(query)
    except SyntaxError as error:
        return Response(str(error), status_code=400, media_type="text/plain")
    if isinstance(result, ox.QueryTriples):
        media = pick(accept, GRAPHS, "text/turtle")
        return Response(result.serialize(format=GRAPHS[media]), media_type=media)
    media = pick(accept, RESULTS, "application/sparql-results+json")
    return Response(result.serialize(format=RESULTS[media]), media_type=media)


@app.get("/sparql")
def get(query: str, request: Request) -> Response:
    return answer(query, request.headers.get("accept", ""))


@app.post("/sparql")
async def post(request: Request) -> Response:
    body = (await request.body()).decode()
    if request.headers.get("content-type", "").startswith("application/sparql-query"):
        query = body
    else:
        query = parse_qs(body).get("query", [""])[0]
    return await run_in_threadpool(answer, query, request.headers.get("accept", ""))


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    STORE.bulk_load(path=args.data, format=ox.RdfFormat.N_TRIPLES)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
