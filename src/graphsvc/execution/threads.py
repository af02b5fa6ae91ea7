"""Query threads: queries evaluated inside the server process, for engines that release the GIL.

The forked workers of ``workers.py`` cost every query a round trip between processes (about
0.3 ms, more than the engine needs for a point lookup), and each worker copies the parts of an
in-memory store it reads (pyoxigraph's reads write reference counts), so memory grows with the
workers. pyoxigraph evaluates and serialises with the GIL released, so threads of the one process
that holds the store give the same concurrency without either cost.

What a thread cannot do is stop. A query still running at its time limit is answered 503 at once
(the client never waits past the limit) and becomes a *runaway*: its thread keeps the CPU until
it finishes. The executor then calls ``on_runaway``, and ``graphsvc serve`` (see supervise.py)
starts a replacement process, and stops this one, which ends the runaway, as soon as the
replacement serves. Without a supervisor (an app built by hand) the runaway is only logged,
which is why ``create_app`` uses forked workers unless told otherwise.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
from collections.abc import Callable

from graphsvc.errors import Overloaded, QueryTimeout
from graphsvc.execution.processes import Job, evaluate
from graphsvc.serialize import Serialised
from graphsvc.store.base import Store

log = logging.getLogger(__name__)


class ThreadedExecutor:
    """A fixed number of query threads with a bounded queue in front of them."""

    def __init__(
        self,
        store: Store,
        *,
        workers: int,
        timeout: float,
        max_queued: int,
        on_runaway: Callable[[], None] | None = None,
    ) -> None:
        self.store = store
        self.size = workers
        self.timeout = timeout
        self.max_queued = max_queued
        self.on_runaway = on_runaway
        self.runaways = 0
        self.started = False
        self._pool: concurrent.futures.ThreadPoolExecutor | None = None
        self._free = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.size, thread_name_prefix="graphsvc-query"
        )
        self._free = self.size
        self.started = True

    def stop(self) -> None:
        self.started = False
        if self._pool is not None:
            # Never wait: a runaway thread would hold the shutdown until it ends. The process
            # that owns a runaway exits by os._exit (cli.serve), which does not wait either.
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    @property
    def idle(self) -> int:
        """Query threads free now (a runaway holds its thread until it ends)."""
        return self._free

    async def _admit(self) -> float:
        """Take a query slot, waiting in line if need be (503 when the line is full, or at the
        time limit); the query's deadline."""
        if self._pool is None:
            raise RuntimeError("the query executor is not started")
        loop = self._loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        if self._free > 0:
            self._free -= 1
        else:
            await self._wait_for_thread(deadline)
        return deadline

    async def run(self, job: Job) -> Serialised:
        """Evaluate a job on a query thread; 503 at the time limit, whether it waited or ran."""
        deadline = await self._admit()
        assert self._pool is not None and self._loop is not None
        loop = self._loop
        started = time.monotonic()
        future = self._pool.submit(evaluate, self.store, job)
        # The thread is free again when the work really ends, not when its client stops waiting.
        future.add_done_callback(self._thread_done)
        try:
            async with asyncio.timeout_at(deadline):
                return await asyncio.wrap_future(future)
        except TimeoutError:
            if future.cancel():  # still queued: it never ran, nothing runs away
                raise QueryTimeout(self.timeout) from None
            self._runaway(job, started)
            raise QueryTimeout(self.timeout) from None
        except asyncio.CancelledError:
            # The client went away. The work cannot be stopped; if it outlives its limit, it is
            # a runaway like any other.
            if not future.done():
                loop.call_at(deadline, self._check_overrun, future, job, started)
            raise

    async def _wait_for_thread(self, deadline: float) -> None:
        if len(self._waiters) >= self.max_queued:
            waiting = len(self._waiters)
            raise Overloaded(f"too many queries are waiting ({waiting}); try again shortly")
        assert self._loop is not None
        waiter: asyncio.Future[None] = self._loop.create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout_at(deadline):
                await waiter
        except (TimeoutError, asyncio.CancelledError) as exc:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed a thread just as it stopped waiting: pass it on
            if isinstance(exc, TimeoutError):
                raise Overloaded("no query thread became free within the time limit") from None
            raise
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def _thread_done(self, _future: concurrent.futures.Future[Serialised]) -> None:
        # Called on the query thread (or here, for a cancelled future): hand over to the loop.
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing waits
                loop.call_soon_threadsafe(self._release)

    def _release(self) -> None:
        while self._waiters:
            waiter = self._waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)  # the thread goes straight to the first in line
                return
        self._free += 1

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
