"""``graphsvc query``: run a named query (or SPARQL text) on the data and print the results."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from graphsvc.cli.common import EXIT_FAILED, EXIT_USAGE, fail, settings_from
from graphsvc.cli.options import with_settings_options
from graphsvc.errors import GraphsvcError, LoadError, ParameterError


@with_settings_options(["engine", "queries_dir"], panel="Data")
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
    **flags: Any,
) -> None:
    """Run a named query (or a SPARQL query) against the project's data and print the results."""
    # The engine and the service are imported only when a query runs (`--help` stays quick).
    from graphsvc.assemble import service_from_settings
    from graphsvc.formats import resolve_format_name

    settings = settings_from(**flags)
    try:
        service = service_from_settings(settings)
        given: dict[str, str] = {}
        for item in param or []:
            key, sep, value = item.partition("=")
            if not sep:
                raise ParameterError(f"a parameter reads key=value, got {item!r}")
            given[key] = value
        if any(c in name_or_sparql for c in " {?"):
            text, bindings = name_or_sparql, {}
            operation = service.prepare(name_or_sparql).operation
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
        raise fail(exc.message) from None
    except ParameterError as exc:
        raise fail(exc.message, EXIT_USAGE) from None
    except GraphsvcError as exc:
        raise fail(exc.message, EXIT_FAILED) from None
    except ValueError as exc:
        raise fail(str(exc)) from None
    sys.stdout.buffer.write(result.body)
    if result.truncated:
        typer.echo(f"graphsvc: results truncated at {result.rows} rows", err=True)
