"""``graphsvc load --to URL``: publish the graph to a remote SPARQL store (docs/remote.md)."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from graphsvc.cli.common import EXIT_FAILED, fail, quiet_http_log, settings_from
from graphsvc.cli.options import with_settings_options
from graphsvc.errors import GraphsvcError, LoadError

LOAD_SETTINGS = [
    "remote_update_endpoint",
    "remote_graph_store",
    "remote_release",
    "remote_auth",
    "base_iri",
    "validate_on_load",
]


@with_settings_options(LOAD_SETTINGS, panel="Store")
def load_to(
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="The remote store's SPARQL query endpoint [env: GRAPHSVC_REMOTE_ENDPOINT]"
        ),
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
    **flags: Any,
) -> None:
    """Publish the project's graph (or the given files) to a remote SPARQL store.

    One named graph per file, as `graphsvc serve` loads them; each graph is replaced only once
    its new content is fully uploaded, and running it twice leaves the same data (docs/remote.md).
    Credentials are read from GRAPHSVC_REMOTE_USER and GRAPHSVC_REMOTE_PASSWORD only.
    """
    # Imported when a load runs: `graphsvc --help` needs neither the engine nor pyshacl.
    from graphsvc.assemble import remote_config
    from graphsvc.config import project_root
    from graphsvc.load import discover
    from graphsvc.store.remote.publish import publish
    from graphsvc.validation.validator import ValidationOptions, require_conforming, validate_paths

    quiet_http_log()
    settings = settings_from(remote_endpoint=to, **flags)
    if not settings.remote_endpoint:
        raise fail("give the remote store's SPARQL endpoint: --to URL")
    root = project_root()
    terminal = sys.stderr.isatty()

    def progress(message: str) -> None:
        if terminal:
            typer.echo(f"graphsvc: {message}", err=True)

    try:
        config = remote_config(settings)
        if settings.validate_on_load:
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
        raise fail(exc.message) from None
    except GraphsvcError as exc:
        raise fail(exc.message, EXIT_FAILED) from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    typer.echo(
        f"published {report.triples} triples in {report.graphs} named graphs and the default "
        f"graph as release {report.version} <{report.release}> ({report.added} triples added, "
        f"{report.deleted} deleted)"
        + (f"; removed {len(report.removed)} graphs" if report.removed else "")
    )
