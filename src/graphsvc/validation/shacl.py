"""Run the SHACL shapes with pyshacl, and read its W3C validation report.

What keeps it fast: **each SPARQL text is parsed once.** pyshacl runs an ``sh:select`` query for
every focus node with ``$this`` pre-bound, and rdflib parses the query text again on every call
(about 50 ms each): on the project's data that was 9 s out of 10. The data graph handed to pyshacl
caches the parsed query per text; evaluation, and so every result, is pyshacl's and rdflib's own.
Likewise pyshacl checks, for every focus node, that a constraint's query text is one SHACL allows
(no MINUS, VALUES, SERVICE...: a dozen regular expressions over the text); the answer depends on
the text and the variables that may be pre-bound, nothing else, so it is remembered per text
(``_remember_query_checks``): on the project that halved the time of the shapes.

What keeps it safe: nothing is fetched. pyshacl gets ``inference='none'`` and
``do_owl_imports=False``; rdflib's SPARQL engine is told not to load ``FROM`` graphs; a shapes
graph whose SPARQL uses ``SERVICE`` is refused.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from rdflib import RDF, Graph
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Literal, Node, URIRef

from graphsvc.errors import LoadError
from graphsvc.validation.findings import n3

_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


@dataclass(frozen=True)
class ShaclResult:
    focus: Node
    severity: URIRef
    messages: tuple[Literal, ...]
    shape: Node | None
    component: Node | None
    constraint: Node | None = None
    path: Node | None = None
    value: Node | None = None


class _PreparedQueries(Graph):
    """A data graph that parses each SPARQL text once (pyshacl repeats the same text)."""

    _cache: dict[str, Any]

    def __init__(self) -> None:
        super().__init__()
        self._cache = {}

    def query(
        self,
        query_object: Any,
        processor: Any = "sparql",
        result: Any = "sparql",
        initNs: Mapping[str, Any] | None = None,
        initBindings: Mapping[str, Any] | None = None,
        use_store_provided: bool = True,
        **kwargs: Any,
    ) -> Any:
        if isinstance(query_object, str):
            from rdflib.plugins.sparql import prepareQuery

            prepared = self._cache.get(query_object)
            if prepared is None:
                namespaces = dict(initNs) if initNs else dict(self.namespaces())
                prepared = prepareQuery(query_object, initNs=namespaces)
                self._cache[query_object] = prepared
            query_object = prepared
        return super().query(
            query_object, processor, result, None, initBindings, use_store_provided, **kwargs
        )


_checked: set[tuple[str, bool, frozenset[str]]] = set()
_checked_lock = threading.Lock()


def _remember_query_checks() -> None:
    """Make pyshacl's query-text check (a pure function of its arguments) run once per text.

    Only a text that passed is remembered: one that fails raises, every time, as before.
    """
    from pyshacl.helper.sparql_query_helper import SPARQLQueryHelper

    check: Callable[..., bool] = SPARQLQueryHelper.check_invalid_sparql
    if getattr(check, "graphsvc_remembers", False):
        return

    def remembered(
        helper: Any, sparql_text: str, valuenode: Any = None, extravars: Any = None
    ) -> bool:
        key = (sparql_text, valuenode is not None, frozenset(extravars or ()))
        if key in _checked:
            return True
        check(helper, sparql_text, valuenode=valuenode, extravars=extravars)
        with _checked_lock:
            if len(_checked) > 10_000:  # bounded: texts come from shapes graphs
                _checked.clear()
            _checked.add(key)
        return True

    remembered.graphsvc_remembers = True  # type: ignore[attr-defined]
    SPARQLQueryHelper.check_invalid_sparql = remembered  # type: ignore[method-assign]


def new_data_graph() -> Graph:
    return _PreparedQueries()


def check_shapes_safe(shapes: Graph) -> None:
    for predicate in (SH.select, SH.ask, SH.construct, SH.update):
        for node, text in shapes.subject_objects(predicate):
            if _SERVICE.search(str(text)):
                raise LoadError(
                    f"the shapes graph's SPARQL ({node}) uses SERVICE: validation never "
                    "queries other endpoints"
                )


def _template(message: Node) -> re.Pattern[str]:
    """A message template as a pattern its filled-in texts match (``{?x}`` and ``{$x}``: any)."""
    parts = re.split(r"\{[?$]\w+\}", str(message))
    return re.compile(".*".join(re.escape(part) for part in parts), re.DOTALL)


def _ordered(messages: list[Literal], shapes: Graph, shape: Node | None) -> tuple[Literal, ...]:
    """The most specific message first: a constraint's own before its shape's general one.

    pyshacl gives a SPARQL result both, in no particular order; sorting keeps reports stable.
    """
    general = [_template(m) for m in shapes.objects(shape, SH.message)] if shape else []
    if len(messages) < 2 or not general:
        return tuple(sorted(messages, key=str))

    def rank(message: Literal) -> tuple[bool, str]:
        return (any(p.fullmatch(str(message)) for p in general), str(message))

    return tuple(sorted(messages, key=rank))


def _read_report(report: Graph, shapes: Graph) -> Iterator[ShaclResult]:
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        if focus is None:
            continue
        shape = report.value(result, SH.sourceShape)
        messages = [m for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)]
        yield ShaclResult(
            focus=focus,
            severity=URIRef(str(report.value(result, SH.resultSeverity) or SH.Violation)),
            messages=_ordered(messages, shapes, shape),
            shape=shape,
            component=report.value(result, SH.sourceConstraintComponent),
            constraint=report.value(result, SH.sourceConstraint),
            path=report.value(result, SH.resultPath),
            value=report.value(result, SH.value),
        )


def run_shacl(data: Graph, shapes: Graph) -> list[ShaclResult]:
    """Validate ``data`` (best made by ``new_data_graph``) against ``shapes`` with pyshacl."""
    import pyshacl
    import rdflib.plugins.sparql as rdflib_sparql

    check_shapes_safe(shapes)
    rdflib_sparql.SPARQL_LOAD_GRAPHS = False
    _remember_query_checks()
    _conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        do_owl_imports=False,
        abort_on_first=False,
        allow_infos=True,
        allow_warnings=True,
        advanced=False,
        meta_shacl=False,
    )
    if not isinstance(report, Graph):
        # pyshacl answers a ValidationFailure (not an exception) for shapes it cannot use.
        raise LoadError(f"the shapes graph cannot be used: {report}")
    return list(_read_report(report, shapes))


def path_text(shapes: Graph | None, path: Node | None, prefixes: dict[str, str]) -> str | None:
    """A SHACL property path in SPARQL syntax (``gs:a/gs:b``, ``^gs:c``, ``gs:d*``...)."""
    if path is None:
        return None
    if isinstance(path, URIRef) or shapes is None:
        return n3(path, prefixes)
    if shapes.value(path, RDF.first) is not None:
        parts = [path_text(shapes, p, prefixes) or "?" for p in Collection(shapes, path)]
        return "/".join(parts)
    for predicate, template in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = shapes.value(path, predicate)
        if inner is not None:
            return template.format(path_text(shapes, inner, prefixes))
    alternatives = shapes.value(path, SH.alternativePath)
    if alternatives is not None:
        parts = [path_text(shapes, p, prefixes) or "?" for p in Collection(shapes, alternatives)]
        return "(" + "|".join(parts) + ")"
    return n3(path, prefixes)
