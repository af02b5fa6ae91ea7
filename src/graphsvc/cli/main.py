"""The ``graphsvc`` command: serve, query, validate, load.

Exit codes: 0 success, 1 a failed check, 2 a usage error or input that does not load.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from graphsvc.cli.validate import refused
from graphsvc.cli.validate import register as register_validate
from graphsvc.errors import DataInvalid, GraphsvcError, LoadError, ParameterError
from graphsvc.server import supervisor as supervise

if TYPE_CHECKING:
    from fastapi import FastAPI

    from graphsvc.config import Settings

app = typer.Typer(
    help="Publish a curated RDF knowledge graph as a SPARQL 1.1 endpoint.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_USAGE) -> typer.Exit:
    typer.echo(f"graphsvc: error: {message}", err=True)
    return typer.Exit(code)


def _settings(**flags: Any) -> Settings:
    """Settings from GRAPHSVC_* variables, overridden by the flags actually given."""
    from graphsvc.config import Settings  # pydantic is slow to import: only when needed
    given = {k: v for k, v in flags.items() if v is not None and v != []}
    try:
        return Settings(**given)
    except ValueError as exc:
        raise _fail(str(exc)) from None


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="RDF files or folders to serve instead of the project's data."),
]


@app.command()
def serve(
    paths: PathsArg = None,
    host: Annotated[str | None, typer.Option(help="Interface to bind.")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (0: any free port).")] = None,
    engine: Annotated[
        str | None, typer.Option(help="oxigraph (default), rdflib or remote (--endpoint).")
    ] = None,
    store: Annotated[
        Path | None, typer.Option("--store", help="Keep the oxigraph store on disk here.")
    ] = None,
    union_default_graph: Annotated[
        bool | None,
        typer.Option(
            "--union-default-graph/--no-union-default-graph",
            help="Query the union of all graphs by default (on unless given).",
        ),
    ] = None,
    validate: Annotated[
        bool | None,
        typer.Option("--validate/--no-validate", help="Refuse data that fails its shapes."),
    ] = None,
    reload: Annotated[
        bool | None,
        typer.Option("--reload", help="Watch the data files; serve each good new version."),
    ] = None,
    query_timeout: Annotated[float | None, typer.Option(help="Seconds per query.")] = None,
    max_rows: Annotated[int | None, typer.Option(help="Row cap; 0 for none.")] = None,
    max_body_bytes: Annotated[int | None, typer.Option(help="Largest request body.")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Queries evaluated at once (threads or worker processes).")
    ] = None,
    query_isolation: Annotated[
        str | None,
        typer.Option(help="thread, process or auto: how an overrunning query is stopped."),
    ] = None,
    processes: Annotated[
        int | None, typer.Option(help="Server processes (query threads only).")
    ] = None,
    max_queued: Annotated[
        int | None, typer.Option(help="Queries that may wait for a worker before 503.")
    ] = None,
    result_cache: Annotated[
        int | None, typer.Option(help="Bytes of query results to cache in memory; 0: off.")
    ] = None,
    base_iri: Annotated[str | None, typer.Option(help="Base IRI of the data.")] = None,
    queries: Annotated[
        Path | None, typer.Option("--queries", help="Folder of named queries (*.rq).")
    ] = None,
    allow_service: Annotated[
        list[str] | None, typer.Option(help="A SERVICE endpoint queries may call (repeatable).")
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option(help="Remote engine: the store's SPARQL query endpoint.")
    ] = None,
    update_endpoint: Annotated[
        str | None, typer.Option(help="Remote engine: the store's SPARQL Update endpoint.")
    ] = None,
    graph_store: Annotated[
        str | None, typer.Option(help="Remote engine: the store's Graph Store endpoint.")
    ] = None,
    release: Annotated[
        str | None, typer.Option(help="Remote engine: IRI of the release manifest graph.")
    ] = None,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the project's graph, or the given RDF files, over HTTP.

    With --engine remote it serves what the remote store holds (see `graphsvc load --to`).
    Its credentials are read from GRAPHSVC_REMOTE_USER and GRAPHSVC_REMOTE_PASSWORD only.
    """
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    supervised = supervise.SupervisorLink.from_environment()
    if supervised is not None:
        _serve_supervised(*supervised, log_level=log_level)
        return
    settings = _settings(
        paths=paths,
        host=host,
        port=port,
        engine=engine,
        store_path=store,
        union_default_graph=union_default_graph,
        validate_on_load=validate,
        reload=reload,
        query_timeout=query_timeout,
        max_rows=max_rows,
        max_body_bytes=max_body_bytes,
        query_workers=workers,
        query_isolation=query_isolation,
        processes=processes,
        max_queued=max_queued,
        result_cache_bytes=result_cache,
        base_iri=base_iri,
        queries_dir=queries,
        allowed_service_iris=allow_service,
        remote_endpoint=endpoint,
        remote_update_endpoint=update_endpoint,
        remote_graph_store=graph_store,
        remote_release=release,
    )
    _quiet_http_log(log_level)
    if _query_threads(settings):
        _supervise(settings.model_copy(update={"query_isolation": "thread"}), log_level)
        return
    import uvicorn

    web_app = _app(settings)
    uvicorn.run(
        web_app,
        host=settings.host,
        port=settings.port,
        log_level=log_level.lower(),
        timeout_graceful_shutdown=int(settings.query_timeout) + 1,
    )


def _app(settings: Settings, **hooks: Any) -> FastAPI:
    from graphsvc.web.app import create_app

    try:
        return create_app(settings, **hooks)
    except DataInvalid as exc:
        raise refused(exc) from None
    except GraphsvcError as exc:
        raise _fail(exc.message) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None


def _query_threads(settings: Settings) -> bool:
    """Whether queries run on threads under a supervisor (see threads.py and supervise.py)."""
    if settings.query_isolation == "auto":
        # rdflib holds the GIL while it evaluates; pyoxigraph releases it, and a remote query
        # thread waits on a socket. --reload swaps versions inside one process.
        threads = settings.engine != "rdflib" and not settings.reload
    elif settings.query_isolation == "thread" and settings.engine == "rdflib":
        raise _fail("--query-isolation thread is for the oxigraph and remote engines: "
                    "rdflib holds the GIL while it evaluates")  # fmt: skip
    else:
        threads = settings.query_isolation == "thread"
    if not threads and settings.processes > 1:
        raise _fail("--processes is for query threads: not with --query-isolation process, "
                    "--engine rdflib or --reload")  # fmt: skip
    return threads


def _supervise(settings: Settings, log_level: str) -> None:
    if settings.reload:
        raise _fail("--reload runs queries in forked workers of one server process; "
                    "drop --query-isolation thread and --processes")  # fmt: skip
    try:
        sock = supervise.bind(settings.host, settings.port)
    except OSError as exc:
        raise _fail(f"cannot listen on {settings.host}:{settings.port}: {exc}") from None
    supervise.exec_supervisor(
        sock,
        log_level=log_level,
        processes=settings.processes,
        grace=settings.query_timeout + 5,
        settings_json=settings.model_dump_json(),
    )


def _serve_supervised(
    sock: socket.socket, link: supervise.SupervisorLink, *, log_level: str
) -> None:
    """One server process under the supervisor: settings from it, the socket it bound."""
    import uvicorn
    from pydantic import SecretStr

    from graphsvc.config import Settings

    settings = Settings.model_validate_json(os.environ[supervise.SUPERVISED_SETTINGS])
    # The JSON masks secrets; the remote store's password is only ever read from the
    # environment, which this process inherited.
    password = os.environ.get("GRAPHSVC_REMOTE_PASSWORD")
    settings = settings.model_copy(
        update={"remote_password": SecretStr(password) if password is not None else None}
    )
    _quiet_http_log(log_level)

    def ready() -> None:
        # After service.start(): its forks (the dumps writer) see no other thread of ours.
        link.watch_supervisor()
        link.ready()

    web_app = _app(settings, on_ready=ready, on_runaway=link.retire)
    server = uvicorn.Server(
        uvicorn.Config(
            web_app,
            log_level=log_level.lower(),
            timeout_graceful_shutdown=int(settings.query_timeout) + 1,
        )
    )
    server.run(sockets=[sock])
    # A runaway query's thread never ends by itself, and interpreter exit would wait for it:
    # leaving at once is how a runaway stops.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)



@app.command()
def query(
    name_or_sparql: Annotated[
        str, typer.Argument(help="A named query (see /queries) or SPARQL text.")
    ],
    param: Annotated[
        list[str] | None, typer.Option("-p", "--param", help="key=value for a named query.")
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="json, xml, csv, tsv, ttl, nt, jsonld, rdf")
    ] = "csv",
    engine: Annotated[str | None, typer.Option(help="oxigraph or rdflib.")] = None,
    queries: Annotated[
        Path | None, typer.Option("--queries", help="Folder of named queries (*.rq).")
    ] = None,
    paths: PathsArg = None,
) -> None:
    """Run a named query (or a SPARQL query) against the project's data and print the results."""
    from graphsvc.formats import resolve_format_name
    from graphsvc.web.app import service_from_settings

    settings = _settings(engine=engine, paths=paths, queries_dir=queries)
    try:
        service = service_from_settings(settings)
        given: dict[str, str] = {}
        for item in param or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise ParameterError(f"a parameter reads key=value, got {item!r}")
            given[key] = value
        if any(c in name_or_sparql for c in " {?"):
            text, bindings, operation = (
                name_or_sparql,
                {},
                service.prepare(name_or_sparql).operation,
            )
            if given:
                raise ParameterError("parameters are for named queries only")
        else:
            named = service.catalog.get(name_or_sparql)
            text, bindings, operation = named.text, named.bindings(given), named.operation
        name = output_format
        if operation.returns_graph:
            name = {"json": "jsonld", "xml": "rdfxml", "csv": "ttl", "tsv": "ttl"}.get(name, name)
        media_type = resolve_format_name(name)
        if media_type is None:
            raise ParameterError(f"unknown format {output_format!r}")
        result = service.run_in_process(text, media_type, bindings=bindings)
    except LoadError as exc:
        raise _fail(exc.message) from None
    except GraphsvcError as exc:
        raise _fail(exc.message, 1 if not isinstance(exc, ParameterError) else EXIT_USAGE) from None
    sys.stdout.buffer.write(result.body)
    if result.truncated:
        typer.echo(f"graphsvc: results truncated at {result.rows} rows", err=True)


def _quiet_http_log(log_level: str) -> None:
    # httpx logs every request at INFO: one line per remote query is noise, below DEBUG.
    if log_level.lower() != "debug":
        logging.getLogger("httpx").setLevel(logging.WARNING)


@app.command("load")
def load_to(
    paths: PathsArg = None,
    to: Annotated[
        str | None, typer.Option("--to", help="The remote store's SPARQL query endpoint.")
    ] = None,
    update_endpoint: Annotated[
        str | None, typer.Option(help="Its SPARQL Update endpoint (default: --to).")
    ] = None,
    graph_store: Annotated[
        str | None, typer.Option(help="Its Graph Store Protocol endpoint (else INSERT DATA).")
    ] = None,
    release: Annotated[
        str | None, typer.Option(help="IRI of the release manifest graph (<base>release).")
    ] = None,
    base_iri: Annotated[str | None, typer.Option(help="Base IRI of the data.")] = None,
    validate: Annotated[
        bool | None,
        typer.Option("--validate/--no-validate", help="Refuse data that fails its shapes."),
    ] = None,
    chunk: Annotated[
        int, typer.Option(min=1, help="Triples per upload request (and per --batched step).")
    ] = 50_000,
    batched: Annotated[
        bool,
        typer.Option(
            "--batched", help="Switch in steps, not one transaction (see docs/remote.md)."
        ),
    ] = False,
) -> None:
    """Publish the project's graph (or the given files) to a remote SPARQL store.

    One named graph per file, as `graphsvc serve` loads them; each graph is replaced only once
    its new content is fully uploaded, and running it twice leaves the same data (docs/remote.md).
    Credentials are read from GRAPHSVC_REMOTE_USER and GRAPHSVC_REMOTE_PASSWORD only.
    """
    from graphsvc.config import project_root
    from graphsvc.load import discover
    from graphsvc.store.remote.publish import publish

    _quiet_http_log("info")
    settings = _settings(
        paths=paths,
        remote_endpoint=to,
        remote_update_endpoint=update_endpoint,
        remote_graph_store=graph_store,
        remote_release=release,
        base_iri=base_iri,
        validate_on_load=validate,
    )
    if not settings.remote_endpoint:
        raise _fail("give the remote store's SPARQL endpoint: --to URL")
    root = project_root()
    terminal = sys.stderr.isatty()

    def progress(message: str) -> None:
        if terminal:
            typer.echo(f"graphsvc: {message}", err=True)

    try:
        config = settings.remote_config()
        if settings.validate_on_load:
            from graphsvc.validation.validator import (
                ValidationOptions,
                require_conforming,
                validate_paths,
            )

            progress("validating the dataset")
            require_conforming(
                validate_paths(
                    settings.paths,
                    project_root=root,
                    options=ValidationOptions(base_iri=settings.base_iri),
                )
            )
        sources = discover(
            settings.resolved_paths(),
            base_iri=settings.base_iri,
            project_root=root if settings.serves_project_data else None,
        )
        report = publish(sources, config, progress=progress, chunk=chunk, batched=batched)
    except LoadError as exc:
        raise _fail(exc.message) from None
    except GraphsvcError as exc:
        raise _fail(exc.message, 1) from None
    except ValueError as exc:
        raise _fail(str(exc)) from None
    typer.echo(
        f"published {report.triples} triples in {report.graphs} named graphs and the default "
        f"graph as release {report.version} <{report.release}> ({report.added} triples added, "
        f"{report.deleted} deleted)"
        + (f"; removed {len(report.removed)} graphs" if report.removed else "")
    )


register_validate(app)


def main() -> None:
    app()
