"""Run every named query of queries/ in-process on pyoxigraph and on rdflib, and compare the
answers with tests/expected_answers.py.

The data is loaded the way the server loads it: every Turtle file of ontology/ and data/ goes
into its own named graph ``https://w3id.org/graphsvc/graph/<path without suffix>``, and queries
run with the union of the named graphs as default graph. Parameters are bound as RDF terms
(pyoxigraph ``substitutions``, rdflib ``initBindings``), never pasted into the text.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from rdflib import Literal, URIRef
from rdflib.term import Identifier

from tests.project.stores import project_dataset, project_oxigraph

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "queries"
XSD = "http://www.w3.org/2001/XMLSchema#"
PARAM_TYPES = {"iri", "string", "integer", "decimal", "date", "boolean"}
_PARAM = re.compile(r"^#\+ param:(.*)$", re.M)

Row = dict[str, str | None]


def _load_expected() -> dict[str, dict[str, Any]]:
    """Import tests/expected_answers.py by path (works with or without a tests package)."""
    spec = importlib.util.spec_from_file_location(
        "graphsvc_expected_answers", ROOT / "tests" / "expected_answers.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected: dict[str, dict[str, Any]] = module.EXPECTED
    return expected


EXPECTED = _load_expected()


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    default: str


def _params(text: str) -> list[Param]:
    params = []
    for match in _PARAM.finditer(text):
        name, kind, default, _description = (f.strip() for f in match.group(1).split("|", 3))
        params.append(Param(name, kind, default))
    return params


def _ox_term(kind: str, value: str) -> ox.NamedNode | ox.Literal:
    if kind == "iri":
        return ox.NamedNode(value)
    if kind == "string":
        return ox.Literal(value)
    return ox.Literal(value, datatype=ox.NamedNode(XSD + kind))


def _rdflib_term(kind: str, value: str) -> Identifier:
    if kind == "iri":
        return URIRef(value)
    if kind == "string":
        return Literal(value)
    return Literal(value, datatype=URIRef(XSD + kind))


def _ox_value(term: Any) -> str | None:
    if term is None:
        return None
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term.value)


def _bindings(key: str) -> tuple[str, dict[str, tuple[str, str]]]:
    name = key.split("#", 1)[0]
    text = (QUERIES / f"{name}.rq").read_text(encoding="utf-8")
    given: dict[str, str] = EXPECTED[key]["params"]
    params = _params(text)
    unknown = set(given) - {p.name for p in params}
    assert not unknown, f"{key}: unknown parameters {unknown}"
    return text, {p.name: (p.type, given.get(p.name, p.default)) for p in params}


def _run_oxigraph(key: str) -> list[Row]:
    text, params = _bindings(key)
    substitutions = {ox.Variable(n): _ox_term(k, v) for n, (k, v) in params.items()}
    solutions = project_oxigraph().query(
        text, use_default_graph_as_union=True, substitutions=substitutions
    )
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [{n: _ox_value(solution[n]) for n in names} for solution in solutions]


def _run_rdflib(key: str) -> list[Row]:
    text, params = _bindings(key)
    bindings = {n: _rdflib_term(k, v) for n, (k, v) in params.items()}
    result = project_dataset().query(text, initBindings=bindings)
    names = [str(v) for v in result.vars or []]
    rows: list[Row] = []
    for row in result:
        assert not isinstance(row, bool)
        rows.append({n: None if row[n] is None else str(row[n]) for n in names})  # type: ignore[index]
    return rows


def _compare(key: str, actual: list[Row]) -> None:
    expected = EXPECTED[key]
    wanted: list[Row] = expected["rows"]
    columns = sorted({c for row in wanted for c in row})
    for row in wanted:
        assert set(row) == set(columns), f"{key}: expected rows must list the same variables"
    if actual:
        missing = set(columns) - set(actual[0])
        assert not missing, f"{key}: variables not projected: {missing}"
    got = [tuple(row.get(c) for c in columns) for row in actual]
    want = [tuple(row[c] for c in columns) for row in wanted]
    if not wanted:
        assert not actual, f"{key}: expected no rows, got {actual}"
    elif expected["ordered"]:
        assert got == want, f"{key}: {columns}"
    else:
        assert Counter(got) == Counter(want), f"{key}: {columns}"


def test_every_query_has_expected_answers() -> None:
    names = {p.stem for p in QUERIES.glob("*.rq")}
    assert len(names) == 51  # 22 on the founding article + 29 of the claims graph (issue 13)
    assert names == {key.split("#", 1)[0] for key in EXPECTED}


@pytest.mark.parametrize("path", sorted(QUERIES.glob("*.rq")), ids=lambda p: p.stem)
def test_query_header(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.match(r"^cq\d\d-[a-z0-9-]+$", path.stem)
    assert re.search(r"^#\+ title: \S", text, re.M), "missing '#+ title:'"
    assert re.search(r"^#\+ description: \S", text, re.M), "missing '#+ description:'"
    assert "ORDER BY" in text, "answers must be deterministic"
    select = re.search(r"^SELECT (.*?)\nWHERE", text, re.M | re.S)
    assert select, "named queries are SELECT queries"
    projected = set(re.findall(r"\?(\w+)", select.group(1)))
    assert {"claimant", "status"} <= projected, "claim answers show claimant and status"
    for param in _params(text):
        assert param.type in PARAM_TYPES, param
        # pyoxigraph substitutes only projected variables
        assert param.name in projected, f"parameter ?{param.name} must be projected"
        assert not re.search(rf"(AS|VALUES)\s*\(?\s*\?{param.name}\b", text), param


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_expected_answers_on_pyoxigraph(key: str) -> None:
    _compare(key, _run_oxigraph(key))


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_expected_answers_on_rdflib(key: str) -> None:
    _compare(key, _run_rdflib(key))
