"""The HTTP ceilings: a fixed SPARQL JSON answer to every request, with no query behind it.

Two of them, each served by uvicorn with the settings ``graphsvc serve`` uses (uvloop, httptools):

- ``asgi``: a bare ASGI app, no framework. The most requests per second that server stack can
  give on this machine, and its sequential round trip is the least any server on it can take;
  the benchmark subtracts that round trip from graphsvc's latency (bench/report.py).
- ``fastapi``: the same answer from one FastAPI route, so that what the framework's routing,
  request and response objects add is visible apart from what graphsvc adds.

Usage: ``python -m bench.ceiling --port 8001 [--framework asgi|fastapi] [--http-workers N]``
"""

from __future__ import annotations

import argparse
from typing import Any

BODY = b'{"head":{},"boolean":true}'
MEDIA = "application/sparql-results+json"
HEADERS = [
    (b"content-type", MEDIA.encode()),
    (b"content-length", str(len(BODY)).encode()),
]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})


def fastapi_app() -> Any:
    from fastapi import FastAPI, Response

    framework = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @framework.get("/{path:path}")
    async def fixed(path: str) -> Response:
        return Response(BODY, media_type=MEDIA)

    return framework


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--framework", choices=["asgi", "fastapi"], default="asgi")
    parser.add_argument("--http-workers", type=int, default=1)
    args = parser.parse_args()
    target = app if args.framework == "asgi" else fastapi_app()
    uvicorn.run(
        ("bench.ceiling:app" if args.framework == "asgi" else "bench.ceiling:fastapi_app")
        if args.http_workers > 1
        else target,
        factory=args.framework == "fastapi" and args.http_workers > 1,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        workers=args.http_workers if args.http_workers > 1 else None,
    )


if __name__ == "__main__":
    main()
