"""``graphsvc serve``: check the inputs, then serve, under a supervisor when queries run on
threads (server/supervisor.py) or as one process with forked query workers.

Its options are generated from the settings (cli/options.py): see ``graphsvc serve --help``.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from graphsvc.cli.common import configure_logging, fail, settings_from
from graphsvc.cli.options import flag_settings, with_settings_options
from graphsvc.cli.validate import refused
from graphsvc.errors import DataInvalid, GraphsvcError
from graphsvc.server import supervisor
from graphsvc.server.link import (
    SupervisorLink,
    bind,
    exec_supervisor,
    fork_loader,
    name_process,
)

if TYPE_CHECKING:
    from fastapi import FastAPI

    from graphsvc.config import Settings
    from graphsvc.service import GraphService


@with_settings_options(flag_settings())
def serve(**flags: Any) -> None:
    """Serve the project's graph, or the given RDF files, over HTTP.

    With --engine remote it serves what the remote store holds (see `graphsvc load --to`).
    Its credentials are read from GRAPHSVC_REMOTE_USER and GRAPHSVC_REMOTE_PASSWORD only.
    """
    supervised = SupervisorLink.from_environment()
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
        _supervise(settings, fork=_forks_servers(settings))
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


def _app(
    settings: Settings, *, loading: Future[GraphService] | None = None, **hooks: Any
) -> FastAPI:
    """The app, refusing with the command line's messages and exit codes. ``loading``: the
    service being built meanwhile (on another thread), which the app then serves."""
    try:
        from graphsvc.web.app import create_app

        service = loading.result() if loading is not None else None
        return create_app(settings, service=service, **hooks)
    except DataInvalid as exc:
        raise refused(exc) from None
    except GraphsvcError as exc:
        raise fail(exc.message) from None
    except ValueError as exc:
        raise fail(str(exc)) from None


def _app_loading_meanwhile(settings: Settings, **hooks: Any) -> FastAPI:
    """``_app``, with the data loading while the web layer is imported: pyoxigraph's loader
    releases the GIL, so the half second of imports costs no time. The thread has ended when
    this returns (a loader forks next, and a thread does not survive a fork)."""
    from graphsvc.assemble import service_from_settings
    from graphsvc.progress import Progress

    size = _megabytes(settings.resolved_paths()) if settings.engine != "remote" else 0
    with (
        ThreadPoolExecutor(1, thread_name_prefix="graphsvc-load") as pool,
        Progress(lambda seconds: f"loading {size:,.0f} MB of data… {seconds:.0f} s"),
    ):
        loading = pool.submit(
            service_from_settings, settings, validate=settings.validate_on_load, supervisor=True
        )
        return _app(settings, loading=loading, **hooks)


def _megabytes(paths: list[Path]) -> float:
    """What the files to load weigh, for the progress line (folders walked)."""
    total = 0
    for path in paths:
        files = path.rglob("*") if path.is_dir() else [path]
        total += sum(f.stat().st_size for f in files if f.is_file())
    return total / 1e6


def _forks_servers(settings: Settings) -> bool:
    """Whether server processes are forked from one loader (server/supervisor.py): for a store
    held in memory, which they then share. An on-disk store is opened by each process (its
    engine keeps threads and files a fork would not carry over); the remote engine has no store
    here."""
    return settings.engine == "oxigraph" and settings.store_path is None


def _supervise(settings: Settings, *, fork: bool) -> None:
    try:
        sock = bind(settings.host, settings.port)
    except OSError as exc:
        raise fail(f"cannot listen on {settings.host}:{settings.port}: {exc}") from None
    early = fork_loader(sock) if fork else None
    if isinstance(early, SupervisorLink):
        # This is the loader: it loads now, with what the command has imported and read.
        _serve_supervised(sock, early, settings)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    exec_supervisor(
        sock,
        log_level=settings.log_level,
        processes=settings.server_processes,
        grace=settings.query_timeout + 5,
        settings_json=settings.model_dump_json(),
        fork=fork,
        loader=early,
    )


def _watch_memory(
    web_app: FastAPI, settings: Settings, link: SupervisorLink, loader: int | None
) -> None:
    """Bound this process's memory (execution/memory.py): past its limit, answer the running
    queries 503, have the supervisor replace this process, and end now. ``loader``: the
    resident memory of the loader this process was forked from (None: not forked)."""
    import asyncio
    import functools
    import time

    from graphsvc.errors import MemoryExceeded
    from graphsvc.execution.memory import (
        MemoryWatchdog,
        forked_limit,
        process_limit,
        resident_bytes,
    )
    from graphsvc.execution.threads import ThreadedExecutor
    from graphsvc.server import access_log
    from graphsvc.server.process import stop_accepting

    executor = web_app.state.service.executor
    if not isinstance(executor, ThreadedExecutor):
        return  # queries sent from the event loop (the remote engine) hold no memory here
    loop = asyncio.get_running_loop()
    baseline = resident_bytes()
    processes = settings.server_processes
    budget = settings.memory_budget
    if loader is None:
        limit = process_limit(budget, processes=processes)
        headroom, least = limit - baseline, baseline
    else:
        limit = forked_limit(budget, processes=processes, loader=loader, baseline=baseline)
        # Forked, this process holds almost nothing of its own: what matters is what a query
        # may still allocate.
        headroom, least = limit - baseline, _LEAST_HEADROOM
    if headroom < least:
        logging.getLogger(__name__).warning(
            "--memory-budget %d MiB leaves this process %d MiB for its queries: too little; "
            "not bounding memory",
            budget >> 20,
            max(headroom, 0) >> 20,
        )
        return

    def exceeded(_resident: int) -> None:
        link.exiting()
        error = MemoryExceeded(limit)
        loop.call_soon_threadsafe(stop_accepting)  # new connections go to the other processes
        loop.call_soon_threadsafe(functools.partial(executor.fail_running, error, older_than=0.1))
        time.sleep(0.03)  # quick queries finish, the 503s go out
        loop.call_soon_threadsafe(executor.fail_running, error)
        time.sleep(0.01)
        access_log.flush()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(3)

    MemoryWatchdog(limit, exceeded).start()


_LEAST_HEADROOM = 64 << 20
"""Below this share of the budget per process, bounding memory would only stop ordinary queries."""


def _serve_supervised(
    sock: socket.socket, link: SupervisorLink, settings: Settings | None = None
) -> None:
    """Under the supervisor, with its settings (or the command's) and the socket it bound: the
    loader, which loads the data and forks the server processes, or a server process that opens
    the store itself."""
    from pydantic import SecretStr

    from graphsvc.config import Settings
    from graphsvc.execution.memory import (
        MemoryWatchdog,
        private_bytes,
        renewal_threshold,
        resident_bytes,
    )
    from graphsvc.server.link import run_loader
    from graphsvc.server.process import serve_on_socket

    if settings is None:
        settings = Settings.model_validate_json(os.environ[supervisor.SUPERVISED_SETTINGS])
        # The JSON masks secrets; the remote store's password is only ever read from the
        # environment, which this process inherited.
        password = os.environ.get("GRAPHSVC_REMOTE_PASSWORD")
        settings = settings.model_copy(
            update={"remote_password": SecretStr(password) if password is not None else None}
        )
        configure_logging(settings.log_level)
    loader_resident: int | None = None

    def ready() -> None:
        name_process("graphsvc-server")
        link.watch_supervisor()
        if settings.memory_budget:
            _watch_memory(web_app, settings, link, loader_resident)
        if loader_resident is not None:
            # Between queries only: one that allocates is the memory budget's business, and
            # its memory is returned when it ends.
            MemoryWatchdog(
                renewal_threshold(loader_resident),
                lambda _private: link.renew(),
                read=lambda: 0 if web_app.state.service.busy else private_bytes(),
                interval=1.0,
                what="holds privately",
            ).start()
        link.ready()

    web_app = _app_loading_meanwhile(settings, on_ready=ready, on_runaway=link.retire)

    def serve() -> NoReturn:
        serve_on_socket(
            web_app,
            sock,
            log_level=settings.log_level,
            grace=_grace(settings),
            max_head_bytes=settings.max_header_bytes,
            max_headers=settings.max_headers,
        )

    if not link.is_loader():
        serve()  # named in ready(): after its start hooks forked the dumps writer
    service = web_app.state.service
    # Once, here: the forked processes find the dumps being written and write none.
    service.run_start_hooks()

    def serve_forked() -> NoReturn:
        nonlocal loader_resident
        loader_resident = resident_bytes(os.getppid())
        serve()

    name_process("graphsvc-loader")
    run_loader(link, serve_forked)
    service.stop()
