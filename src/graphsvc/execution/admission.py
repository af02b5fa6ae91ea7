"""Admission: a fixed number of slots, a bounded waiting line, and 503 beyond it.

Every executor and ``POST /validate`` admit work the same way, so they share this one class:
a request takes a free slot at once if there is one (no task, no loop turn: the common case
must cost nothing); otherwise it waits in line, first come first served, until its deadline.
A full line, or a wait that outlasts the deadline, is ``Overloaded`` (503 with Retry-After),
never an unbounded queue that hides the overload from the client.

A slot is released when the work *really* ends, not when its client stops waiting: work that
cannot be stopped (a query thread) keeps its slot, so admission never promises more parallelism
than there is. Methods run on the event loop's thread; a thread hands its release over with
``release_threadsafe``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque

from graphsvc.errors import Overloaded


class Admission:
    """``slots`` at once, ``max_waiting`` more in line, the rest refused."""

    def __init__(self, slots: int, *, max_waiting: int, what: str = "queries") -> None:
        if slots < 1:
            raise ValueError("admission needs at least one slot")
        self.slots = slots
        self.max_waiting = max_waiting
        self.what = what
        self._free = slots
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def free(self) -> int:
        """Slots free now."""
        return self._free

    @property
    def in_use(self) -> int:
        """Slots held by work that has not ended (runaways included)."""
        return self.slots - self._free

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def acquire(self, deadline: float | None = None) -> None:
        """Take a slot, waiting in line until ``deadline`` (the loop's clock) if need be."""
        loop = self._loop = asyncio.get_running_loop()
        if self._free > 0:
            self._free -= 1
            return
        if len(self._waiters) >= self.max_waiting:
            raise Overloaded(
                f"too many {self.what} are waiting ({len(self._waiters)}); try again shortly"
            )
        waiter: asyncio.Future[None] = loop.create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout_at(deadline):
                await waiter
        except (TimeoutError, asyncio.CancelledError) as exc:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed a slot just as it stopped waiting: pass it on
            if isinstance(exc, TimeoutError):
                raise Overloaded(
                    f"no slot for {self.what} became free within the time limit"
                ) from None
            raise
        finally:
            with contextlib.suppress(ValueError):
                self._waiters.remove(waiter)

    def release(self) -> None:
        """Give a slot back: straight to the first in line, or to the free count."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._free += 1

    def release_threadsafe(self) -> None:
        """``release`` from another thread (a query thread's completion)."""
        loop = self._loop
        if loop is None:
            self._free += 1  # never used on a loop: nobody can be waiting
            return
        with contextlib.suppress(RuntimeError):  # the loop has closed: nothing waits any more
            loop.call_soon_threadsafe(self.release)
