"""``graphsvc diff``: what a change does to the graph (registered on the typer app by main.py).

Exit codes: 0 no change, 1 a change, 2 a usage error or a file that does not parse, so a workflow
can branch on the result. Heavy imports happen inside the command.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

EXIT_CHANGED = 1
EXIT_USAGE = 2


def _usage(message: str) -> typer.Exit:
    typer.echo(f"graphsvc: error: {message}", err=True)
    return typer.Exit(EXIT_USAGE)


def diff(
    old: Annotated[
        str, typer.Argument(help="A git revision of the project (HEAD~1, main, a tag) or a folder.")
    ],
    new: Annotated[
        str | None,
        typer.Argument(help="A revision or folder to compare with; default: the working tree."),
    ] = None,
    output_format: Annotated[
        str, typer.Option("--format", "-f", help="text, markdown, json or patch (RDF Patch).")
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    base_iri: Annotated[str | None, typer.Option(help="Base IRI of the data.")] = None,
) -> None:
    """Compare the graphs two versions of the project would serve: claims, resources, links and
    ontology terms added, removed or changed, grouped by source document.

    A folder is read as a project (its ontology/ and data/, else every RDF file in it); an
    existing folder wins over a revision of the same name. Blank nodes are matched by
    isomorphism; prefixes and statement order are ignored. Exit codes: 0 no change; 1 a change;
    2 a usage error or a file that does not parse. See docs/review.md.
    """
    from graphsvc.errors import LoadError
    from graphsvc.namespaces import DEFAULT_BASE_IRI
    from graphsvc.project import project_root
    from graphsvc.review import RevisionError, build_review, compare, materialise, read_snapshot
    from graphsvc.review.render import FORMATS, headline, render

    if output_format not in FORMATS:
        raise _usage(f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}")
    base = base_iri or os.environ.get("GRAPHSVC_BASE_IRI") or DEFAULT_BASE_IRI
    root = project_root()
    try:
        with materialise(old, root) as old_tree, materialise(new, root) as new_tree:
            before = read_snapshot(old_tree, base_iri=base)
            after = read_snapshot(new_tree, base_iri=base)
    except (LoadError, RevisionError) as exc:
        raise _usage(exc.message) from None
    review = build_review(compare(before, after), base_iri=base)
    text = render(review, output_format)
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        output.write_text(text, encoding="utf-8")
        typer.echo(headline(review), err=True)
    raise typer.Exit(EXIT_CHANGED if review.changed else 0)


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
