"""Named queries over HTTP: listing, running with typed parameters, OpenAPI, injection."""

from __future__ import annotations

import httpx
from httpx import Client

from tests.support import APP_URL


def rows(response: httpx.Response, var: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [b[var]["value"] for b in response.json()["results"]["bindings"]]


def test_list_as_json(small_app: Client) -> None:
    response = small_app.get("/queries", headers={"Accept": "application/json"})
    queries = {q["name"]: q for q in response.json()["queries"]}
    assert set(queries) == {"people-by-name", "people-known-by"}
    assert queries["people-known-by"]["params"][0]["name"] == "person"
    assert queries["people-known-by"]["url"] == f"{APP_URL}/queries/people-known-by"


def test_list_as_html(small_app: Client) -> None:
    response = small_app.get("/queries", headers={"Accept": "text/html"})
    assert response.headers["content-type"].startswith("text/html")
    assert "Who a person knows" in response.text


def test_run_with_default_and_given_parameters(small_app: Client) -> None:
    url = "/queries/people-known-by"
    assert rows(small_app.get(url, params={"format": "json"}), "name") == ["Bob"]
    given = small_app.get(
        url,
        params={"person": "http://example.org/bob"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert rows(given, "name") == ['Carol, "the" third']


def test_run_in_other_formats(small_app: Client) -> None:
    url = "/queries/people-known-by"
    csv_body = small_app.get(url, headers={"Accept": "text/csv"})
    assert csv_body.text.splitlines() == [
        "person,friend,name",
        "http://example.org/alice,http://example.org/bob,Bob",
    ]


def test_typed_parameter_filters(small_app: Client) -> None:
    url = "/queries/people-by-name"
    assert rows(small_app.get(url, params={"min_age": "40", "format": "json"}), "person") == [
        "http://example.org/alice"
    ]
    assert rows(small_app.get(url, params={"name": "Bob", "format": "json"}), "person") == [
        "http://example.org/bob"
    ]


def test_injection_through_a_parameter_is_inert(small_app: Client) -> None:
    url = "/queries/people-by-name"
    attack = 'Bob" } UNION { ?person ?p ?o } #'
    assert rows(small_app.get(url, params={"name": attack, "format": "json"}), "person") == []
    bad_iri = small_app.get(
        "/queries/people-known-by",
        params={"person": "http://e/> } UNION { ?friend ?p ?name } #"},
    )
    assert bad_iri.status_code == 400
    assert "absolute IRI" in bad_iri.json()["error"]["message"]


def test_bad_and_unknown_parameters_get_400(small_app: Client) -> None:
    url = "/queries/people-by-name"
    assert small_app.get(url, params={"min_age": "old"}).status_code == 400
    unknown = small_app.get(url, params={"colour": "red"})
    assert unknown.status_code == 400
    assert "unknown parameter colour" in unknown.json()["error"]["message"]


def test_unknown_query_is_404(small_app: Client) -> None:
    response = small_app.get("/queries/no-such-query")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not-found"


def test_each_named_query_is_an_openapi_operation(small_app: Client) -> None:
    spec = small_app.get("/openapi.json").json()
    operation = spec["paths"]["/queries/people-known-by"]["get"]
    assert operation["summary"] == "Who a person knows"
    assert [p["name"] for p in operation["parameters"]] == ["person", "format"]
    assert "/queries/people-by-name" in spec["paths"]
