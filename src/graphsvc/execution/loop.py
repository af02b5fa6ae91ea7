"""Queries sent from the event loop, for a store whose queries only wait (the remote engine).

A query thread (threads.py) costs every query a hand-off between threads, and while it waits on
the network it cannot be stopped, so a query past its limit made its process be replaced. A
remote store's query is sent and its answer read on the server's event loop instead
(``FetchingStore.fetch``), within the time limit: past it, the request is cancelled, which
closes its connection, and the store stops (Virtuoso does). Nothing runs away; ``on_runaway``
is never called.

What remains work for the CPU runs on the executor's threads, as before: parsing an answer that
must be written in another format, or that is longer than the row cap allows to pass through
unread. An answer the client gets as the store wrote it (the usual case: SPARQL JSON or XML,
N-Triples) never leaves the loop.

Admission is the query threads' own: as many queries at once as ``workers``, ``max_queued``
waiting, 503 beyond; a slot is held until the query's work has really ended.
"""

from __future__ import annotations

import asyncio

from graphsvc.errors import GraphsvcError, QueryEvaluationError, QueryTimeout
from graphsvc.execution.base import Job
from graphsvc.execution.pool import PooledExecutor
from graphsvc.serialize import Serialised, passthrough, serialise
from graphsvc.store.base import Fetched, FetchingStore


class LoopExecutor(PooledExecutor):
    """Queries of a ``FetchingStore`` sent from the event loop; parsing on threads."""

    def __init__(
        self, store: FetchingStore, *, workers: int, timeout: float, max_queued: int
    ) -> None:
        super().__init__(workers=workers, timeout=timeout, max_queued=max_queued)
        self.store = store

    def stop(self) -> None:
        super().stop()
        self.store.close_connections()

    async def run(self, job: Job) -> Serialised:
        pool = self._pool
        if pool is None:
            raise RuntimeError("the query executor is not started")
        deadline = asyncio.get_running_loop().time() + self.timeout
        await self.admission.acquire(deadline)
        held = True  # the slot, until handed to a thread's completion
        try:
            async with asyncio.timeout_at(deadline):
                fetched = await self.store.fetch(job.request)
                try:
                    verbatim = fetched.verbatim
                    if verbatim is not None:
                        sent = passthrough(verbatim, fetched.kind, job.media_type, job.max_rows)
                        if sent is not None:
                            return sent
                    future = pool.submit(_write, fetched, job)
                    future.add_done_callback(self._thread_done)
                    held = False
                    return await asyncio.wrap_future(future)
                finally:
                    # Cancelled: the connection is dropped (the store stops), and a thread still
                    # reading the answer fails at its next read.
                    fetched.close()
        except TimeoutError:
            raise QueryTimeout(self.timeout) from None
        finally:
            if held:
                self.admission.release()


def _write(fetched: Fetched, job: Job) -> Serialised:
    """Parse and write an answer (on a thread of the executor)."""
    try:
        return serialise(
            fetched.result(), job.media_type, max_rows=job.max_rows, prefixes=job.prefixes
        )
    except GraphsvcError:
        raise
    except (ValueError, RuntimeError) as exc:
        # As base.evaluate: what an engine raises for a query it cannot evaluate.
        raise QueryEvaluationError(f"the query cannot be evaluated: {exc}") from None
