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

The hand-off is this module's own rather than a ``ThreadPoolExecutor``'s: for a point lookup it
is most of what the server adds to the engine's time (bench/small-queries.md). A query goes to
the threads through one queue, and comes back by one ``call_soon_threadsafe`` that both gives
its slot back and answers the waiting request: one wake-up of the event loop, where the pool
and ``asyncio.wrap_future`` cost two, and a concurrent ``Future`` with its lock besides.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable

from graphsvc.errors import QueryTimeout
from graphsvc.execution.base import Job, evaluate
from graphsvc.execution.pool import PooledExecutor
from graphsvc.serialize import Serialised
from graphsvc.store.base import Store

log = logging.getLogger(__name__)


class _Expired(Exception):
    """The time limit passed while the request waited for its thread (never leaves run())."""


class Handoff:
    """One query handed to the threads: the job, and the future its request awaits."""

    __slots__ = ("_claim", "ended", "executor", "job", "loop", "waiting")

    def __init__(
        self,
        executor: ThreadedExecutor,
        job: Job,
        loop: asyncio.AbstractEventLoop,
        waiting: asyncio.Future[Serialised],
    ) -> None:
        self.executor = executor
        self.job = job
        self.loop = loop
        self.waiting = waiting
        self.ended = False
        """The work ended (on a thread or withdrawn): its slot is free again."""
        self._claim = [True]

    def claim(self) -> bool:
        """Take the job, once: by a thread to run it, or by the loop to withdraw it unrun.
        ``list.pop`` is atomic, so exactly one of them gets it."""
        try:
            self._claim.pop()
        except IndexError:
            return False
        return True

    def withdraw(self) -> bool:
        """On the loop: drop the job if no thread has taken it yet (its slot comes back now)."""
        if not self.claim():
            return False
        self.finish(None, None)
        return True

    def finish(self, result: Serialised | None, error: BaseException | None) -> None:
        """On the loop, once the work has ended: the slot back, then the answer (if awaited)."""
        self.ended = True
        self.executor.admission.release()
        waiting = self.waiting
        if waiting.done():  # timed out, cancelled, or failed by fail_running
            return
        if error is not None:
            waiting.set_exception(error)
        elif result is not None:
            waiting.set_result(result)


def _serve(jobs: queue.SimpleQueue[Handoff | None], store: Store) -> None:
    """A query thread: run jobs until told to stop (None)."""
    while (handoff := jobs.get()) is not None:
        if not handoff.claim():
            continue  # withdrawn while queued
        result: Serialised | None = None
        error: BaseException | None = None
        try:
            result = evaluate(store, handoff.job)
        except Exception as exc:
            error = exc
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
            handoff.loop.call_soon_threadsafe(handoff.finish, result, error)
        del handoff, result, error


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
        self._jobs: queue.SimpleQueue[Handoff | None] | None = None
        self._waiting: dict[asyncio.Future[Serialised], float] = {}
        """The queries running, by when they began (the loop's clock)."""

    def start(self) -> None:
        jobs: queue.SimpleQueue[Handoff | None] = queue.SimpleQueue()
        for number in range(self.size):
            # Daemon threads: nothing waits for a runaway at exit (server/process.py leaves by
            # os._exit anyway).
            threading.Thread(
                target=_serve, args=(jobs, self.store), name=f"graphsvc-query-{number}",
                daemon=True,
            ).start()  # fmt: skip
        self._jobs = jobs
        self.started = True

    def stop(self) -> None:
        """Stop now: queued work is dropped (its requests cancelled), running work is left."""
        self.started = False
        jobs, self._jobs = self._jobs, None
        if jobs is None:
            return
        while True:  # queued work never runs: its requests are cancelled
            try:
                handoff = jobs.get_nowait()
            except queue.Empty:
                break
            if handoff is not None and handoff.claim():
                with contextlib.suppress(RuntimeError):
                    handoff.loop.call_soon_threadsafe(handoff.waiting.cancel)
        for _ in range(self.size):
            jobs.put(None)

    async def run(self, job: Job) -> Serialised:
        """Evaluate a job on a query thread; 503 at the time limit, whether it waited or ran."""
        jobs = self._jobs
        if jobs is None:
            raise RuntimeError("the query executor is not started")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        await self.admission.acquire(deadline)
        started = time.monotonic()
        waiting: asyncio.Future[Serialised] = loop.create_future()
        handoff = Handoff(self, job, loop, waiting)
        jobs.put(handoff)
        self._waiting[waiting] = loop.time()
        timer = loop.call_at(deadline, _expire, waiting)
        try:
            return await waiting
        except _Expired:
            if not handoff.withdraw():  # queued, it never ran: nothing runs away
                self._runaway(job, started)
            raise QueryTimeout(self.timeout) from None
        except asyncio.CancelledError:
            # The client went away (web/disconnect.py). Work not begun is dropped (its slot
            # comes back at once); work begun cannot be stopped: it keeps its slot until it
            # ends, and if it outlives its limit it is a runaway like any other.
            if not handoff.withdraw() and not handoff.ended:
                loop.call_at(deadline, self._check_overrun, handoff, started)
            raise
        finally:
            timer.cancel()
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

    def _check_overrun(self, handoff: Handoff, started: float) -> None:
        if not handoff.ended:
            self._runaway(handoff.job, started)

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


def _expire(waiting: asyncio.Future[Serialised]) -> None:
    if not waiting.done():
        waiting.set_exception(_Expired())
