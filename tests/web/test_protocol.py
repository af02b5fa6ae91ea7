"""The SPARQL 1.1 Protocol at /sparql, through httpx against the app in process."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import httpx
import pytest
from httpx import Client
from rdflib import Graph, Literal, URIRef

from tests.support import APP_URL

EX = "http://example.org/"
NAMES_QUERY = (
    "PREFIX foaf: <http://xmlns.com/foaf/0.1/> "
    "SELECT ?name WHERE { ?p foaf:name ?name } ORDER BY STR(?name)"
)  # STR: SPARQL leaves the order of "Alice"@en and "Bob" to the engine (Virtuoso differs)
SRX = "{http://www.w3.org/2005/sparql-results#}"


def names_from_json(body: bytes) -> list[str]:
    data = json.loads(body)
    return [b["name"]["value"] for b in data["results"]["bindings"]]


def test_get_query_returns_parsed_json_results(small_app: Client) -> None:
    response = small_app.get(
        "/sparql",
        params={"query": NAMES_QUERY},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    assert response.headers["vary"].startswith("Accept")
    assert names_from_json(response.content) == ["Alice", "Bob", 'Carol, "the" third']


def test_post_form_and_post_direct_give_the_same_results(small_app: Client) -> None:
    accept = {"Accept": "application/sparql-results+json"}
    form = small_app.post("/sparql", data={"query": NAMES_QUERY}, headers=accept)
    direct = small_app.post(
        "/sparql",
        content=NAMES_QUERY.encode(),
        headers={**accept, "Content-Type": "application/sparql-query"},
    )
    assert form.status_code == direct.status_code == 200
    assert names_from_json(form.content) == names_from_json(direct.content)


def test_json_terms_carry_language_and_datatype(small_app: Client) -> None:
    query = f"SELECT ?o WHERE {{ <{EX}alice> ?p ?o FILTER(isLiteral(?o)) }} ORDER BY STR(?o)"
    response = small_app.get("/sparql", params={"query": query, "format": "json"})
    bindings = [b["o"] for b in response.json()["results"]["bindings"]]
    assert {
        "type": "literal",
        "value": "42",
        "datatype": "http://www.w3.org/2001/XMLSchema#integer",
    } in bindings
    assert {"type": "literal", "value": "Alice", "xml:lang": "en"} in bindings


def test_xml_csv_and_tsv_results(small_app: Client) -> None:
    url = "/sparql"
    xml_body = small_app.get(
        url, params={"query": NAMES_QUERY}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert xml_body.headers["content-type"].startswith("application/sparql-results+xml")
    root = ET.fromstring(xml_body.content)
    literals = [el.text for el in root.iter(f"{SRX}literal")]
    assert literals == ["Alice", "Bob", 'Carol, "the" third']

    csv_body = small_app.get(url, params={"query": NAMES_QUERY}, headers={"Accept": "text/csv"})
    assert csv_body.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_body.text)))
    assert rows == [["name"], ["Alice"], ["Bob"], ['Carol, "the" third']]

    tsv_body = small_app.get(
        url, params={"query": NAMES_QUERY}, headers={"Accept": "text/tab-separated-values"}
    )
    lines = tsv_body.text.splitlines()
    assert lines[0] == "?name"
    assert lines[1] == '"Alice"@en'
    assert lines[3] == '"Carol, \\"the\\" third"'


def test_ask_in_every_result_format(small_app: Client) -> None:
    url = "/sparql"
    query = f"ASK {{ <{EX}alice> ?p ?o }}"
    assert small_app.get(url, params={"query": query, "format": "json"}).json()["boolean"] is True
    xml_root = ET.fromstring(small_app.get(url, params={"query": query, "format": "xml"}).content)
    assert xml_root.find(f"{SRX}boolean") is not None
    assert xml_root.findtext(f"{SRX}boolean") == "true"
    csv_answer = small_app.get(url, params={"query": query, "format": "csv"})
    assert csv_answer.text.splitlines()[1] == "true"


@pytest.mark.parametrize(
    ("accept", "media_type", "rdflib_format"),
    [
        ("text/turtle", "text/turtle", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
def test_construct_in_every_graph_format(
    small_app: Client, accept: str, media_type: str, rdflib_format: str
) -> None:
    query = f"CONSTRUCT {{ ?s <{EX}name> ?n }} WHERE {{ ?s <http://xmlns.com/foaf/0.1/name> ?n }}"
    response = small_app.get(
        "/sparql", params={"query": query}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    graph = Graph().parse(data=response.content, format=rdflib_format)
    assert len(graph) == 3
    assert (URIRef(f"{EX}alice"), URIRef(f"{EX}name"), Literal("Alice", lang="en")) in graph


def test_describe_returns_the_resource(small_app: Client) -> None:
    response = small_app.get(
        "/sparql",
        params={"query": f"DESCRIBE <{EX}bob>"},
        headers={"Accept": "text/turtle"},
    )
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef(f"{EX}bob"), URIRef(f"{EX}knows"), None) not in graph
    assert len(list(graph.triples((URIRef(f"{EX}bob"), None, None)))) == 4


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("application/sparql-results+json", "application/sparql-results+json"),
        (
            "application/sparql-results+json,application/json,text/javascript,"
            "application/javascript",
            "application/sparql-results+json",
        ),  # SPARQLWrapper
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
        ("text/*", "text/csv"),
        ("*/*", "application/sparql-results+json"),
        ("", "application/sparql-results+json"),
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "application/sparql-results+xml",
        ),  # a browser
        ("application/json", "application/sparql-results+json"),
        ("text/tab-separated-values;q=1, */*;q=0.1", "text/tab-separated-values"),
    ],
)
def test_select_negotiation_matrix(small_app: Client, accept: str, expected: str) -> None:
    response = small_app.get(
        "/sparql", params={"query": NAMES_QUERY}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/turtle", "text/turtle"),
        ("application/turtle,text/turtle", "text/turtle"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json;q=0.9, application/n-triples;q=0.2", "application/ld+json"),
        ("*/*", "text/turtle"),
    ],
)
def test_construct_negotiation_matrix(small_app: Client, accept: str, expected: str) -> None:
    response = small_app.get(
        "/sparql",
        params={"query": "CONSTRUCT WHERE { ?s ?p ?o }"},
        headers={"Accept": accept},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected


def test_unsatisfiable_accept_gets_406_listing_types(small_app: Client) -> None:
    response = small_app.get(
        "/sparql", params={"query": NAMES_QUERY}, headers={"Accept": "image/png"}
    )
    assert response.status_code == 406
    error = response.json()["error"]
    assert "application/sparql-results+json" in error["supported"]
    assert "text/csv" in error["message"]


def test_format_parameter_overrides_accept(small_app: Client) -> None:
    response = small_app.get(
        "/sparql",
        params={"query": NAMES_QUERY, "format": "csv"},
        headers={"Accept": "application/sparql-results+json"},
    )
    assert response.headers["content-type"].startswith("text/csv")
    construct = small_app.get(
        "/sparql", params={"query": "CONSTRUCT WHERE { ?s ?p ?o }", "format": "nt"}
    )
    assert construct.headers["content-type"].startswith("application/n-triples")


def test_protocol_dataset_parameters(small_app: Client) -> None:
    query = "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s"
    only_g2 = small_app.get(
        "/sparql",
        params={"query": query, "default-graph-uri": f"{EX}g2", "format": "json"},
    )
    assert [b["s"]["value"] for b in only_g2.json()["results"]["bindings"]] == [f"{EX}club"]
    named = small_app.get(
        "/sparql",
        params=[
            ("query", "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"),
            ("named-graph-uri", f"{EX}g1"),
            ("format", "json"),
        ],
    )
    assert [b["g"]["value"] for b in named.json()["results"]["bindings"]] == [f"{EX}g1"]


def test_union_default_graph_sees_named_graphs(small_app: Client) -> None:
    query = f"ASK {{ <{EX}club> <{EX}label> ?l }}"
    response = small_app.get("/sparql", params={"query": query, "format": "json"})
    assert response.json()["boolean"] is True


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ([], "missing the 'query'"),
        ([("query", "ASK {}"), ("query", "ASK {}")], "given 2 times"),
        ([("query", "ASK {}"), ("update", "CLEAR ALL")], "not both"),
        ([("query", "")], "empty"),
        ([("query", "ASK {}"), ("default-graph-uri", "not an iri")], "absolute IRI"),
    ],
)
def test_bad_parameters_get_400(
    small_app: Client, params: list[tuple[str, str]], fragment: str
) -> None:
    response = small_app.post(
        "/sparql",
        data=dict(params) if len({k for k, _ in params}) == len(params) else None,
        content=None
        if len({k for k, _ in params}) == len(params)
        else "&".join(f"{k}={httpx.QueryParams({k: v})[k]}" for k, v in params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]["message"]


def test_query_in_url_and_body_conflict(small_app: Client) -> None:
    response = small_app.post(
        "/sparql",
        params={"query": "ASK {}"},
        content=b"ASK {}",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400


def test_syntax_error_has_message_line_and_column(small_app: Client) -> None:
    response = small_app.get(
        "/sparql", params={"query": "SELECT * WHERE {\n  ?s ?p \n}"}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "query-syntax"
    assert error["line"] == 3
    assert isinstance(error["column"], int)


def test_error_as_text_when_client_asks_for_text(small_app: Client) -> None:
    response = small_app.get(
        "/sparql",
        params={"query": "SELEC nothing"},
        headers={"Accept": "text/plain"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text.startswith("400 query-syntax:")


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"data": {"update": "INSERT DATA { <http://a/b> <http://a/c> <http://a/d> }"}},
        {"content": b"DROP ALL", "headers": {"Content-Type": "application/sparql-update"}},
        {"data": {"query": "DELETE WHERE { ?s ?p ?o }"}},
    ],
)
def test_updates_are_refused_with_403(small_app: Client, request_kwargs: dict[str, object]) -> None:
    response = small_app.post("/sparql", **request_kwargs)  # type: ignore[arg-type]
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]["message"]
    still_there = small_app.get(
        "/sparql", params={"query": "ASK { ?s ?p ?o }", "format": "json"}
    )
    assert still_there.json()["boolean"] is True


def test_malformed_update_is_400_not_403(small_app: Client) -> None:
    response = small_app.post("/sparql", data={"update": "INSERT NONSENSE"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("content_type", "status"),
    [("text/plain", 415), (None, 415), ("application/json", 415)],
)
def test_wrong_content_type_is_415(
    small_app: Client, content_type: str | None, status: int
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    response = small_app.post("/sparql", content=b"ASK {}", headers=headers)
    assert response.status_code == status
    assert "application/sparql-query" in response.json()["error"]["supported"]


def test_non_utf8_body_is_400(small_app: Client) -> None:
    response = small_app.post(
        "/sparql",
        content=b"ASK { \xff }",
        headers={"Content-Type": "application/sparql-query"},
    )
    assert response.status_code == 400
    assert "UTF-8" in response.json()["error"]["message"]


def test_service_description_as_turtle_lists_graphs_and_union_mode(small_app: Client) -> None:
    response = small_app.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "endpoint"), URIRef(f"{APP_URL}/sparql")) in graph
    assert (None, URIRef(sd + "feature"), URIRef(sd + "UnionDefaultGraph")) in graph
    names = {str(o) for o in graph.objects(None, URIRef(sd + "name"))}
    assert names == {f"{EX}g1", f"{EX}g2"}
    formats = {str(o) for o in graph.objects(None, URIRef(sd + "resultFormat"))}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")],
)
def test_service_description_formats(small_app: Client, accept: str, rdflib_format: str) -> None:
    response = small_app.get("/sparql", headers={"Accept": accept})
    assert response.headers["content-type"].startswith(accept)
    assert len(Graph().parse(data=response.content, format=rdflib_format)) > 10


def test_service_description_html_has_a_query_form(small_app: Client) -> None:
    response = small_app.get(
        "/sparql", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.headers["content-type"].startswith("text/html")
    assert '<form method="get"' in response.text
    assert '<textarea id="query" name="query"' in response.text
    assert "http://example.org/g1" in response.text


def test_cors_allows_reads_from_any_origin(small_app: Client) -> None:
    response = small_app.get(
        "/sparql",
        params={"query": "ASK {}", "format": "json"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert response.headers["access-control-allow-origin"] == "*"
    preflight = small_app.options(
        "/sparql",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200


def test_health_and_ready(small_app: Client) -> None:
    assert small_app.get("/health").json() == {"status": "ok"}
    ready = small_app.get("/ready").json()
    assert ready["ready"] is True
    assert ready["triples"] == 14


def test_unknown_path_is_a_json_404(small_app: Client) -> None:
    response = small_app.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not-found"
