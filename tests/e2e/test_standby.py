"""The standby process is kept only where the memory budget bounds something: otherwise it would
hold a second copy of the store for a takeover that never comes."""

from __future__ import annotations

import time

from tests.e2e.test_supervisor import _servers, numbers, supervised

__all__ = ["numbers"]  # the fixture, shared


def _count_servers(supervisor: int, expected: int, seconds: float = 30.0) -> int:
    deadline = time.monotonic() + seconds
    found = len(_servers(supervisor))
    while found != expected and time.monotonic() < deadline:
        time.sleep(0.2)
        found = len(_servers(supervisor))
    return found


def test_a_budget_that_bounds_something_keeps_a_standby(numbers) -> None:  # type: ignore[no-untyped-def]
    with supervised(numbers, "--memory-budget", str(1 << 30)) as (_, process):
        assert _count_servers(process.pid, 2) == 2  # the serving process and its standby


def test_a_budget_the_data_nearly_fill_keeps_no_standby(numbers) -> None:  # type: ignore[no-untyped-def]
    # 160 MB: less than twice what a loaded server process holds, so nothing can be bounded.
    with supervised(numbers, "--memory-budget", str(160 << 20)) as (_, process):
        time.sleep(3)  # long enough for a standby to have been started and loaded
        assert _count_servers(process.pid, 1, seconds=5) == 1
