"""The README's quick start answers what the server answers (docs checked by tests)."""

from __future__ import annotations

import json
import re

from graphsvc.config import Settings
from tests.support import ROOT, app_client


def test_the_quick_start_count_is_the_servers() -> None:
    readme = (ROOT / "README.md").read_text()
    query = re.search(r"--data-urlencode 'query=([^']+)'", readme)
    shown = re.search(r'^\{"head":\{"vars":\["n"\]\}.*$', readme, re.M)
    assert query is not None and shown is not None
    with app_client(Settings(query_workers=1)) as client:
        answer = client.post(
            "/sparql",
            data={"query": query.group(1)},
            headers={"Accept": "application/sparql-results+json"},
        )
    assert answer.status_code == 200
    expected = json.loads(shown.group(0))["results"]["bindings"][0]["n"]["value"]
    assert answer.json()["results"]["bindings"][0]["n"]["value"] == expected
