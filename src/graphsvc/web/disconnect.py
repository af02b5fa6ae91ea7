"""Stop a query when its client goes away.

uvicorn does not cancel a request's task when the client disconnects: it only answers the app's
next ``receive()`` with ``http.disconnect``. A query endpoint reads its body before it runs the
query, so nothing would ever call ``receive()`` again, and the query would run to its end (or
to its time limit) for nobody. So while a query runs, a small task waits on ``receive()``, and a
disconnect cancels the request's task; each executor turns that cancellation into stopping the
work as far as it can (execution/: a forked worker is killed and replaced; a query thread cannot
be stopped, so it keeps its slot until it ends and counts as a runaway if it outlives its limit;
a remote query's connection is closed).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from starlette.types import Receive

T = TypeVar("T")


class ClientGone(Exception):
    """The client disconnected while its query ran; the query was cancelled."""


async def until_disconnected(receive: Receive, work: Awaitable[T]) -> T:
    """Await ``work``; if the client disconnects first, cancel it and raise ``ClientGone``.

    Call only once the request's body has been read: the watcher consumes what ``receive()``
    gives.
    """
    task = asyncio.current_task()
    assert task is not None
    gone = False

    async def watch() -> None:
        nonlocal gone
        while (await receive())["type"] != "http.disconnect":
            pass
        gone = True
        task.cancel()

    watcher = asyncio.get_running_loop().create_task(watch())
    try:
        return await work
    except asyncio.CancelledError:
        if gone:
            task.uncancel()
            raise ClientGone from None
        raise
    finally:
        watcher.cancel()
