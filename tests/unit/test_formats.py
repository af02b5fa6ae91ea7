"""Media types and Accept negotiation."""

from __future__ import annotations

import doctest

import pytest

from graphsvc import formats
from graphsvc.formats import (
    ALIASES,
    GRAPH_ALIASES,
    GRAPH_TYPES,
    RESULT_TYPES,
    negotiate,
    parse_accept,
    resolve_format_name,
)


def test_doctests() -> None:
    assert doctest.testmod(formats).failed == 0


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/sparql-results+json"),
        ("text/csv", "text/csv"),
        ("text/csv;q=0", None),
        ("TEXT/CSV", "text/csv"),
        ("text/*;q=0.3, application/sparql-results+xml;q=0.2", "text/csv"),
        ("*/*;q=0.1, text/tab-separated-values", "text/tab-separated-values"),
        (
            "application/sparql-results+json;q=0.5, application/json;q=1",
            "application/sparql-results+json",
        ),
        ("image/png, text/html", None),
        ("garbage", "application/sparql-results+json"),
        ("text/csv;q=abc", "text/csv"),
    ],
)
def test_negotiate_results(accept: str | None, expected: str | None) -> None:
    assert negotiate(accept, RESULT_TYPES, ALIASES) == expected


def test_specific_range_beats_wildcard_with_higher_q() -> None:
    # text/csv is explicitly refused even though text/* would allow it.
    assert negotiate("text/*, text/csv;q=0", RESULT_TYPES) == "text/tab-separated-values"


def test_graph_aliases() -> None:
    assert negotiate("application/xml", GRAPH_TYPES, GRAPH_ALIASES) == "application/rdf+xml"
    assert negotiate("application/json", GRAPH_TYPES, GRAPH_ALIASES) == "application/ld+json"


def test_parse_accept_skips_malformed_entries() -> None:
    assert [(r.type, r.subtype) for r in parse_accept("nonsense, text/csv")] == [("text", "csv")]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("json", "application/sparql-results+json"),
        ("TTL", "text/turtle"),
        ("application/json", "application/sparql-results+json"),
        ("nope", None),
    ],
)
def test_format_names(name: str, expected: str | None) -> None:
    assert resolve_format_name(name) == expected
