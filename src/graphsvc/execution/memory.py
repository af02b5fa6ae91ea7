"""The memory bound of a server process whose queries run on threads.

A query's memory cannot be limited on its own: pyoxigraph allocates from the process's heap and
aborts the whole process when an allocation fails, and a thread cannot be stopped. What can be
bounded is the process. A watchdog thread reads the process's resident memory every 10 ms
(``/proc/self/statm``: a few microseconds) and, past the limit, calls its handler once: under
``graphsvc serve`` that answers the running queries 503, has the supervisor put its standby
process in this one's place, and ends this process at once, which returns its memory
(cli/serve.py, server/supervisor.py). The limit is the budget less what the supervisor and the
standby process hold and a margin for what a query allocates between two readings; see
``process_limit``.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

PAGE = os.sysconf("SC_PAGE_SIZE")
INTERVAL = 0.01
SUPERVISOR_ALLOWANCE = 32 << 20
"""What the supervisor (stdlib only, about 15 MB resident) may hold."""
MARGIN = 96 << 20
"""Growth between a reading past the limit and the process's end: about 0.1 s of the fastest
allocating query seen (a sort of a cartesian product, 0.8 GB/s)."""


def resident_bytes(pid: int | str = "self") -> int:
    """Resident memory of a process, from /proc (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as statm:
            return int(statm.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def process_limit(budget: int, *, processes: int, baseline: int) -> int:
    """The resident memory one server process may reach, so that the tree stays in ``budget``:
    the supervisor, a standby process of ``baseline`` bytes, and ``processes`` serving ones.

    >>> process_limit(1 << 30, processes=1, baseline=100 << 20) >> 20
    796
    """
    return (budget - SUPERVISOR_ALLOWANCE - baseline - MARGIN) // processes


class MemoryWatchdog:
    """Calls ``on_exceeded(resident)`` once, when the process's resident memory passes ``limit``."""

    def __init__(self, limit: int, on_exceeded: Callable[[int], None]) -> None:
        self.limit = limit
        self.on_exceeded = on_exceeded
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="graphsvc-memory", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(INTERVAL):
            resident = resident_bytes()
            if resident > self.limit:
                log.error(
                    "the server process holds %d MiB, past its limit of %d MiB",
                    resident >> 20,
                    self.limit >> 20,
                )
                self.on_exceeded(resident)
                return
