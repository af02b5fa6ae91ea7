"""Parameters of named queries, bound for a remote store: it has no API for pre-bound variables.

A parameter becomes an inline ``VALUES`` block placed first in the query's outermost WHERE group,
its term in N-Triples form (escaped by pyoxigraph): it joins with every pattern and filter of that
group, which is what the local engines' substitution does for the named queries' parameters.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyoxigraph as ox

from graphsvc.errors import QueryEvaluationError
from graphsvc.sparql import _TOKEN
from graphsvc.store.base import Term


def values_clause(bindings: Mapping[str, Term]) -> str:
    """Bindings as an inline VALUES block (terms in their N-Triples form, escaped by pyoxigraph)."""
    names = list(bindings)
    for name in names:
        if isinstance(bindings[name], ox.BlankNode | ox.Triple):
            raise QueryEvaluationError(f"parameter {name}: a blank node cannot be bound remotely")
    variables = " ".join(f"?{name}" for name in names)
    terms = " ".join(str(bindings[name]) for name in names)
    return f" VALUES ({variables}) {{ ({terms}) }} "


def bind_parameters(text: str, bindings: Mapping[str, Term]) -> str:
    """The query with its parameters bound at the start of its WHERE group.

    A remote store has no API for pre-bound variables; an inline VALUES block first in the
    outermost group joins with everything in it, filters included, which is what the local
    engines' substitution does for the named queries' SELECT parameters.
    """
    if not bindings:
        return text
    form: str | None = None
    braces = parens = 0
    template_done = False
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup, match.group()
        if kind in ("comment", "string"):
            continue
        upper = value.upper()
        if form is None:
            if kind == "word" and upper in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = upper
            continue
        if kind == "word" and upper == "WHERE" and form == "CONSTRUCT" and not template_done:
            raise QueryEvaluationError(
                "parameters cannot be bound in the CONSTRUCT WHERE { ... } short form"
            )
        if value == "(":
            parens += 1
        elif value == ")":
            parens -= 1
        elif value == "{" and parens == 0:
            if form == "CONSTRUCT" and not template_done:
                braces += 1
            elif braces == 0:
                return text[: match.end()] + values_clause(bindings) + text[match.end() :]
        elif value == "}" and parens == 0 and braces:
            braces -= 1
            template_done = braces == 0
    raise QueryEvaluationError(
        "parameters can be bound remotely only in a query with a WHERE group"
    )


__all__ = ["bind_parameters", "values_clause"]
