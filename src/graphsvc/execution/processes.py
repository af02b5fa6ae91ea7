"""Query workers: forked processes that evaluate queries and can be stopped.

Neither pyoxigraph nor rdflib can cancel a running query, and a thread cannot be killed. So each
query runs in a worker process forked after the data is loaded (an in-memory store is shared
copy-on-write). When a query passes its time limit, its worker is killed, which frees the CPU at
once, and a fresh one is forked in its place. The event loop only waits on pipes, so a slow query
never blocks other requests.

After the workers start, the parent process never touches the store again: a fork taken while
another thread held one of the engine's locks could otherwise deadlock the new worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.process import BaseProcess

from graphsvc.errors import (
    Forbidden,
    GraphsvcError,
    NotFound,
    Overloaded,
    ParameterError,
    QueryEvaluationError,
    QuerySyntaxError,
    QueryTimeout,
    RemoteStoreError,
    Unavailable,
)
from graphsvc.serialize import Serialised, serialise
from graphsvc.store.base import QueryRequest, Store

log = logging.getLogger(__name__)

_ERRORS: dict[str, type[GraphsvcError]] = {
    "forbidden": Forbidden,
    "not-found": NotFound,
    "bad-parameter": ParameterError,
    "query-evaluation": QueryEvaluationError,
    "unavailable": Unavailable,
    "remote-store": RemoteStoreError,
}


@dataclass(frozen=True)
class Job:
    request: QueryRequest
    media_type: str
    max_rows: int
    prefixes: dict[str, str]


class WorkerCrashed(GraphsvcError):
    kind = "internal"


def evaluate(store: Store, job: Job) -> Serialised:
    """Evaluate and serialise a job: what a worker process or a query thread does."""
    try:
        result = store.query(job.request)
        return serialise(
            result,
            job.media_type,
            max_rows=job.max_rows,
            prefixes=job.prefixes,
            rerun=functools.partial(store.query, job.request),
        )
    except GraphsvcError:
        raise
    except (ValueError, RuntimeError) as exc:
        # Engines raise these for queries they reject at evaluation (unknown function...).
        raise QueryEvaluationError(f"the query cannot be evaluated: {exc}") from None


def _worker_main(
    conn: multiprocessing.connection.Connection, store: Store, parent_ends: Sequence[int] = ()
) -> None:
    # The parent decides when workers stop; Ctrl-C in a terminal reaches the whole group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # A fork copies the parent's ends of every worker's pipe, this one's included. Closed here,
    # so that when the parent dies (even by SIGKILL) the pipe reads EOF and the worker exits,
    # instead of waiting forever as an orphan.
    for fd in parent_ends:
        with contextlib.suppress(OSError):
            os.close(fd)
    store = store.prepare_for_worker()
    while True:
        try:
            job: Job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("ok", evaluate(store, job)))
        except QuerySyntaxError as exc:
            conn.send(("syntax", exc.message, exc.line, exc.column))
        except GraphsvcError as exc:
            conn.send(("error", exc.kind, exc.message))
        except Exception as exc:
            log.exception("query worker failed")
            conn.send(("crash", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(
        self,
        context: multiprocessing.context.BaseContext,
        store: Store,
        siblings: Sequence[int] = (),
    ) -> None:
        self.conn, child = multiprocessing.Pipe()
        parent_ends = [self.conn.fileno(), *siblings]
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=_worker_main, args=(child, store, parent_ends), daemon=True
        )
        self.process.start()
        child.close()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(self.process.pid, signal.SIGKILL)  # type: ignore[arg-type]
        self.process.join(timeout=5)
        self.conn.close()


class QueryExecutor:
    """A fixed pool of query workers with a bounded queue in front of it."""

    def __init__(self, store: Store, *, workers: int, timeout: float, max_queued: int) -> None:
        self.store = store
        self.size = workers
        self.timeout = timeout
        self.max_queued = max_queued
        self._context = multiprocessing.get_context("fork")
        self._idle: asyncio.Queue[_Worker] | None = None
        self._all: set[_Worker] = set()
        self._waiting = 0
        self.started = False

    def start(self) -> None:
        self._idle = asyncio.Queue()
        # The workers share the parent's memory copy-on-write; a garbage collection in a worker
        # would touch every object the parent made and copy its page. Frozen objects are skipped.
        gc.freeze()
        for _ in range(self.size):
            self._idle.put_nowait(self._spawn())
        self.started = True

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self.store, [w.conn.fileno() for w in self._all])
        self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        worker.kill()
        if self.started and self._idle is not None:
            self._idle.put_nowait(self._spawn())

    def stop(self) -> None:
        self.started = False
        for worker in list(self._all):
            worker.kill()
        self._all.clear()

    async def run(self, job: Job) -> Serialised:
        """Evaluate a job in a worker, within the time limit."""
        if self._idle is None:
            raise RuntimeError("the query executor is not started")
        deadline = time.monotonic() + self.timeout
        if not self._idle.empty():
            # The common case takes no extra task or loop turn (asyncio.wait_for would).
            worker = self._idle.get_nowait()
        else:
            if self._waiting >= self.max_queued:
                raise Overloaded(
                    f"too many queries are waiting ({self._waiting}); try again shortly"
                )
            self._waiting += 1
            try:
                async with asyncio.timeout(self.timeout):
                    worker = await self._idle.get()
            except TimeoutError:
                raise Overloaded("no query worker became free within the time limit") from None
            finally:
                self._waiting -= 1
        try:
            worker.conn.send(job)
            await self._readable(worker, max(deadline - time.monotonic(), 0.05))
            reply = worker.conn.recv()
        except TimeoutError:
            self._replace(worker)
            raise QueryTimeout(self.timeout) from None
        except asyncio.CancelledError:
            # The client went away: stop the work it asked for.
            self._replace(worker)
            raise
        except (EOFError, OSError) as exc:
            self._replace(worker)
            raise WorkerCrashed(f"the query worker stopped unexpectedly: {exc}") from None
        self._idle.put_nowait(worker)
        return self._unpack(reply)

    @staticmethod
    async def _readable(worker: _Worker, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def on_readable() -> None:
            if not ready.done():
                ready.set_result(None)

        fd = worker.conn.fileno()
        loop.add_reader(fd, on_readable)
        try:
            async with asyncio.timeout(timeout):
                await ready
        finally:
            loop.remove_reader(fd)
            # uvloop leaves a watched fd non-blocking: a reply bigger than the pipe buffer would
            # then fail with EAGAIN halfway through recv(). The worker is writing it now.
            os.set_blocking(fd, True)

    @staticmethod
    def _unpack(reply: tuple[object, ...]) -> Serialised:
        status = reply[0]
        if status == "ok":
            out = reply[1]
            assert isinstance(out, Serialised)
            return out
        if status == "syntax":
            _, message, line, column = reply
            raise QuerySyntaxError(str(message), line, column)  # type: ignore[arg-type]
        if status == "error":
            _, kind, message = reply
            raise _ERRORS.get(str(kind), ParameterError)(str(message))
        raise WorkerCrashed(str(reply[1]))
