"""``POST /validate``, through the app in process. (``graphsvc serve`` refusing data that fails its
shapes, and ``--reload``, are in tests/e2e/test_validate_serve.py.)"""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
from httpx import Client
from rdflib import Graph
from rdflib.namespace import RDF, SH

from tests.support import FIXTURES, app_client, small_settings
from tests.unit.validation.test_safety import Canary

PROJECT = FIXTURES / "validate" / "project"
BROKEN = FIXTURES / "validate" / "broken"
GOOD = (PROJECT / "data" / "good.ttl").read_text()
CLAIM_WITHOUT_CLAIMANT = {
    "text/turtle": (BROKEN / "shape-min-count.ttl").read_text(),
    "application/trig": (BROKEN / "shape-min-count.trig").read_text(),
    "application/n-triples": (BROKEN / "shape-min-count.nt").read_text(),
    "application/n-quads": (BROKEN / "shape-min-count.nt").read_text(),
    "application/ld+json": (BROKEN / "shape-min-count.jsonld").read_text(),
    "application/rdf+xml": """<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"
         xmlns:gs="https://w3id.org/graphsvc/ontology#">
  <gs:Claim rdf:about="https://w3id.org/graphsvc/id/claim/c5">
    <rdfs:label xml:lang="en">A claim in RDF/XML</rdfs:label>
  </gs:Claim>
</rdf:RDF>
""",
}
EXPECTED_LINE = {
    "text/turtle": 9,
    "application/trig": 6,
    "application/n-triples": 1,
    "application/n-quads": 1,
    "application/ld+json": 9,
    "application/rdf+xml": 5,
}


@pytest.fixture(scope="module")
def app() -> Iterator[Client]:
    previous = os.environ.get("GRAPHSVC_PROJECT_ROOT")
    os.environ["GRAPHSVC_PROJECT_ROOT"] = str(PROJECT)
    try:
        with app_client(small_settings(max_body_bytes=4000)) as client:
            yield client
    finally:
        if previous is None:
            del os.environ["GRAPHSVC_PROJECT_ROOT"]
        else:
            os.environ["GRAPHSVC_PROJECT_ROOT"] = previous


def post(base: Client, body: str | bytes, content_type: str, **kwargs: object) -> httpx.Response:
    headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    return base.post("/validate", content=body, headers=headers, timeout=60, **kwargs)  # type: ignore[arg-type]


def test_conforming_document_gets_conforms_true(app: Client) -> None:
    response = post(app, GOOD, "text/turtle")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "Accept" in response.headers["vary"]
    body = response.json()
    assert body["conforms"] is True and body["files"] == []


@pytest.mark.parametrize("content_type", list(CLAIM_WITHOUT_CLAIMANT))
def test_each_rdf_syntax_is_read_by_its_content_type(app: Client, content_type: str) -> None:
    response = post(app, CLAIM_WITHOUT_CLAIMANT[content_type], content_type)
    assert response.status_code == 200
    body = response.json()
    assert body["conforms"] is False
    (group,) = body["files"]
    (result,) = group["results"]
    assert result["rule"] == "shacl" and "needs a claimant" in result["message"]
    assert result["file"] == "request body"
    assert result["line"] == EXPECTED_LINE[content_type]
    assert result["shape"] == "gsh:ClaimShape-claimant" and result["path"] == "gs:claimant"


def test_turtle_report_is_the_w3c_validation_report(app: Client) -> None:
    turtle = CLAIM_WITHOUT_CLAIMANT["text/turtle"]
    response = post(app, turtle, "text/turtle", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph().parse(data=response.text, format="turtle")
    report = graph.value(predicate=RDF.type, object=SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is False
    (result,) = list(graph.objects(report, SH.result))
    assert str(graph.value(result, SH.focusNode)) == "https://w3id.org/graphsvc/id/claim/c1"
    assert str(graph.value(result, SH.resultPath)) == "https://w3id.org/graphsvc/ontology#claimant"
    assert graph.value(result, SH.resultSeverity) == SH.Violation
    assert graph.value(result, SH.sourceConstraintComponent) == SH.MinCountConstraintComponent


def test_lints_run_over_http_and_can_be_tuned(app: Client) -> None:
    text = (BROKEN / "shape-warning.ttl").read_text()
    plain = post(app, text, "text/turtle").json()
    assert plain["conforms"] is True and plain["summary"]["warning"] == 1
    strict = app.post(
        "/validate?fail-on=warning",
        content=text,
        headers={"Content-Type": "text/turtle"},
        timeout=60,
    ).json()
    assert strict["conforms"] is False
    dangling = (BROKEN / "dangling-link.ttl").read_text()
    assert post(app, dangling, "text/turtle").json()["summary"]["violation"] == 1
    skipped = app.post(
        "/validate?disable=dangling-link",
        content=dangling,
        headers={"Content-Type": "text/turtle"},
        timeout=60,
    ).json()
    assert skipped["conforms"] is True


def test_unknown_rule_is_a_400(app: Client) -> None:
    response = app.post(
        "/validate?disable=nope", content=GOOD, headers={"Content-Type": "text/turtle"}
    )
    assert response.status_code == 400 and "nope" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/json", "application/sparql-query"]
)
def test_unsupported_content_type_is_415(app: Client, content_type: str) -> None:
    response = post(app, GOOD, content_type)
    assert response.status_code == 415
    error = response.json()["error"]
    assert "text/turtle" in error["supported"]


def test_missing_content_type_is_415(app: Client) -> None:
    response = app.post("/validate", content=GOOD.encode())
    assert response.status_code == 415


def test_body_over_the_limit_is_413(app: Client) -> None:
    big = GOOD + "\n".join(f"# padding line {i}" for i in range(400))
    response = post(app, big, "text/turtle")
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "payload-too-large"


def test_body_that_does_not_parse_is_400_with_line_and_column(app: Client) -> None:
    broken = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n  ex:d .\n"
    response = post(app, broken, "text/turtle")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "rdf-syntax"
    assert error["line"] == 3 and isinstance(error["column"], int)


def test_unacceptable_report_type_is_406(app: Client) -> None:
    response = post(app, GOOD, "text/turtle", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_hostile_rdfxml_body_is_refused_without_fetching(app: Client) -> None:
    canary = Canary()
    try:
        body = (
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE rdf:RDF [ <!ENTITY ext SYSTEM "{canary.url}/x"> ]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
        )
        response = post(app, body, "application/rdf+xml")
        assert response.status_code == 400
        assert response.json()["error"]["line"] == 2
    finally:
        canary.close()
    assert canary.connections == []
