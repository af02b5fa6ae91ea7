"""One server process: uvicorn serving the app, alone or under the supervisor (supervisor.py).

The command line builds the app (cli/serve.py); this module only runs it.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any, NoReturn

import uvicorn

from graphsvc.server import access_log
from graphsvc.server.protocol import DEFAULT_MAX_HEAD_BYTES, DEFAULT_MAX_HEADERS, guarded_protocol

_serving: list[uvicorn.Server] = []


def stop_accepting() -> None:
    """Stop taking connections (on the event loop's thread): the other processes on the shared
    socket get the new ones. Connections already open are served on."""
    for server in _serving:
        for listener in server.servers:
            listener.close()


def serve_alone(
    app: Any,
    *,
    host: str,
    port: int,
    log_level: str,
    grace: int,
    max_head_bytes: int = DEFAULT_MAX_HEAD_BYTES,
    max_headers: int = DEFAULT_MAX_HEADERS,
) -> None:
    """Bind and serve until stopped (no supervisor: query workers are forked processes)."""
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=grace,
        http=guarded_protocol(max_head_bytes, max_headers),
        log_config=access_log.log_config(),
    )


def serve_on_socket(
    app: Any,
    sock: socket.socket,
    *,
    log_level: str,
    grace: int,
    max_head_bytes: int = DEFAULT_MAX_HEAD_BYTES,
    max_headers: int = DEFAULT_MAX_HEADERS,
) -> NoReturn:
    """Serve on the supervisor's listening socket until told to stop, then leave at once.

    A runaway query's thread never ends by itself, and interpreter exit would wait for it:
    leaving with ``os._exit`` is how a runaway stops.
    """
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level=log_level,
            timeout_graceful_shutdown=grace,
            http=guarded_protocol(max_head_bytes, max_headers),
            log_config=access_log.log_config(),
        )
    )
    _serving.append(server)
    server.run(sockets=[sock])
    access_log.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
