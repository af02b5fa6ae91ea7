"""How queries run: the one rule (config.resolve_execution) and the one admission (503 queue)."""

from __future__ import annotations

import asyncio

import pytest

from graphsvc.config import Execution, Settings, resolve_execution
from graphsvc.errors import Overloaded
from graphsvc.execution.admission import Admission


def _settings(**values: object) -> Settings:
    return Settings(**values)  # type: ignore[arg-type]


REMOTE = {"engine": "remote", "remote_endpoint": "http://127.0.0.1:1/sparql"}


@pytest.mark.parametrize(
    ("values", "supervisor", "expected"),
    [
        ({}, True, Execution("threads", True)),
        ({}, False, Execution("processes", False)),
        ({"query_isolation": "thread"}, False, Execution("threads", False)),
        ({"query_isolation": "process"}, True, Execution("processes", False)),
        ({"engine": "rdflib"}, True, Execution("processes", False)),
        (REMOTE, True, Execution("loop", True)),
        (REMOTE, False, Execution("loop", False)),
        ({**REMOTE, "query_isolation": "process"}, True, Execution("processes", False)),
        ({"reload": True}, True, Execution("processes", False)),
        ({"processes": 2}, True, Execution("threads", True)),
    ],
)
def test_one_rule_decides_how_queries_run(
    values: dict[str, object], supervisor: bool, expected: Execution
) -> None:
    assert resolve_execution(_settings(**values), supervisor=supervisor) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"engine": "rdflib", "query_isolation": "thread"}, "rdflib holds the GIL"),
        ({"processes": 2, "query_isolation": "process"}, "--processes is for query threads"),
        ({"reload": True, "query_isolation": "thread"}, "--reload runs queries in forked"),
        ({"reload": True, "store_path": "x"}, "drop --store"),
        ({**REMOTE, "reload": True}, "the remote engine has none"),
    ],
)
def test_combinations_that_cannot_work_are_refused(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_execution(_settings(**values), supervisor=True)


def test_processes_need_a_supervisor() -> None:
    with pytest.raises(ValueError, match="--processes is for query threads"):
        resolve_execution(_settings(processes=2), supervisor=False)


def test_admission_takes_free_slots_then_queues_then_refuses() -> None:
    async def scenario() -> list[str]:
        admission = Admission(2, max_waiting=1, what="queries")
        await admission.acquire()
        await admission.acquire()
        assert admission.free == 0 and admission.in_use == 2
        waiter = asyncio.create_task(admission.acquire())
        await asyncio.sleep(0)
        assert admission.waiting == 1
        with pytest.raises(Overloaded, match="too many queries are waiting"):
            await admission.acquire()
        admission.release()  # handed straight to the one in line
        await waiter
        events = [f"in use {admission.in_use}, free {admission.free}"]
        admission.release()
        admission.release()
        events.append(f"in use {admission.in_use}, free {admission.free}")
        return events

    assert asyncio.run(scenario()) == ["in use 2, free 0", "in use 0, free 2"]


def test_a_wait_past_the_deadline_is_a_503_and_leaves_no_slot_behind() -> None:
    async def scenario() -> int:
        admission = Admission(1, max_waiting=4, what="validations")
        await admission.acquire()
        loop = asyncio.get_running_loop()
        with pytest.raises(Overloaded, match="no slot for validations became free"):
            await admission.acquire(loop.time() + 0.05)
        assert admission.waiting == 0
        admission.release()
        return admission.free

    assert asyncio.run(scenario()) == 1


def test_a_slot_released_from_a_thread_reaches_the_loop() -> None:
    async def scenario() -> int:
        admission = Admission(1, max_waiting=1)
        await admission.acquire()
        await asyncio.to_thread(admission.release_threadsafe)
        await asyncio.sleep(0.01)
        return admission.free

    assert asyncio.run(scenario()) == 1
