"""``graphsvc serve``: check the inputs, then serve, under a supervisor when queries run on
threads (server/supervisor.py) or as one process with forked query workers.

Its options are generated from the settings (cli/options.py): see ``graphsvc serve --help``.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from typing import TYPE_CHECKING, Any

from graphsvc.cli.common import configure_logging, fail, settings_from
from graphsvc.cli.options import flag_settings, with_settings_options
from graphsvc.cli.validate import refused
from graphsvc.errors import DataInvalid, GraphsvcError
from graphsvc.server import supervisor

if TYPE_CHECKING:
    from fastapi import FastAPI

    from graphsvc.config import Settings


@with_settings_options(flag_settings())
def serve(**flags: Any) -> None:
    """Serve the project's graph, or the given RDF files, over HTTP.

    With --engine remote it serves what the remote store holds (see `graphsvc load --to`).
    Its credentials are read from GRAPHSVC_REMOTE_USER and GRAPHSVC_REMOTE_PASSWORD only.
    """
    supervised = supervisor.SupervisorLink.from_environment()
    if supervised is not None:
        _serve_supervised(*supervised)
        return
    settings = settings_from(**flags)
    configure_logging(settings.log_level)
    # Imported here, not at the top: `graphsvc --help` and `graphsvc validate` need neither
    # the engine nor the web framework.
    from graphsvc.assemble import check_inputs

    try:
        execution = check_inputs(settings, supervisor=True)
    except GraphsvcError as exc:
        raise fail(exc.message) from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    if execution.supervised:
        # A standby process is only for query threads: the remote engine's queries hold no
        # memory here and never run away.
        _supervise(settings, standby=settings.memory_budget > 0 and execution.executor == "threads")
        return
    from graphsvc.server.process import serve_alone

    serve_alone(
        _app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        grace=_grace(settings),
        max_head_bytes=settings.max_header_bytes,
        max_headers=settings.max_headers,
    )


def _grace(settings: Settings) -> int:
    """How long a stopping server waits for requests in flight: a query's whole time limit."""
    return int(settings.query_timeout) + 1


def _app(settings: Settings, **hooks: Any) -> FastAPI:
    from graphsvc.web.app import create_app

    try:
        return create_app(settings, **hooks)
    except DataInvalid as exc:
        raise refused(exc) from None
    except GraphsvcError as exc:
        raise fail(exc.message) from None
    except ValueError as exc:
        raise fail(str(exc)) from None


def _supervise(settings: Settings, *, standby: bool) -> None:
    try:
        sock = supervisor.bind(settings.host, settings.port)
    except OSError as exc:
        raise fail(f"cannot listen on {settings.host}:{settings.port}: {exc}") from None
    supervisor.exec_supervisor(
        sock,
        log_level=settings.log_level,
        processes=settings.processes,
        grace=settings.query_timeout + 5,
        settings_json=settings.model_dump_json(),
        standby=standby,
    )


def _watch_memory(web_app: FastAPI, settings: Settings, link: supervisor.SupervisorLink) -> bool:
    """Bound this process's memory (execution/memory.py): past its share of the budget, answer
    the running queries 503, hand over to the standby process, and end now. False when the
    budget leaves too little to bound anything (the data alone nearly fill it)."""
    import asyncio
    import functools
    import time

    from graphsvc.errors import MemoryExceeded
    from graphsvc.execution.memory import MemoryWatchdog, process_limit, resident_bytes
    from graphsvc.execution.threads import ThreadedExecutor
    from graphsvc.server.process import stop_accepting

    executor = web_app.state.service.executor
    if not isinstance(executor, ThreadedExecutor):
        return False  # queries sent from the event loop (the remote engine) hold no memory here
    loop = asyncio.get_running_loop()
    baseline = resident_bytes()
    limit = process_limit(settings.memory_budget, processes=settings.processes, baseline=baseline)
    if limit < 2 * baseline:
        logging.getLogger(__name__).warning(
            "--memory-budget %d MiB leaves this process %d MiB for its queries: too little; "
            "not bounding memory",
            settings.memory_budget >> 20,
            max(limit - baseline, 0) >> 20,
        )
        return False

    def exceeded(_resident: int) -> None:
        link.exiting()
        error = MemoryExceeded(limit)
        loop.call_soon_threadsafe(stop_accepting)  # new connections go to the standby
        loop.call_soon_threadsafe(functools.partial(executor.fail_running, error, older_than=0.1))
        time.sleep(0.03)  # quick queries finish, the 503s go out
        loop.call_soon_threadsafe(executor.fail_running, error)
        time.sleep(0.01)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(3)

    MemoryWatchdog(limit, exceeded).start()
    return True


def _serve_supervised(sock: socket.socket, link: supervisor.SupervisorLink) -> None:
    """One server process under the supervisor: settings from it, the socket it bound."""
    from pydantic import SecretStr

    from graphsvc.config import Settings
    from graphsvc.server.process import serve_on_socket

    settings = Settings.model_validate_json(os.environ[supervisor.SUPERVISED_SETTINGS])
    # The JSON masks secrets; the remote store's password is only ever read from the
    # environment, which this process inherited.
    password = os.environ.get("GRAPHSVC_REMOTE_PASSWORD")
    settings = settings.model_copy(
        update={"remote_password": SecretStr(password) if password is not None else None}
    )
    configure_logging(settings.log_level)

    def ready() -> None:
        # After service.start(): its forks (the dumps writer) see no other thread of ours.
        link.watch_supervisor()
        if not (settings.memory_budget and _watch_memory(web_app, settings, link)):
            # No bound here: a standby would only double the memory held (a second copy of an
            # in-memory store) for a takeover that never comes.
            link.unbounded()
        link.ready()

    web_app = _app(settings, on_ready=ready, on_runaway=link.retire)
    if os.environ.get(supervisor.STANDBY):
        # Loaded; serve only when the supervisor says so (it closes our stdin if it goes away).
        link.standing_by()
        if sys.stdin.readline().strip() != "go":
            os._exit(0)
    serve_on_socket(
        web_app,
        sock,
        log_level=settings.log_level,
        grace=_grace(settings),
        max_head_bytes=settings.max_header_bytes,
        max_headers=settings.max_headers,
    )
