"""Query threads: queries evaluated inside the server process, for engines that release the GIL.

The forked workers of ``processes.py`` cost every query a round trip between processes (about
0.3 ms, more than the engine needs for a point lookup), and each worker copies the parts of an
in-memory store it reads (pyoxigraph's reads write reference counts), so memory grows with the
workers. pyoxigraph evaluates and serialises with the GIL released, so threads of the one process
that holds the store give the same concurrency without either cost.

What a thread cannot do is stop. A query still running at its time limit is answered 503 at once
(the client never waits past the limit) and becomes a *runaway*: its thread keeps the CPU until it
finishes. The executor then calls ``on_runaway``, and ``graphsvc serve`` (see server/supervisor.py)
starts a replacement process, and stops this one, which ends the runaway, as soon as the
replacement serves. Without a supervisor (an app built by hand) the runaway is only logged, which
is why ``config.resolve_execution`` picks threads only under a supervisor unless told otherwise.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
from collections.abc import Callable

from graphsvc.errors import QueryTimeout
from graphsvc.execution.base import Job, evaluate
from graphsvc.execution.pool import PooledExecutor
from graphsvc.serialize import Serialised
from graphsvc.store.base import Store

log = logging.getLogger(__name__)


class ThreadedExecutor(PooledExecutor):
    """A fixed number of query threads behind an ``Admission``."""

    def __init__(
        self,
        store: Store,
        *,
        workers: int,
        timeout: float,
        max_queued: int,
        on_runaway: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(workers=workers, timeout=timeout, max_queued=max_queued)
        self.store = store
        self.on_runaway = on_runaway
        self.runaways = 0
        self._waiting: dict[asyncio.Future[Serialised], float] = {}
        """The queries running, by when they began (the loop's clock)."""

    async def _admit(self) -> tuple[concurrent.futures.ThreadPoolExecutor, float]:
        """Take a query slot (503 when the line is full, or at the time limit); the pool and
        the query's deadline."""
        pool = self._pool
        if pool is None:
            raise RuntimeError("the query executor is not started")
        deadline = asyncio.get_running_loop().time() + self.timeout
        await self.admission.acquire(deadline)
        return pool, deadline

    async def run(self, job: Job) -> Serialised:
        """Evaluate a job on a query thread; 503 at the time limit, whether it waited or ran."""
        pool, deadline = await self._admit()
        started = time.monotonic()
        future = pool.submit(evaluate, self.store, job)
        future.add_done_callback(self._thread_done)
        waiting = asyncio.wrap_future(future)
        self._waiting[waiting] = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout_at(deadline):
                return await waiting
        except TimeoutError:
            if future.cancel():  # still queued: it never ran, nothing runs away
                raise QueryTimeout(self.timeout) from None
            self._runaway(job, started)
            raise QueryTimeout(self.timeout) from None
        except asyncio.CancelledError:
            # The client went away (web/disconnect.py). Work not begun is dropped (its slot
            # comes back through _thread_done); work begun cannot be stopped: it keeps its
            # slot until it ends, and if it outlives its limit it is a runaway like any other.
            if not future.cancel() and not future.done():
                asyncio.get_running_loop().call_at(
                    deadline, self._check_overrun, future, job, started
                )
            raise
        finally:
            self._waiting.pop(waiting, None)

    def fail_running(self, error: Exception, *, older_than: float = 0.0) -> None:
        """Answer the queries running for more than ``older_than`` seconds with ``error`` (on
        the event loop's thread): their process is about to end (execution/memory.py), and their
        clients must hear why. Called first for the old ones (which hold the memory; a query
        that just began is most likely a quick one that may still finish), then for all."""
        now = asyncio.get_running_loop().time()
        for waiting, began in list(self._waiting.items()):
            if not waiting.done() and now - began >= older_than:
                waiting.set_exception(error)

    def _check_overrun(
        self, future: concurrent.futures.Future[Serialised], job: Job, started: float
    ) -> None:
        if not future.done():
            self._runaway(job, started)

    def _runaway(self, job: Job, started: float) -> None:
        self.runaways += 1
        log.warning(
            "a query ran past its %g s limit after %.1f s and cannot be stopped in this process "
            "(%d runaway so far): %.200s",
            self.timeout,
            time.monotonic() - started,
            self.runaways,
            job.request.text,
        )
        if self.on_runaway is not None:
            self.on_runaway()
