"""``graphsvc validate``: the CI gate for new data (registered on the typer app by cli/main.py).

Exit codes: 0 the data conforms; 1 a violation (or a warning with ``--fail-on warning``); 2 a usage
error or input that does not parse. Heavy imports (rdflib, pyshacl) happen inside the command so
``graphsvc --help`` stays quick.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from graphsvc.cli.common import EXIT_USAGE, fail

if TYPE_CHECKING:
    from graphsvc.errors import DataInvalid


def _usage(message: str) -> typer.Exit:
    return fail(message, EXIT_USAGE)


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _colour(choice: bool | None, stream: object) -> bool:
    if choice is not None:
        return choice
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="RDF files or folders; none: the project's ontology, shapes and data."),
    ] = None,
    output_format: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="text, grouped, json, turtle, junit, github or sarif."
        ),
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    shapes: Annotated[
        list[Path] | None,
        typer.Option("--shapes", help="SHACL shapes to use instead of ontology/shapes.ttl."),
    ] = None,
    ontology: Annotated[
        list[Path] | None,
        typer.Option("--ontology", help="Ontology files that define the terms (with paths)."),
    ] = None,
    fail_on: Annotated[
        str, typer.Option("--fail-on", help="Lowest severity that fails: violation, warning, info.")
    ] = "violation",
    disable: Annotated[
        list[str] | None,
        typer.Option("--disable", help="Rule id(s) to skip (repeatable, or comma-separated)."),
    ] = None,
    namespace: Annotated[
        list[str] | None,
        typer.Option("--namespace", help="Vocabulary namespace checked by unknown-term."),
    ] = None,
    base_iri: Annotated[str | None, typer.Option(help="Base IRI of the data.")] = None,
    colour: Annotated[
        bool | None,
        typer.Option("--color/--no-color", help="Colour the text report (default: on a terminal)."),
    ] = None,
) -> None:
    """Validate RDF files against the SHACL shapes and the lints; report where each problem is.

    Rules (--disable): shacl, unknown-term, dangling-link, invalid-literal, label-language,
    duplicate-subject. Exit codes: 0 the data conforms; 1 a violation (or a warning with
    --fail-on warning); 2 a usage error or input that does not parse. See docs/validate.md.
    """
    from graphsvc.errors import LoadError
    from graphsvc.namespaces import DEFAULT_BASE_IRI, GS
    from graphsvc.project import project_root
    from graphsvc.validation.findings import Severity
    from graphsvc.validation.reports import FORMATS, render, summary
    from graphsvc.validation.validator import ValidationOptions, validate_paths

    if output_format not in FORMATS:
        raise _usage(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")
    try:
        severity = Severity.parse(fail_on)
        options = ValidationOptions(
            # As Settings reads it; pydantic itself is not worth its import time here.
            base_iri=base_iri or os.environ.get("GRAPHSVC_BASE_IRI") or DEFAULT_BASE_IRI,
            vocab_namespaces=tuple(_split(namespace)) or (GS,),
            disabled=frozenset(_split(disable)),
            fail_on=severity,
        )
    except ValueError as exc:
        raise _usage(str(exc)) from None
    for given in [*(shapes or []), *(ontology or [])]:
        if not given.exists():
            raise _usage(f"{given}: no such file or folder")
    try:
        report = validate_paths(
            paths or [],
            project_root=project_root(),
            options=options,
            shapes=shapes or [],
            ontology=ontology,
        )
    except LoadError as exc:
        raise _usage(exc.message) from None
    stream = sys.stdout if output is None else None
    text = render(report, output_format, colour=_colour(colour, stream))
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(summary(report), err=True)
    raise typer.Exit(report.exit_code)


def refused(exc: DataInvalid) -> typer.Exit:
    """``graphsvc serve`` on data that does not conform: print the report, exit 1."""
    from graphsvc.validation.reports import render
    from graphsvc.validation.validator import ShapesViolated

    if isinstance(exc, ShapesViolated):
        sys.stderr.write(render(exc.report, "text", colour=_colour(None, sys.stderr)))
    typer.echo(
        f"graphsvc: error: {exc.message}; refusing to serve it (use --no-validate to serve anyway)",
        err=True,
    )
    return typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
