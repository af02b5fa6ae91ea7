"""The named-query catalog: headers, typed parameters, and binding without text pasting."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from graphsvc.errors import LoadError, NotFound, ParameterError
from graphsvc.queries import Param, QueryCatalog, parse_named_query, to_term
from graphsvc.sparql import Operation

QUERIES = Path(__file__).parents[1] / "fixtures" / "queries"
XSD = "http://www.w3.org/2001/XMLSchema#"


def test_headers_are_parsed() -> None:
    query = parse_named_query(QUERIES / "people-known-by.rq")
    assert query.name == "people-known-by"
    assert query.title == "Who a person knows"
    assert query.operation is Operation.SELECT
    assert query.params == (
        Param(
            "person", "iri", "http://example.org/alice", "The person whose acquaintances to list"
        ),
    )


def test_catalog_lists_and_finds_queries() -> None:
    catalog = QueryCatalog.from_folder(QUERIES)
    assert [q.name for q in catalog] == ["people-by-name", "people-known-by"]
    with pytest.raises(NotFound):
        catalog.get("nope")


def test_defaults_apply_and_empty_defaults_leave_the_variable_unbound() -> None:
    query = parse_named_query(QUERIES / "people-by-name.rq")
    assert query.bindings({}) == {
        "min_age": ox.Literal("0", datatype=ox.NamedNode(XSD + "integer"))
    }
    bound = query.bindings({"name": "Bob", "min_age": "30"})
    assert bound["name"] == ox.Literal("Bob")


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("iri", "http://example.org/a", ox.NamedNode("http://example.org/a")),
        ("integer", "+7", ox.Literal("7", datatype=ox.NamedNode(XSD + "integer"))),
        ("decimal", "2.50", ox.Literal("2.50", datatype=ox.NamedNode(XSD + "decimal"))),
        ("date", "2025-01-13", ox.Literal("2025-01-13", datatype=ox.NamedNode(XSD + "date"))),
        ("boolean", "TRUE", ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))),
        ("string", '" } ; DROP ALL #', ox.Literal('" } ; DROP ALL #')),
    ],
)
def test_values_become_typed_terms(kind: str, value: str, expected: ox.Literal) -> None:
    assert to_term(Param("p", kind, None, ""), value) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("iri", "not an iri"),
        ("iri", "http://e/> } ; DROP ALL ; <x"),
        ("integer", "1.5"),
        ("decimal", "NaN"),
        ("date", "13/01/2025"),
        ("boolean", "maybe"),
    ],
)
def test_bad_values_are_parameter_errors(kind: str, value: str) -> None:
    with pytest.raises(ParameterError, match="parameter p must be"):
        to_term(Param("p", kind, None, ""), value)


def test_unknown_parameter_is_refused() -> None:
    query = parse_named_query(QUERIES / "people-known-by.rq")
    with pytest.raises(ParameterError, match="unknown parameter who"):
        query.bindings({"who": "x"})


def test_malformed_param_header_is_a_load_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.rq"
    bad.write_text("#+ param: x | widget | | what\nSELECT * {}\n")
    with pytest.raises(LoadError, match=r"bad\.rq:1"):
        parse_named_query(bad)


def test_parameter_must_be_projected(tmp_path: Path) -> None:
    bad = tmp_path / "hidden.rq"
    bad.write_text("#+ param: x | iri | | what\nSELECT ?s WHERE { ?s ?p ?x }\n")
    with pytest.raises(LoadError, match="SELECT projection"):
        parse_named_query(bad)
    star = tmp_path / "star.rq"
    star.write_text("#+ param: x | iri | | what\nSELECT * WHERE { ?s ?p ?x }\n")
    with pytest.raises(LoadError, match="SELECT projection"):
        parse_named_query(star)
