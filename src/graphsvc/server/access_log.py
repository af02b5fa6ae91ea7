"""uvicorn's access log, written in batches.

One line per request is what operators expect (Fuseki and nginx log every request too), but
uvicorn writes and flushes each line as it comes: a system call per request, which costs small
queries about a fifth of their throughput. Here the lines are the same, from the same formatter,
but held in memory and written together: every ``INTERVAL`` seconds, every ``CAPACITY`` lines,
at once for a warning or worse, and when the server stops. A line can therefore appear up to
half a second after its request was answered.
"""

from __future__ import annotations

import copy
import logging
import logging.handlers
import sys
import threading
from typing import Any

import uvicorn.config

CAPACITY = 256
INTERVAL = 0.5


class BatchedHandler(logging.handlers.MemoryHandler):
    """Holds records and hands them to a stream handler in batches (see the module)."""

    def __init__(self, stream: Any = None) -> None:
        super().__init__(
            CAPACITY,
            flushLevel=logging.WARNING,
            target=logging.StreamHandler(stream or sys.stdout),
            flushOnClose=True,
        )
        self._stopped = threading.Event()
        # Started in the process that serves (uvicorn configures logging there), never in a
        # loader that will fork: a thread does not survive a fork.
        threading.Thread(target=self._flush_often, name="graphsvc-access-log", daemon=True).start()

    def setFormatter(self, fmt: logging.Formatter | None) -> None:
        # Records are formatted when they are written, by the stream handler.
        super().setFormatter(fmt)
        if self.target is not None:
            self.target.setFormatter(fmt)

    def _flush_often(self) -> None:
        while not self._stopped.wait(INTERVAL):
            self.flush()

    def close(self) -> None:
        self._stopped.set()
        super().close()


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with the access lines batched."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["handlers"]["access"] = {
        "()": f"{__name__}.BatchedHandler",
        "formatter": "access",
    }
    return config


def flush() -> None:
    """Write what is held now (before ``os._exit``, which skips logging's own shutdown)."""
    for handler in logging.getLogger("uvicorn.access").handlers:
        handler.flush()
