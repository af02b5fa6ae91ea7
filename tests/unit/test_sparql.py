"""Query classification and policy, before any engine sees the query."""

from __future__ import annotations

import doctest

import pytest

from graphsvc import sparql
from graphsvc.errors import Forbidden, QuerySyntaxError
from graphsvc.sparql import Operation, check_policy, classify, refuse_update


def test_doctests() -> None:
    assert doctest.testmod(sparql).failed == 0


@pytest.mark.parametrize(
    ("text", "operation"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", Operation.SELECT),
        ("prefix ex: <http://e/>\nask { ex:a ?p ?o }", Operation.ASK),
        ("# SELECT in a comment\nCONSTRUCT WHERE { ?s ?p ?o }", Operation.CONSTRUCT),
        ("DESCRIBE <http://e/a>", Operation.DESCRIBE),
        (
            "BASE <http://e/> PREFIX insert: <x:> SELECT ?delete { ?delete insert:a 'DROP' }",
            Operation.SELECT,
        ),
        ("WITH <http://g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }", Operation.UPDATE),
        ("LOAD <http://example.org/x>", Operation.UPDATE),
        ("nonsense", Operation.UNKNOWN),
    ],
)
def test_classify(text: str, operation: Operation) -> None:
    assert classify(text).operation is operation


def test_service_targets_are_resolved() -> None:
    text = (
        "PREFIX s: <http://remote.example/> SELECT * { SERVICE s:sparql {} "
        "SERVICE SILENT <http://other.example/sparql> {} SERVICE ?where {} "
        "?service <http://e/p> 'SERVICE <http://not.a.service/>' }"
    )
    assert classify(text).service_targets == [
        "http://remote.example/sparql",
        "http://other.example/sparql",
        "?where",
    ]


def test_service_policy() -> None:
    allowed = ["http://remote.example/sparql"]
    check_policy(classify("SELECT * { SERVICE <http://remote.example/sparql> {} }"), allowed)
    with pytest.raises(Forbidden, match="allow-list"):
        check_policy(classify("SELECT * { SERVICE <http://evil.example/> {} }"), allowed)


def test_from_is_detected_as_a_dataset_clause() -> None:
    assert classify("SELECT * FROM <http://g> { ?s ?p ?o }").has_dataset_clause
    assert not classify("SELECT ?from { ?from ?p 'FROM' }").has_dataset_clause


def test_deep_nesting_is_refused_before_any_parser_sees_it() -> None:
    text = "SELECT * WHERE " + "{" * 1000 + "}" * 1000
    with pytest.raises(QuerySyntaxError, match="limit is 256"):
        check_policy(classify(text), [])


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "CLEAR ALL",
        "DELETE WHERE { ?s ?p ?o }",
        "LOAD <http://example.org/data.ttl> INTO GRAPH <http://g>",
    ],
)
def test_wellformed_updates_are_forbidden(update: str) -> None:
    with pytest.raises(Forbidden, match="read-only"):
        refuse_update(update)


@pytest.mark.parametrize(
    ("update", "reason"),
    [
        ("INSERT NOTHING", "malformed"),
        ("INSERT DATA { ?s <http://b> <http://c> }", "variables are not allowed"),
        ("DELETE DATA { _:b <http://b> <http://c> }", "blank nodes are not allowed"),
        ("DELETE WHERE { _:b <http://b> ?o }", "blank nodes are not allowed"),
        ("INSERT DATA { _:b <http://b> 1 } ; INSERT DATA { _:b <http://b> 2 }", "two operations"),
    ],
)
def test_malformed_updates_are_syntax_errors(update: str, reason: str) -> None:
    with pytest.raises(QuerySyntaxError, match=reason):
        refuse_update(update)
