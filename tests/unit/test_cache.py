"""The optional result cache: keyed by data version, query, dataset, bindings and format."""

from __future__ import annotations

import asyncio
import json

import pyoxigraph as ox
import pytest

from graphsvc.cache import ResultCache, cache_key
from graphsvc.serialize import Serialised
from graphsvc.service import ServiceOptions, build_service
from graphsvc.store.base import QueryRequest
from tests.support import FIXTURES, app_client, small_settings

JSON = "application/sparql-results+json"
NAMES = "SELECT ?name WHERE { ?p <http://xmlns.com/foaf/0.1/name> ?name } ORDER BY ?name"


def _result(size: int) -> Serialised:
    return Serialised(b"x" * size, JSON, 1, False)


def test_cache_is_lru_and_bounded_by_bytes() -> None:
    cache = ResultCache(400)
    for name in "abcd":
        cache.put((name,), _result(100))
    assert cache.get(("a",)) is not None  # a is now the most recently used
    cache.put(("e",), _result(100))
    assert cache.get(("b",)) is None  # the least recently used went
    assert cache.get(("a",)) is not None and cache.size <= 400
    cache.put(("huge",), _result(101))  # over a quarter of the cache: never kept
    assert cache.get(("huge",)) is None


def test_key_separates_version_format_dataset_and_bindings() -> None:
    request = QueryRequest("SELECT * WHERE { ?s ?p ?o }")
    base = cache_key("v1", request, JSON)
    assert base == cache_key("v1", QueryRequest("SELECT * WHERE { ?s ?p ?o }"), JSON)
    assert base != cache_key("v2", request, JSON)
    assert base != cache_key("v1", request, "text/csv")
    assert base != cache_key("v1", QueryRequest(request.text, union_default_graph=False), JSON)
    assert base != cache_key("v1", QueryRequest(request.text, default_graph_uris=("u:g",)), JSON)
    bound = QueryRequest(request.text, bindings={"s": ox.NamedNode("http://e/a")})
    assert base != cache_key("v1", bound, JSON)


def test_service_answers_a_repeated_query_from_the_cache() -> None:
    options = ServiceOptions(base_iri="https://w3id.org/graphsvc/", result_cache_bytes=1 << 20)
    service = build_service(
        [FIXTURES / "small"], engine="oxigraph", options=options, project_root=None
    )

    async def scenario() -> None:
        service.start()
        try:
            first = await service.run(NAMES, JSON)
            second = await service.run(NAMES, JSON)
            assert second.body == first.body
            assert service.cache is not None and service.cache.hits == 1
            await service.run(NAMES, "text/csv")  # another format is another entry
            assert service.cache.hits == 1 and len(service.cache) == 2
        finally:
            service.stop()

    asyncio.run(scenario())


@pytest.mark.web
def test_cache_is_off_by_default_and_on_through_the_setting() -> None:
    assert small_settings().result_cache_bytes == 0
    with app_client(small_settings(result_cache_bytes=1 << 20)) as app:
        answers = [
            app.get("/sparql", params={"query": NAMES, "format": "json"})
            for _ in range(3)
        ]
    assert all(a.status_code == 200 for a in answers)
    bodies = [json.loads(a.content) for a in answers]
    assert bodies[0] == bodies[1] == bodies[2]
    names = [b["name"]["value"] for b in bodies[0]["results"]["bindings"]]
    assert names == ["Alice", "Bob", 'Carol, "the" third']
