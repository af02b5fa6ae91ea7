"""``graphsvc serve``: check the inputs, then serve, under a supervisor when queries run on
threads (server/supervisor.py) or as one process with forked query workers.

Its options are generated from the settings (cli/options.py): see ``graphsvc serve --help``.
"""

from __future__ import annotations

import os
import socket
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
        _supervise(settings)
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


def _supervise(settings: Settings) -> None:
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
    )


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
        link.ready()

    web_app = _app(settings, on_ready=ready, on_runaway=link.retire)
    serve_on_socket(
        web_app,
        sock,
        log_level=settings.log_level,
        grace=_grace(settings),
        max_head_bytes=settings.max_header_bytes,
        max_headers=settings.max_headers,
    )
