"""The HTTP ceiling: an ASGI app that answers every request with one fixed SPARQL JSON body.

Served by uvicorn with the settings ``graphsvc serve`` uses, it is the most requests per second
that server stack can give on this machine: no routing, no query, no serialisation.

Usage: ``python -m bench.ceiling --port 8001 [--http-workers N]``
"""

from __future__ import annotations

import argparse
from typing import Any

BODY = b'{"head":{},"boolean":true}'
HEADERS = [
    (b"content-type", b"application/sparql-results+json"),
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


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--http-workers", type=int, default=1)
    args = parser.parse_args()
    uvicorn.run(
        "bench.ceiling:app" if args.http_workers > 1 else app,
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        workers=args.http_workers if args.http_workers > 1 else None,
    )


if __name__ == "__main__":
    main()
