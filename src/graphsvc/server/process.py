"""One server process: uvicorn serving the app, alone or under the supervisor (supervisor.py).

The command line builds the app (cli/serve.py); this module only runs it.
"""

from __future__ import annotations

import os
import socket
import sys
from typing import Any

import uvicorn


def serve_alone(app: Any, *, host: str, port: int, log_level: str, grace: int) -> None:
    """Bind and serve until stopped (no supervisor: query workers are forked processes)."""
    uvicorn.run(
        app, host=host, port=port, log_level=log_level, timeout_graceful_shutdown=grace
    )


def serve_on_socket(app: Any, sock: socket.socket, *, log_level: str, grace: int) -> None:
    """Serve on the supervisor's listening socket until told to stop, then leave at once.

    A runaway query's thread never ends by itself, and interpreter exit would wait for it:
    leaving with ``os._exit`` is how a runaway stops.
    """
    server = uvicorn.Server(
        uvicorn.Config(app, log_level=log_level, timeout_graceful_shutdown=grace)
    )
    server.run(sockets=[sock])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
