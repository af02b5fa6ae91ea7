"""The named-query catalog: ``queries/*.rq`` with ``#+ key: value`` header comments.

A header looks like::

    #+ title: Troop-number claims
    #+ description: Which governments said North Korea sent more than 10,000 troops?
    #+ param: claimant | iri | https://w3id.org/graphsvc/id/state/south-korea | Who made the claim

A parameter is the query variable of the same name. Its value is turned into an RDF term of the
declared type and bound by the engine (pyoxigraph substitutions, rdflib initBindings); it is never
pasted into the query text, so a parameter cannot inject SPARQL.

Parameters are for SELECT queries, and each parameter variable must be in the SELECT projection:
pyoxigraph substitutes only projected variables. The answer then also shows what was asked.
"""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graphsvc.errors import LoadError, NotFound, ParameterError
from graphsvc.sparql import Operation, classify
from graphsvc.store.base import Term

XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = ("iri", "string", "integer", "decimal", "date", "boolean")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]*$")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str | None
    description: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    text: str
    operation: Operation
    params: tuple[Param, ...] = field(default=())

    def bindings(self, given: Mapping[str, str]) -> dict[str, Term]:
        """RDF terms for the given parameter values (and defaults); unknown names are an error."""
        known = {p.name: p for p in self.params}
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ParameterError(
                f"unknown parameter {', '.join(unknown)} for query {self.name}; "
                f"it takes: {', '.join(known) or 'no parameters'}"
            )
        out: dict[str, Term] = {}
        for param in self.params:
            value = given.get(param.name, param.default)
            if value is None or value == "":
                continue
            out[param.name] = to_term(param, value)
        return out


def to_term(param: Param, value: str) -> Term:
    """Check a parameter value against its type and make the RDF term."""

    def bad(expected: str) -> ParameterError:
        return ParameterError(f"parameter {param.name} must be {expected}, got {value!r}")

    if param.type == "iri":
        if not _IRI.match(value):
            raise bad("an absolute IRI")
        return ox.NamedNode(value)
    if param.type == "string":
        return ox.Literal(value)
    if param.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise bad("an integer")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if param.type == "decimal":
        try:
            number = decimal.Decimal(value)
        except decimal.InvalidOperation:
            raise bad("a decimal number") from None
        if not number.is_finite():
            raise bad("a finite decimal number")
        return ox.Literal(str(number), datatype=ox.NamedNode(XSD + "decimal"))
    if param.type == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            raise bad("a date as YYYY-MM-DD") from None
        return ox.Literal(value, datatype=ox.NamedNode(XSD + "date"))
    if param.type == "boolean":
        if value.lower() not in ("true", "false", "1", "0"):
            raise bad("true or false")
        return ox.Literal(
            "true" if value.lower() in ("true", "1") else "false",
            datatype=ox.NamedNode(XSD + "boolean"),
        )
    raise bad(f"one of the types {', '.join(PARAM_TYPES)}")


def parse_named_query(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    headers: dict[str, str] = {}
    params: list[Param] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#+"):
            continue
        key, sep, value = line[2:].partition(":")
        key, value = key.strip(), value.strip()
        if not sep:
            raise LoadError(f"{path}:{number}: a header line reads '#+ key: value'")
        if key == "param":
            fields = [f.strip() for f in value.split("|")]
            if len(fields) != 4 or fields[1] not in PARAM_TYPES:
                raise LoadError(
                    f"{path}:{number}: a param line reads "
                    f"'#+ param: name | {'/'.join(PARAM_TYPES)} | default | description'"
                )
            params.append(Param(fields[0], fields[1], fields[2] or None, fields[3]))
        else:
            headers[key] = value
    name = path.stem
    if not _NAME.match(name):
        raise LoadError(f"{path}: query names use lower-case letters, digits, '-' and '_'")
    classified = classify(text)
    if params:
        projected = set(classified.projection)
        for param in params:
            if classified.operation is not Operation.SELECT or param.name not in projected:
                raise LoadError(
                    f"{path}: parameter {param.name} must be a variable in the SELECT projection "
                    f"(SELECT ?{param.name} ...), so the engine can bind it"
                )
    return NamedQuery(
        name=name,
        title=headers.get("title", name),
        description=headers.get("description", ""),
        text=text,
        operation=classified.operation,
        params=tuple(params),
    )


class QueryCatalog:
    def __init__(self, queries: list[NamedQuery]) -> None:
        self._queries = {q.name: q for q in queries}

    @classmethod
    def from_folder(cls, folder: Path | None) -> QueryCatalog:
        if folder is None or not folder.is_dir():
            return cls([])
        return cls([parse_named_query(p) for p in sorted(folder.glob("*.rq"))])

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    def get(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise NotFound(f"no named query called {name!r}") from None
