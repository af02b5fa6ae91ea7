"""What the thread and event-loop executors share: a pool of threads behind an ``Admission``.

The pool's threads do the CPU work (evaluating a query, or parsing a remote answer); a slot is
given back when that work really ends, from the thread that ran it.
"""

from __future__ import annotations

import concurrent.futures

from graphsvc.execution.admission import Admission
from graphsvc.serialize import Serialised


class PooledExecutor:
    """``workers`` threads, admitted through one ``Admission``; subclasses define ``run``."""

    def __init__(self, *, workers: int, timeout: float, max_queued: int) -> None:
        self.size = workers
        self.timeout = timeout
        self.started = False
        self.admission = Admission(workers, max_waiting=max_queued)
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None

    def start(self) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.size, thread_name_prefix="graphsvc-query"
        )
        self.started = True

    def stop(self) -> None:
        self.started = False
        if self._pool is not None:
            # Never wait: a runaway thread would hold the shutdown until it ends. The process
            # that owns a runaway exits by os._exit (server/process.py), which does not wait
            # either.
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    @property
    def idle(self) -> int:
        """Slots free now (a runaway holds its thread until it ends)."""
        return self.admission.free

    def _thread_done(self, _future: concurrent.futures.Future[Serialised]) -> None:
        # Called on the pool's thread (or here, for a cancelled future): the slot is free when
        # the work really ends, not when its client stops waiting.
        self.admission.release_threadsafe()
