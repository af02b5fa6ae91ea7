"""``POST /validate`` on a real server; ``graphsvc serve`` refusing data that fails its shapes;
``--reload`` keeping the last good graph."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import Graph
from rdflib.namespace import RDF, SH

from tests.support import FIXTURES, free_port, small_settings, stop, thread_server
from tests.test_validate_safety import Canary

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
def server() -> Iterator[str]:
    previous = os.environ.get("GRAPHSVC_PROJECT_ROOT")
    os.environ["GRAPHSVC_PROJECT_ROOT"] = str(PROJECT)
    try:
        with thread_server(small_settings(max_body_bytes=4000)) as base_url:
            yield base_url
    finally:
        if previous is None:
            del os.environ["GRAPHSVC_PROJECT_ROOT"]
        else:
            os.environ["GRAPHSVC_PROJECT_ROOT"] = previous


def post(base: str, body: str | bytes, content_type: str, **kwargs: object) -> httpx.Response:
    headers = {"Content-Type": content_type, **kwargs.pop("headers", {})}  # type: ignore[dict-item]
    return httpx.post(f"{base}/validate", content=body, headers=headers, timeout=60, **kwargs)  # type: ignore[arg-type]


def test_conforming_document_gets_conforms_true(server: str) -> None:
    response = post(server, GOOD, "text/turtle")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert "Accept" in response.headers["vary"]
    body = response.json()
    assert body["conforms"] is True and body["files"] == []


@pytest.mark.parametrize("content_type", list(CLAIM_WITHOUT_CLAIMANT))
def test_each_rdf_syntax_is_read_by_its_content_type(server: str, content_type: str) -> None:
    response = post(server, CLAIM_WITHOUT_CLAIMANT[content_type], content_type)
    assert response.status_code == 200
    body = response.json()
    assert body["conforms"] is False
    (group,) = body["files"]
    (result,) = group["results"]
    assert result["rule"] == "shacl" and "needs a claimant" in result["message"]
    assert result["file"] == "request body"
    assert result["line"] == EXPECTED_LINE[content_type]
    assert result["shape"] == "gsh:ClaimShape-claimant" and result["path"] == "gs:claimant"


def test_turtle_report_is_the_w3c_validation_report(server: str) -> None:
    turtle = CLAIM_WITHOUT_CLAIMANT["text/turtle"]
    response = post(server, turtle, "text/turtle", headers={"Accept": "text/turtle"})
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


def test_lints_run_over_http_and_can_be_tuned(server: str) -> None:
    text = (BROKEN / "shape-warning.ttl").read_text()
    plain = post(server, text, "text/turtle").json()
    assert plain["conforms"] is True and plain["summary"]["warning"] == 1
    strict = httpx.post(
        f"{server}/validate?fail-on=warning",
        content=text,
        headers={"Content-Type": "text/turtle"},
        timeout=60,
    ).json()
    assert strict["conforms"] is False
    dangling = (BROKEN / "dangling-link.ttl").read_text()
    assert post(server, dangling, "text/turtle").json()["summary"]["violation"] == 1
    skipped = httpx.post(
        f"{server}/validate?disable=dangling-link",
        content=dangling,
        headers={"Content-Type": "text/turtle"},
        timeout=60,
    ).json()
    assert skipped["conforms"] is True


def test_unknown_rule_is_a_400(server: str) -> None:
    response = httpx.post(
        f"{server}/validate?disable=nope", content=GOOD, headers={"Content-Type": "text/turtle"}
    )
    assert response.status_code == 400 and "nope" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/json", "application/sparql-query"]
)
def test_unsupported_content_type_is_415(server: str, content_type: str) -> None:
    response = post(server, GOOD, content_type)
    assert response.status_code == 415
    error = response.json()["error"]
    assert "text/turtle" in error["supported"]


def test_missing_content_type_is_415(server: str) -> None:
    response = httpx.post(f"{server}/validate", content=GOOD.encode())
    assert response.status_code == 415


def test_body_over_the_limit_is_413(server: str) -> None:
    big = GOOD + "\n".join(f"# padding line {i}" for i in range(400))
    response = post(server, big, "text/turtle")
    assert response.status_code == 413
    assert response.json()["error"]["type"] == "payload-too-large"


def test_body_that_does_not_parse_is_400_with_line_and_column(server: str) -> None:
    broken = "@prefix ex: <http://example.org/> .\nex:a ex:b ex:c ;\n  ex:d .\n"
    response = post(server, broken, "text/turtle")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["type"] == "rdf-syntax"
    assert error["line"] == 3 and isinstance(error["column"], int)


def test_unacceptable_report_type_is_406(server: str) -> None:
    response = post(server, GOOD, "text/turtle", headers={"Accept": "image/png"})
    assert response.status_code == 406


def test_hostile_rdfxml_body_is_refused_without_fetching(server: str) -> None:
    canary = Canary()
    try:
        body = (
            '<?xml version="1.0"?>\n'
            f'<!DOCTYPE rdf:RDF [ <!ENTITY ext SYSTEM "{canary.url}/x"> ]>\n'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
        )
        response = post(server, body, "application/rdf+xml")
        assert response.status_code == 400
        assert response.json()["error"]["line"] == 2
    finally:
        canary.close()
    assert canary.connections == []


# -- graphsvc serve ------------------------------------------------------------------------------


def _serve(*args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "graphsvc", "serve", *args, "--workers", "1"],
            env={**os.environ, "GRAPHSVC_PROJECT_ROOT": str(PROJECT)},
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def _ready(base: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{base}/ready", timeout=2)
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} did not become ready")


def test_serve_refuses_data_that_does_not_conform(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    process = _serve(str(BROKEN / "shape-min-count.ttl"), "--port", str(free_port()), log=log)
    try:
        assert process.wait(timeout=60) == 1
    finally:
        stop(process)
    output = log.read_text()
    assert "shape-min-count.ttl" in output and "9:1" in output
    assert "A claim needs a claimant" in output and "--no-validate" in output


def test_serve_with_no_validate_serves_it_anyway(tmp_path: Path) -> None:
    port = free_port()
    broken = str(BROKEN / "shape-min-count.ttl")
    process = _serve(broken, "--port", str(port), "--no-validate", log=tmp_path / "serve.log")
    try:
        assert _ready(f"http://127.0.0.1:{port}")["triples"] == 3
    finally:
        stop(process)


def test_reload_keeps_the_last_good_graph_and_swaps_in_good_edits(tmp_path: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(GOOD)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    process = _serve(str(data), "--port", str(port), "--reload", log=log)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def triples() -> int:
        response = httpx.get(
            f"{base}/sparql", params={"query": count}, headers={"Accept": "application/json"}
        )
        return int(json.loads(response.text)["results"]["bindings"][0]["n"]["value"])

    try:
        first = _ready(base)
        good_count = triples()
        # A broken edit: the claim loses its claimant. The old graph stays in service.
        data.write_text(GOOD.replace("gs:claimant state:north-korea ;", ""))
        deadline = time.monotonic() + 30
        while "reload refused" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "reload refused" in log.read_text()
        assert "A claim needs a claimant" in log.read_text()
        assert _ready(base)["version"] == first["version"]
        assert triples() == good_count
        # A good edit: one more statement. It replaces the old graph.
        data.write_text(GOOD + '\nstate:north-korea rdfs:comment "A state."@en .\n')
        deadline = time.monotonic() + 30
        while _ready(base)["version"] == first["version"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _ready(base)["version"] != first["version"]
        assert triples() == good_count + 1
    finally:
        stop(process)
