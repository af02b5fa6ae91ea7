"""The ``graphsvc`` command: serve, query, validate, load.

Exit codes: 0 success, 1 a failed check, 2 a usage error or input that does not load.
Each command lives in its own module; the engine, pydantic and the web framework are imported
only by the commands that run them, so ``graphsvc --help`` and ``graphsvc validate`` start fast.
"""

from __future__ import annotations

import typer

from graphsvc.cli import diff, load, query, serve, validate

app = typer.Typer(
    help="Publish a curated RDF knowledge graph as a SPARQL 1.1 endpoint.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("query")(query.query)
app.command("load")(load.load_to)
validate.register(app)
diff.register(app)


def main() -> None:
    app()
