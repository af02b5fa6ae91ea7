"""The project's 51 named queries answer their expected answers over HTTP (the app in process),
on every engine."""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import Any

import pytest
from httpx import Client

from graphsvc.config import Settings
from tests.expected_answers import EXPECTED
from tests.support import app_client


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def project_app(request: pytest.FixtureRequest) -> Iterator[Client]:
    with app_client(Settings(engine=request.param, query_workers=2)) as client:
        yield client


def _value(binding: dict[str, Any] | None) -> str | None:
    return None if binding is None else str(binding["value"])


def _project(rows: list[dict[str, Any]], variables: list[str]) -> list[tuple[str | None, ...]]:
    return [tuple(_value(row.get(v)) for v in variables) for row in rows]


@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_named_query_answers(project_app: Client, key: str) -> None:
    name = key.split("#", 1)[0]
    expected = EXPECTED[key]
    response = project_app.get(f"/queries/{name}", params=expected["params"],
                         headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert response.status_code == 200, response.text
    bindings = response.json()["results"]["bindings"]
    variables = sorted({v for row in expected["rows"] for v in row})
    want = [tuple(row.get(v) for v in variables) for row in expected["rows"]]
    got = _project(bindings, variables)
    if expected["ordered"]:
        assert got == want
    else:
        assert collections.Counter(got) == collections.Counter(want)


def test_claim_answers_name_the_claimant_and_status(project_app: Client) -> None:
    listing = project_app.get("/queries", headers={"Accept": "application/json"})
    queries = listing.json()["queries"]
    assert len(queries) == 51  # 22 on the founding article + 29 of the claims graph
    for query in queries:
        response = project_app.get(f"/queries/{query['name']}",
                             params={"format": "json"}, timeout=30)
        assert {"claimant", "status"} <= set(response.json()["head"]["vars"]), query["name"]
