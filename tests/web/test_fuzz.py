"""Fuzzing: schemathesis against the OpenAPI document, hypothesis over the protocol parameters.

Whatever arrives, the answer is never a 5xx other than the designed 503.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from httpx import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from tests.query_corpus import CORPUS
from tests.support import APP_URL, app_client, small_settings


@pytest.fixture(scope="module")
def fuzz_app() -> Iterator[Client]:
    with app_client(small_settings(query_timeout=2.0, max_rows=50)) as client:
        yield client


class InProcessAdapter(BaseAdapter):
    """A requests adapter that sends what requests prepared to the app in process.

    schemathesis sends its cases through requests: requests still encodes each case (as it would
    for a server), and only the socket is left out.
    """

    def __init__(self, app: Client) -> None:
        super().__init__()
        self.app = app

    def send(  # type: ignore[override]
        self, request: requests.PreparedRequest, *args: Any, **kwargs: Any
    ) -> requests.Response:
        body = request.body
        if isinstance(body, str):
            body = body.encode("iso-8859-1")  # what http.client does with a str body
        answer = self.app.request(
            request.method or "GET",
            request.url or "/",
            headers=dict(request.headers),
            content=body,
        )
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = answer.reason_phrase
        response.headers = CaseInsensitiveDict(answer.headers)
        response._content = answer.content
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.url = request.url or ""
        response.request = request
        return response

    def close(self) -> None:
        pass


def test_openapi_operations_never_fail_with_5xx(fuzz_app: Client) -> None:
    # The schemathesis pytest plugin is not used: each operation's case strategy is driven by
    # hypothesis directly, against the app in process.
    api = schemathesis.openapi.from_dict(fuzz_app.get("/openapi.json").json())
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 5
    session = requests.Session()
    session.mount(APP_URL, InProcessAdapter(fuzz_app))
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def never_5xx(case: schemathesis.Case) -> None:
            response = case.call(base_url=APP_URL, session=session, timeout=30)
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
    fuzz_app: Client, query: str, extra: list[tuple[str, str]], accept: str, method: str
) -> None:
    url = "/sparql"
    headers = {"Accept": accept}
    params = [("query", query), *extra]
    if method == "GET":
        response = fuzz_app.get(url, params=params, headers=headers, timeout=30)
    elif method == "POST-form":
        body = str(httpx.QueryParams(params)).encode()
        response = fuzz_app.post(
            url,
            content=body,
            timeout=30,
            headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
        )
    elif method == "POST-direct":
        response = fuzz_app.post(
            url,
            params=extra,
            content=query.encode("utf-8", "surrogatepass"),
            timeout=30,
            headers={**headers, "Content-Type": "application/sparql-query"},
        )
    else:
        response = fuzz_app.post(
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
