"""The floor under graphsvc's remote engine: uvicorn and graphsvc's own store client, nothing else.

    python -m bench.remote_floor PORT ENDPOINT      # started by bench/remote_overhead.py

A bare ASGI app on uvicorn (uvloop, httptools: what ``graphsvc serve`` runs on) that forwards
each GET's query string to the store's endpoint with ``aio.AsyncClient`` and sends the
answer back as it came: no routing, middleware, parameters, policy, parsing, negotiation or
dataset. It is what any proxy written this way costs on the machine, the way bench/ceiling.py is
for the local engine; graphsvc's time above it is graphsvc's own work.
"""

from __future__ import annotations

import sys
from typing import Any

import uvicorn

from graphsvc.store.remote.aio import AsyncClient
from graphsvc.store.remote.auth import Credentials

Scope = dict[str, Any]


def make_app(endpoint: str) -> Any:
    clients: list[AsyncClient] = []

    async def app(scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        if not clients:
            clients.append(AsyncClient(Credentials(), timeout=300, connect_timeout=5))
        accept = dict(scope["headers"]).get(b"accept", b"*/*").decode("latin-1")
        url = f"{endpoint}?{scope['query_string'].decode('latin-1')}"
        answer = await clients[0].request("GET", url, None, {"Accept": accept})
        body, _ = await answer.read()
        answer.close()
        headers = [(b"content-type", answer.header("content-type").encode("latin-1")),
                   (b"content-length", str(len(body)).encode())]  # fmt: skip
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    port, endpoint = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(
        make_app(endpoint), host="127.0.0.1", port=port, log_level="warning", lifespan="off",
        loop="uvloop", http="httptools",
    )  # fmt: skip


if __name__ == "__main__":
    main()
