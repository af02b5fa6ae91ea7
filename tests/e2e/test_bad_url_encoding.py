"""`GET /sparql?query=%FF` under `graphsvc serve`: a 400 saying why, not a query run on U+FFFD."""

from __future__ import annotations

import httpx

from tests.support import FIXTURES, cli_server


def test_invalid_utf8_in_the_query_string_is_400() -> None:
    with cli_server(str(FIXTURES / "small")) as base_url:
        for url in (f"{base_url}/sparql?query=%FF", f"{base_url}/sparql?query=ASK%7B%7D%FF"):
            response = httpx.get(url)
            assert response.status_code == 400, response.text
            error = response.json()["error"]
            assert error["type"] == "bad-parameter"
            assert "not UTF-8 once its %-escapes are decoded (byte 0xFF" in error["message"]
        # The same query, well encoded, runs.
        assert httpx.get(f"{base_url}/sparql?query=ASK%7B%7D").json()["boolean"] is True
