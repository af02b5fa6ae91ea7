"""What every executor shares: the job, how it is evaluated, and the Executor protocol."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal, Protocol

from graphsvc.errors import GraphsvcError, QueryEvaluationError
from graphsvc.execution.admission import Admission
from graphsvc.serialize import Serialised, serialise
from graphsvc.store.base import QueryRequest, Store

ExecutorKind = Literal["threads", "processes", "loop"]
"""threads: query threads of the server process (threads.py); processes: forked workers that
are killed at the limit (processes.py); loop: a remote store's queries sent from the event loop
(loop.py). Which one runs is decided by ``config.resolve_execution`` and nowhere else."""


@dataclass(frozen=True)
class Job:
    request: QueryRequest
    media_type: str
    max_rows: int
    prefixes: dict[str, str]


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


class Executor(Protocol):
    """Runs jobs within the time limit, admitting at most its size at once (503 beyond)."""

    admission: Admission

    @property
    def started(self) -> bool: ...

    def start(self) -> None:
        """Begin serving (fork workers, open a pool); called on the event loop's thread."""

    def stop(self) -> None:
        """Stop now, without waiting for running work."""

    async def run(self, job: Job) -> Serialised:
        """Evaluate one job: its result, or the error the client gets (503 at the limit)."""
        ...
