"""Fuzzing: schemathesis against the OpenAPI document, hypothesis over the protocol parameters.

Whatever arrives, the answer is never a 5xx other than the designed 503.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.query_corpus import CORPUS
from tests.support import small_settings, thread_server


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[str]:
    with thread_server(small_settings(query_timeout=2.0, max_rows=50)) as base_url:
        yield base_url


def test_openapi_operations_never_fail_with_5xx(fuzz_server: str) -> None:
    # The schemathesis pytest plugin is not used: each operation's case strategy is driven by
    # hypothesis directly, against the real server.
    api = schemathesis.openapi.from_url(f"{fuzz_server}/openapi.json")
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 5
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def never_5xx(case: schemathesis.Case) -> None:
            response = case.call(timeout=30)
            assert response.status_code < 500 or response.status_code == 503, response.text

        never_5xx()


ACCEPTS = st.sampled_from(
    [
        "",
        "*/*",
        "application/sparql-results+json",
        "text/csv",
        "text/turtle",
        "image/png",
        "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        "application/json;q=x",
        ",,;;",
        "text/*;q=0.2, */*;q=0",
    ]
)
QUERIES = st.one_of(
    st.sampled_from(CORPUS),
    st.text(max_size=200),
    st.sampled_from(CORPUS).flatmap(
        lambda q: st.integers(0, len(q)).map(lambda cut: q[:cut])
    ),  # truncated queries
    st.sampled_from(
        [
            "INSERT DATA { <a:b> <a:c> <a:d> }",
            "SELECT * { SERVICE <http://x/> {} }",
            "LOAD <file:///etc/passwd>",
            "ASK {",
            "\x00",
            "SELECT ?x { ?x ?x ?x }",
        ]
    ),
)
PARAM_NAMES = st.sampled_from(
    ["query", "update", "default-graph-uri", "named-graph-uri", "format", "other"]
)
EXTRA = st.lists(st.tuples(PARAM_NAMES, st.text(max_size=40)), max_size=3)


@given(
    query=QUERIES,
    extra=EXTRA,
    accept=ACCEPTS,
    method=st.sampled_from(["GET", "POST-form", "POST-direct", "POST-other"]),
)
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
def test_protocol_parameters_never_fail_with_5xx(
    fuzz_server: str, query: str, extra: list[tuple[str, str]], accept: str, method: str
) -> None:
    url = f"{fuzz_server}/sparql"
    headers = {"Accept": accept}
    params = [("query", query), *extra]
    if method == "GET":
        response = httpx.get(url, params=params, headers=headers, timeout=30)
    elif method == "POST-form":
        body = str(httpx.QueryParams(params)).encode()
        response = httpx.post(
            url,
            content=body,
            timeout=30,
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        )
    elif method == "POST-direct":
        response = httpx.post(
            url,
            params=extra,
            content=query.encode("utf-8", "surrogatepass"),
            timeout=30,
            headers={**headers, "Content-Type": "application/sparql-query"},
        )
    else:
        response = httpx.post(
            url,
            content=query.encode("utf-8", "surrogatepass"),
            timeout=30,
            headers={**headers, "Content-Type": "text/plain"},
        )
    assert response.status_code < 500 or response.status_code == 503, response.text
    if response.status_code >= 400 and response.headers["content-type"].startswith(
        "application/json"
    ):
        assert response.json()["error"]["message"]
