"""The memory bound of a server process whose queries run on threads.

A query's memory cannot be limited on its own: pyoxigraph allocates from the process's heap and
aborts the whole process when an allocation fails, and a thread cannot be stopped. What can be
bounded is the process. A watchdog thread reads the process's resident memory every 10 ms
(``/proc/self/statm``: a few microseconds) and, past the limit, calls its handler once: under
``graphsvc serve`` that answers the running queries 503, has the supervisor put a new server
process in this one's place, and ends this process at once, which returns its memory
(cli/serve.py, server/supervisor.py).

The budget is for the whole tree. Server processes forked from a loader share its pages (the
store) until they write them, so what each may add is the budget less the supervisor, the
loader and a margin for what a query allocates between two readings, split between them; its
resident memory right after the fork is its baseline (``forked_limit``). Processes that load or
open the store themselves each get an equal share of the budget (``process_limit``).
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


def process_limit(budget: int, *, processes: int) -> int:
    """The resident memory one of ``processes`` independent server processes may reach, so that
    the tree (with the supervisor) stays in ``budget``.

    >>> process_limit(1 << 30, processes=2) >> 20
    448
    """
    return (budget - SUPERVISOR_ALLOWANCE - MARGIN) // processes


def forked_limit(budget: int, *, processes: int, loader: int, baseline: int) -> int:
    """The resident memory a server process forked from a loader holding ``loader`` bytes may
    reach: its ``baseline`` (pages it shares with the loader, counted as its own: a bound that
    errs on the safe side) plus its share of what the budget leaves.

    >>> forked_limit(1 << 30, processes=2, loader=400 << 20, baseline=420 << 20) >> 20
    668
    """
    return baseline + (budget - SUPERVISOR_ALLOWANCE - loader - MARGIN) // processes


def private_bytes() -> int:
    """The memory this process holds alone (private pages, clean or dirty): for a process forked
    from a loader, what it no longer shares with it. Reading it walks the page tables (about a
    millisecond for a large store), so it is read once a second, not every 10 ms."""
    total = 0
    try:
        with open("/proc/self/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Private_"):
                    total += int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        return 0
    return total


def renewal_threshold(loader: int) -> int:
    """Private memory past which a forked server process is replaced by a fresh fork.

    Reading the in-memory store writes to it (reference counts of the parts a query walks), so
    pages shared with the loader are copied, one by one, as queries touch them: a process that
    scans everything ends with its own copy. Replacing it by a new fork once it holds a quarter
    of the loader's memory keeps the tree near one copy, at the cost of a fork now and then.

    >>> renewal_threshold(400 << 20) >> 20
    100
    """
    return max(loader // 4, 64 << 20)


class MemoryWatchdog:
    """Calls ``on_exceeded(reading)`` once, when ``read()`` (by default the process's resident
    memory, every 10 ms) passes ``limit``."""

    def __init__(
        self,
        limit: int,
        on_exceeded: Callable[[int], None],
        *,
        read: Callable[[], int] | None = None,
        interval: float = INTERVAL,
        what: str = "holds",
    ) -> None:
        self.limit = limit
        self.on_exceeded = on_exceeded
        self.read = read or resident_bytes
        self.interval = interval
        self.what = what
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="graphsvc-memory", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            reading = self.read()
            if reading > self.limit:
                log.log(
                    logging.ERROR if self.read is resident_bytes else logging.INFO,
                    "the server process %s %d MiB, past its limit of %d MiB",
                    self.what,
                    reading >> 20,
                    self.limit >> 20,
                )
                self.on_exceeded(reading)
                return
