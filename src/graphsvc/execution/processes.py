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
import faulthandler
import gc
import logging
import multiprocessing
import multiprocessing.connection
import os
import resource
import signal
from collections.abc import Sequence
from multiprocessing.process import BaseProcess

from graphsvc.errors import (
    Forbidden,
    GraphsvcError,
    MemoryExceeded,
    NotFound,
    ParameterError,
    QueryEvaluationError,
    QuerySyntaxError,
    QueryTimeout,
    RemoteStoreError,
    Unavailable,
)
from graphsvc.execution.admission import Admission
from graphsvc.execution.base import Job, evaluate
from graphsvc.execution.memory import MARGIN, SUPERVISOR_ALLOWANCE, resident_bytes
from graphsvc.serialize import Serialised
from graphsvc.store.base import Store

log = logging.getLogger(__name__)

_ERRORS: dict[str, type[GraphsvcError]] = {
    "forbidden": Forbidden,
    "not-found": NotFound,
    "bad-parameter": ParameterError,
    "query-evaluation": QueryEvaluationError,
    "unavailable": Unavailable,
    "remote-store": RemoteStoreError,
}


class WorkerCrashed(GraphsvcError):
    kind = "internal"


def _data_bytes() -> int:
    """The process's data segment as the kernel counts it for RLIMIT_DATA (VmData)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _limit_memory(allowance: int) -> None:
    """Let this worker's private memory grow by ``allowance`` bytes at most (execution/memory.py
    tells why a query cannot be bounded otherwise). Past it an allocation fails: pyoxigraph then
    aborts the worker, Python raises MemoryError; either way only this worker ends."""
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = _data_bytes() + allowance
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def _worker_main(
    conn: multiprocessing.connection.Connection,
    store: Store,
    parent_ends: Sequence[int] = (),
    memory_allowance: int = 0,
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
    if memory_allowance:
        _limit_memory(memory_allowance)
        # An abort is now how a query past its share ends (pyoxigraph's, on a failed
        # allocation): expected, reported as a 503, not a fault to dump stacks for.
        faulthandler.disable()
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
        except MemoryError:
            conn.send(("memory",))
            return  # what it allocated may be anywhere: a fresh worker takes its place
        except Exception as exc:
            log.exception("query worker failed")
            conn.send(("crash", f"{type(exc).__name__}: {exc}"))


class _Worker:
    def __init__(
        self,
        context: multiprocessing.context.BaseContext,
        store: Store,
        siblings: Sequence[int] = (),
        memory_allowance: int = 0,
    ) -> None:
        self.conn, child = multiprocessing.Pipe()
        parent_ends = [self.conn.fileno(), *siblings]
        self.process: BaseProcess = context.Process(  # type: ignore[attr-defined]
            target=_worker_main,
            args=(child, store, parent_ends, memory_allowance),
            daemon=True,
        )
        self.process.start()
        child.close()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(self.process.pid, signal.SIGKILL)  # type: ignore[arg-type]
        self.process.join(timeout=5)
        self.conn.close()


class ProcessExecutor:
    """A fixed pool of query workers behind an ``Admission``."""

    def __init__(
        self,
        store: Store,
        *,
        workers: int,
        timeout: float,
        max_queued: int,
        memory_budget: int = 0,
    ) -> None:
        self.store = store
        self.memory_budget = memory_budget
        self.memory_allowance = 0
        self.size = workers
        self.timeout = timeout
        self.admission = Admission(workers, max_waiting=max_queued)
        self._context = multiprocessing.get_context("fork")
        # One idle worker per free admission slot: a slot taken finds a worker here.
        self._idle: list[_Worker] = []
        self._all: set[_Worker] = set()
        self.started = False

    def start(self) -> None:
        # The workers share the parent's memory copy-on-write; a garbage collection in a worker
        # would touch every object the parent made and copy its page. Frozen objects are skipped.
        gc.freeze()
        if self.memory_budget:
            # Each worker may grow by an equal share of what the budget leaves beside this
            # process (whose memory the workers share until they write to it).
            spare = self.memory_budget - resident_bytes() - SUPERVISOR_ALLOWANCE - MARGIN
            self.memory_allowance = max(spare // self.size, 64 << 20)
        self._idle = [self._spawn() for _ in range(self.size)]
        self.started = True

    def _spawn(self) -> _Worker:
        worker = _Worker(
            self._context,
            self.store,
            [w.conn.fileno() for w in self._all],
            self.memory_allowance,
        )
        self._all.add(worker)
        return worker

    def _replace(self, worker: _Worker) -> None:
        self._all.discard(worker)
        worker.kill()
        if self.started:
            self._idle.append(self._spawn())

    def stop(self) -> None:
        self.started = False
        for worker in list(self._all):
            worker.kill()
        self._all.clear()
        self._idle.clear()

    @property
    def idle(self) -> int:
        """Workers free now."""
        return self.admission.free

    async def run(self, job: Job) -> Serialised:
        """Evaluate a job in a worker, within the time limit."""
        if not self.started:
            raise RuntimeError("the query executor is not started")
        deadline = asyncio.get_running_loop().time() + self.timeout
        await self.admission.acquire(deadline)
        if not self._idle:  # stopped while this query waited for its slot
            self.admission.release()
            raise Unavailable("the query service is stopping")
        worker = self._idle.pop()
        try:
            worker.conn.send(job)
            await self._readable(
                worker, max(deadline - asyncio.get_running_loop().time(), 0.05)
            )
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
            if self.memory_allowance and worker.process.exitcode == -signal.SIGABRT:
                # pyoxigraph aborts on a failed allocation: the worker's share was spent.
                raise MemoryExceeded(self.memory_allowance) from None
            raise WorkerCrashed(f"the query worker stopped unexpectedly: {exc}") from None
        else:
            if reply[0] == "memory":
                self._replace(worker)
            else:
                self._idle.append(worker)
        finally:
            self.admission.release()
        if reply[0] == "memory":
            raise MemoryExceeded(self.memory_allowance)
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
