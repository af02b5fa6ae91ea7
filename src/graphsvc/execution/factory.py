"""The executor for a resolved ``ExecutorKind``: the one place that maps a kind to a class."""

from __future__ import annotations

from collections.abc import Callable

from graphsvc.execution.base import Executor, ExecutorKind
from graphsvc.execution.loop import LoopExecutor
from graphsvc.execution.processes import ProcessExecutor
from graphsvc.execution.threads import ThreadedExecutor
from graphsvc.store.base import FetchingStore, Store


def make_executor(
    kind: ExecutorKind,
    store: Store,
    *,
    workers: int,
    timeout: float,
    max_queued: int,
    on_runaway: Callable[[], None] | None = None,
    memory_budget: int = 0,
) -> Executor:
    """A new, not yet started executor of ``kind`` over ``store``."""
    if kind == "loop":
        if not isinstance(store, FetchingStore):
            raise ValueError(f"the {store.engine} engine cannot send queries from the event loop")
        return LoopExecutor(store, workers=workers, timeout=timeout, max_queued=max_queued)
    if kind == "threads":
        return ThreadedExecutor(
            store, workers=workers, timeout=timeout, max_queued=max_queued, on_runaway=on_runaway
        )
    return ProcessExecutor(
        store,
        workers=workers,
        timeout=timeout,
        max_queued=max_queued,
        memory_budget=memory_budget,
    )
