"""SPARQL requests before they reach an engine: what kind of operation, and is it allowed.

A light tokenizer classifies the text (query form, prefixes, SERVICE targets) without a full
parse; the engine parses the query itself and reports syntax errors. Updates are parsed here, only
to tell a well-formed update (403: this endpoint is read-only) from a malformed one (400).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graphsvc.errors import Forbidden, QuerySyntaxError


class Operation(enum.Enum):
    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"
    UPDATE = "UPDATE"
    UNKNOWN = "UNKNOWN"

    @property
    def returns_graph(self) -> bool:
        return self in (Operation.CONSTRUCT, Operation.DESCRIBE)


UPDATE_KEYWORDS = {
    "INSERT",
    "DELETE",
    "LOAD",
    "CLEAR",
    "CREATE",
    "DROP",
    "COPY",
    "MOVE",
    "ADD",
    "WITH",
}
QUERY_KEYWORDS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}

_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
      |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>[A-Za-z_][\w.-]*:[\w.%:-]*|:[\w.%:-]*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<other>\S)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Classified:
    operation: Operation
    prefixes: dict[str, str] = field(default_factory=dict)
    service_targets: list[str] = field(default_factory=list)
    """SERVICE targets: absolute IRIs, or the raw token when it cannot be resolved (a variable)."""
    has_dataset_clause: bool = False
    """Whether the query names its own dataset with FROM or FROM NAMED."""
    depth: int = 0
    """The deepest nesting of brackets, braces and parentheses."""
    operators: int = 0
    """Operators that chain their operands (``||``, ``+``, ``/`` in a path, UNION, OPTIONAL...)."""
    projection: list[str] = field(default_factory=list)
    """Variables named in the outermost SELECT clause (empty for SELECT *)."""


MAX_DEPTH = 256
"""Deeper nesting is refused: the engines' recursive parsers overflow the stack on a few
thousand levels (pyoxigraph crashes the process), and no real query nests this deep."""
MAX_OPERATORS = 500
"""More chained operators are refused, for the same reason: a chain is a nesting too, to the
engine. On a query thread pyoxigraph overflows its stack (and ends the server process) on 1,500
steps of a property path, 3,000 OPTIONALs, 20,000 ``||``. 500 is far from each, and far above a
written query; a long list of alternatives is ``IN (...)``, which is not a chain."""
_CHAINING = frozenset("|&^/+-*=!<>")
_CHAINING_WORDS = frozenset({"UNION", "OPTIONAL", "MINUS"})


def classify(text: str) -> Classified:
    """Find the operation, the PREFIX map and the SERVICE targets of a SPARQL text.

    >>> c = classify("PREFIX select: <http://e/> SELECT ?service WHERE { SERVICE <http://x/> {} }")
    >>> c.operation, c.service_targets
    (<Operation.SELECT: 'SELECT'>, ['http://x/'])
    >>> classify("# ASK\\nINSERT DATA { <a> <b> 'SELECT' }").operation
    <Operation.UPDATE: 'UPDATE'>
    """
    tokens = [
        (m.lastgroup, m.group())
        for m in _TOKEN.finditer(text)
        if m.lastgroup not in ("comment", "string")
    ]
    result = Classified(Operation.UNKNOWN)
    depth = 0
    in_projection = False
    for index, (kind, value) in enumerate(tokens):
        if in_projection:
            if value == "{" or value.upper() in ("WHERE", "FROM"):
                in_projection = False
            elif kind == "var" and depth == 0:
                result.projection.append(value[1:])
        if kind == "other":
            if value in _CHAINING and (index == 0 or tokens[index - 1][1] != value):
                result.operators += 1  # `||` is one operator, two tokens
            if value in "({[":
                depth += 1
                result.depth = max(result.depth, depth)
            elif value in ")}]":
                depth -= 1
            continue
        upper = value.upper()
        if kind == "word" and upper in _CHAINING_WORDS:
            result.operators += 1
        if kind == "word" and upper == "PREFIX" and index + 2 < len(tokens):
            (_, name), (iri_kind, iri) = tokens[index + 1], tokens[index + 2]
            if iri_kind == "iri":
                result.prefixes[name.rstrip(":")] = iri[1:-1]
        elif kind == "word" and result.operation is Operation.UNKNOWN:
            if upper in QUERY_KEYWORDS:
                result.operation = Operation(upper)
                in_projection = upper == "SELECT"
            elif upper in UPDATE_KEYWORDS:
                result.operation = Operation.UPDATE
        if kind == "word" and upper == "FROM":
            result.has_dataset_clause = True
        if kind == "word" and upper == "SERVICE":
            following = tokens[index + 1 : index + 3]
            if following and following[0][1].upper() == "SILENT":
                following = following[1:]
            if following:
                result.service_targets.append(_resolve(following[0], result.prefixes))
    return result


def _resolve(token: tuple[str | None, str], prefixes: dict[str, str]) -> str:
    kind, value = token
    if kind == "iri":
        return value[1:-1]
    if kind == "pname":
        prefix, _, local = value.partition(":")
        if prefix in prefixes:
            return prefixes[prefix] + local
    return value


def check_depth(classified: Classified) -> None:
    """Refuse nesting (or chains of operators) deep enough to crash a parser."""
    if classified.depth > MAX_DEPTH:
        raise QuerySyntaxError(
            f"the request nests {classified.depth} levels deep; the limit is {MAX_DEPTH}"
        )
    if classified.operators > MAX_OPERATORS:
        raise QuerySyntaxError(
            f"the request chains {classified.operators} operators (||, &&, +, /, UNION, "
            f"OPTIONAL...); the limit is {MAX_OPERATORS}: for many alternatives use IN (...)"
        )


def check_policy(classified: Classified, allowed_services: Iterable[str]) -> None:
    """Refuse what would make the server reach outside (SERVICE to a target not allowed), and
    nesting deep enough to crash a parser."""
    check_depth(classified)
    allowed = set(allowed_services)
    for target in classified.service_targets:
        if target not in allowed:
            raise Forbidden(
                f"SERVICE {target} is refused: this endpoint does not make outbound requests "
                "unless the target is in its allow-list (setting allowed_service_iris)"
            )


def _leaves(node: object) -> Iterator[object]:
    """Every term in an rdflib parse tree (CompValue is a dict, ParseResults a list)."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
        for value in node:  # type: ignore[attr-defined]
            yield from _leaves(value)
    else:
        yield node


def _update_rule_violation(operations: list[Any]) -> str | None:
    """The SPARQL Update rules rdflib's grammar does not check (section 19.6 of the spec)."""
    from rdflib.term import BNode, Variable

    labels_seen: dict[str, int] = {}
    for index, operation in enumerate(operations):
        name = getattr(operation, "name", "")
        data = operation.get("quads") if name in ("InsertData", "DeleteData") else None
        if data is not None and any(isinstance(t, Variable) for t in _leaves(data)):
            return f"{name}: variables are not allowed in INSERT DATA or DELETE DATA"
        deleted = (
            operation.get("quads")
            if name in ("DeleteData", "DeleteWhere")
            else operation.get("delete")
            if name == "Modify"
            else None
        )
        if deleted is not None and any(isinstance(t, BNode) for t in _leaves(deleted)):
            return "blank nodes are not allowed in DELETE DATA, DELETE WHERE or a DELETE template"
        for term in _leaves(operation):
            if isinstance(term, BNode):
                first = labels_seen.setdefault(str(term), index)
                if first != index:
                    return f"the blank node _:{term} is used in two operations of one request"
    return None


def refuse_update(text: str) -> None:
    """An update sent to the read-only endpoint: 403 if it is well formed, 400 otherwise.

    The update is only parsed (by rdflib, plus the rules its grammar leaves out), never run:
    running it, even on an empty store, could make LOAD or SERVICE reach the network.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parsed = parseUpdate(text)
    except ParseException as exc:
        raise QuerySyntaxError(
            f"malformed SPARQL update: {exc.msg} at line {exc.lineno}, column {exc.col}",
            exc.lineno,
            exc.col,
        ) from None
    except Exception as exc:  # rdflib raises plain exceptions for some grammar violations
        raise QuerySyntaxError(f"malformed SPARQL update: {exc}") from None
    violation = _update_rule_violation(list(parsed.get("request") or []))
    if violation:
        raise QuerySyntaxError(f"malformed SPARQL update: {violation}")
    raise Forbidden("this SPARQL endpoint is read-only: updates are not accepted")


# An IRI reference as the grammar spells it; one with no scheme is relative. `?a<?b&&?c>?d`
# matches too, which only means a BASE is added where none was needed: harmless.
_IRIREF = re.compile(r"<([^<>\"{}|^`\\\x00-\x20]*)>")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def with_base(text: str, base_iri: str) -> str:
    """The query with ``base_iri`` as its base, when it has a relative IRI to resolve.

    The engines resolve relative IRIs against the query's BASE and refuse them without one; the
    protocol leaves the base to the service. A BASE put first is the base of the query's own
    BASE declarations too (each resolves against the one before), so a query that declares
    its own keeps it. Put on the query's first line, so the engine's line numbers stay right.

    >>> with_base("CONSTRUCT { <s> <p> 1 } WHERE {}", "http://example.org/")
    'BASE <http://example.org/> CONSTRUCT { <s> <p> 1 } WHERE {}'
    >>> with_base("ASK { <http://a/s> ?p ?o }", "http://example.org/")
    'ASK { <http://a/s> ?p ?o }'
    """
    for match in _IRIREF.finditer(text):
        if not _SCHEME.match(match.group(1)):
            return f"BASE <{base_iri}> {text}"
    return text
