"""The rule for the format parameters of /sparql (README, "Result formats")."""

from __future__ import annotations

import pytest

from graphsvc.errors import NotAcceptable, ParameterError
from graphsvc.sparql import Operation, with_base
from graphsvc.web.routes.sparql import choose_media_type

SELECT, CONSTRUCT = Operation.SELECT, Operation.CONSTRUCT


@pytest.mark.parametrize(
    ("operation", "values", "expected"),
    [
        # SPARQLWrapper's repetitions and names.
        (SELECT, ["tsv", "text/tab-separated-values"] * 3, "text/tab-separated-values"),
        (CONSTRUCT, ["rdf+xml", "application/rdf+xml"], "application/rdf+xml"),
        (CONSTRUCT, ["json-ld", "application/ld+json,application/x-json+ld"],
         "application/ld+json"),
        (CONSTRUCT, ["n3"], "text/turtle"),
        (CONSTRUCT, ["xml"], "application/rdf+xml"),
        (SELECT, ["xml"], "application/sparql-results+xml"),
        # An empty value (SPARQLWrapper's "anything") is no choice.
        (SELECT, ["csv", ""], "text/csv"),
        (SELECT, [""], "application/sparql-results+json"),
        # A known name for the other query form is ignored when another value is served.
        (CONSTRUCT, ["csv", "turtle"], "text/turtle"),
    ],
)  # fmt: skip
def test_format_values_that_agree(operation: Operation, values: list[str], expected: str) -> None:
    assert choose_media_type(operation, None, values) == expected


def test_contradictory_formats_are_400() -> None:
    with pytest.raises(ParameterError, match="different formats"):
        choose_media_type(SELECT, None, ["json", "csv"])


def test_unknown_format_is_406() -> None:
    with pytest.raises(NotAcceptable, match="not a format graphsvc knows"):
        choose_media_type(SELECT, None, ["json", "yaml"])


def test_format_not_served_for_the_form_falls_back_to_an_explicit_accept() -> None:
    assert choose_media_type(CONSTRUCT, "text/turtle", ["csv"]) == "text/turtle"
    with pytest.raises(NotAcceptable, match="not available for CONSTRUCT"):
        choose_media_type(CONSTRUCT, "*/*", ["csv"])
    with pytest.raises(NotAcceptable):
        choose_media_type(CONSTRUCT, None, ["csv"])


@pytest.mark.parametrize(
    ("query", "changed"),
    [
        ("CONSTRUCT { <s> <p> 1 } WHERE {}", True),
        ("SELECT * { ?s <#p> ?o }", True),
        ("SELECT * { ?s <http://a/p> ?o FILTER(?o < 3 && ?o > 1) }", False),
        ("PREFIX ex: <urn:x:> SELECT * { ?s ex:p ?o }", False),
    ],
)
def test_with_base_only_where_a_relative_iri_is(query: str, changed: bool) -> None:
    result = with_base(query, "https://w3id.org/graphsvc/")
    assert result == (f"BASE <https://w3id.org/graphsvc/> {query}" if changed else query)
