"""Query threads (execution/threads.py): answers, errors, the time limit, runaways and slots.

The hand-off to the threads is graphsvc's own (one queue in, one loop wake-up back), so what a
thread pool used to guarantee is pinned here: a slot is held until the work really ends, a query
past its limit is a 503 and a runaway, a client that leaves does not free a running query's slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

import pytest

from graphsvc.errors import QueryEvaluationError, QueryTimeout
from graphsvc.execution.base import Job
from graphsvc.execution.threads import Handoff, ThreadedExecutor
from graphsvc.store.base import AskResult, QueryRequest, QueryResult

JSON = "application/sparql-results+json"


class GatedStore:
    """Answers ASK true; ``slow`` waits for the gate, ``bad`` fails as an engine does."""

    engine = "fake"

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.ran: list[str] = []

    def query(self, request: QueryRequest) -> QueryResult:
        self.ran.append(request.text)
        if request.text == "slow":
            self.gate.wait(10)
        if request.text == "bad":
            raise ValueError("unknown function")
        return AskResult(True)


def _job(text: str) -> Job:
    return Job(QueryRequest(text), JSON, 0, {})


def _executor(store: GatedStore, **options: object) -> ThreadedExecutor:
    values: dict[str, object] = {"workers": 2, "timeout": 5.0, "max_queued": 4, **options}
    executor = ThreadedExecutor(store, **values)  # type: ignore[arg-type]
    executor.start()
    return executor


@contextlib.contextmanager
def running(store: GatedStore, **options: object) -> Iterator[ThreadedExecutor]:
    """Started query threads over ``store``; at the end its gate opens and they stop."""
    executor = _executor(store, **options)
    try:
        yield executor
    finally:
        store.gate.set()
        executor.stop()


async def _until(condition: object, seconds: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition() and loop.time() < deadline:  # type: ignore[operator]
        await asyncio.sleep(0.005)


def test_a_query_is_answered_and_its_slot_comes_back() -> None:
    async def scenario() -> None:
        with running(GatedStore()) as executor:
            results = await asyncio.gather(*(executor.run(_job("ask")) for _ in range(6)))
            assert all(b'"boolean":true' in r.body.replace(b" ", b"") for r in results)
            assert executor.admission.free == 2

    asyncio.run(scenario())


def test_an_engine_error_reaches_the_request_and_frees_the_slot() -> None:
    async def scenario() -> None:
        with running(GatedStore()) as executor:
            with pytest.raises(QueryEvaluationError, match="unknown function"):
                await executor.run(_job("bad"))
            assert executor.admission.free == 2

    asyncio.run(scenario())


def test_past_the_limit_it_is_a_503_and_a_runaway_that_keeps_its_slot_until_it_ends() -> None:
    async def scenario() -> None:
        store = GatedStore()
        called: list[str] = []
        with running(store, timeout=0.1, on_runaway=lambda: called.append("runaway")) as executor:
            with pytest.raises(QueryTimeout):
                await executor.run(_job("slow"))
            assert (executor.runaways, called) == (1, ["runaway"])
            assert executor.admission.in_use == 1  # the thread still runs it
            assert (await executor.run(_job("ask"))).body  # the other thread still serves
            store.gate.set()
            await _until(lambda: executor.admission.free == 2)
            assert executor.admission.free == 2

    asyncio.run(scenario())


def test_a_client_that_leaves_does_not_free_a_running_querys_slot() -> None:
    async def scenario() -> None:
        store = GatedStore()
        with running(store, timeout=0.2) as executor:
            task = asyncio.create_task(executor.run(_job("slow")))
            await _until(lambda: store.ran == ["slow"])
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert executor.admission.in_use == 1
            await _until(lambda: executor.runaways == 1)  # checked again at its deadline
            assert executor.runaways == 1
            store.gate.set()
            await _until(lambda: executor.admission.free == 2)
            assert executor.admission.free == 2

    asyncio.run(scenario())


def test_running_queries_can_be_failed_with_an_error_of_the_callers_choice() -> None:
    async def scenario() -> None:
        store = GatedStore()
        with running(store) as executor:
            task = asyncio.create_task(executor.run(_job("slow")))
            await _until(lambda: store.ran == ["slow"])
            executor.fail_running(RuntimeError("memory"))
            with pytest.raises(RuntimeError, match="memory"):
                await task

    asyncio.run(scenario())


def test_a_job_is_taken_once_either_by_a_thread_or_withdrawn() -> None:
    async def scenario() -> None:
        executor = ThreadedExecutor(GatedStore(), workers=1, timeout=1.0, max_queued=0)
        loop = asyncio.get_running_loop()
        await executor.admission.acquire()
        withdrawn = Handoff(executor, _job("ask"), loop, loop.create_future())
        assert withdrawn.withdraw()  # not taken: dropped, and its slot given back
        assert (withdrawn.ended, executor.admission.free) == (True, 1)
        assert not withdrawn.claim()
        taken = Handoff(executor, _job("ask"), loop, loop.create_future())
        assert taken.claim()  # a thread has it: it can no longer be withdrawn
        assert not taken.withdraw()

    asyncio.run(scenario())


def test_stop_ends_the_threads() -> None:
    def query_threads() -> int:
        return sum(t.name.startswith("graphsvc-query-") for t in threading.enumerate())

    async def scenario() -> None:
        before = query_threads()
        executor = _executor(GatedStore(), workers=3)
        assert query_threads() == before + 3
        await executor.run(_job("ask"))
        executor.stop()
        await _until(lambda: query_threads() == before)
        assert query_threads() == before and not executor.started

    asyncio.run(scenario())
