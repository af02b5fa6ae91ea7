"""POST /validate under `graphsvc serve` with deeply nested Turtle: a report, never a 500."""

from __future__ import annotations

import httpx

from tests.support import FIXTURES, cli_server


def test_deeply_nested_turtle_gets_a_report() -> None:
    with cli_server(str(FIXTURES / "small")) as base_url:
        for depth in (600, 5000):
            body = f"@prefix ex: <http://example.org/> .\nex:s ex:p {'(' * depth} 1 {')' * depth} ."
            response = httpx.post(
                f"{base_url}/validate",
                content=body,
                headers={"Content-Type": "text/turtle"},
                timeout=60,
            )
            assert response.status_code == 200, response.text
            report = response.json()
            assert report["conforms"] is True
            assert report["summary"]["triples"] > 2 * depth
