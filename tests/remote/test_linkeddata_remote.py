"""The Linked Data tests, again on the remote engine: the same data published to Virtuoso.

Every test of tests/web/test_linkeddata.py, tests/web/test_linkeddata_site.py and
tests/project/test_project_site.py is collected here a second time, unchanged, with the same
expectations; only the apps they ask differ: the Linked Data fixture and the project's own data are
published to the session's Virtuoso with ``graphsvc.store.remote.publish`` and served (in process)
with the remote engine.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from httpx import Client

from graphsvc.config import Settings, project_root
from graphsvc.load import discover
from graphsvc.store.remote.publish import publish
from tests.ldsupport import LD
from tests.project import test_project_site
from tests.remote.virtuoso import Virtuoso, publish_for_test
from tests.support import app_client
from tests.web import test_linkeddata, test_linkeddata_site

for _module in (test_linkeddata, test_linkeddata_site, test_project_site):
    for _name, _test in vars(_module).items():
        if _name.startswith("test_") and callable(_test):
            globals()[_name] = _test


@pytest.fixture(scope="module")
def app(request: pytest.FixtureRequest) -> Iterator[Client]:
    """The Linked Data fixture (its triples in the default graph), served from Virtuoso."""
    overrides = {
        "queries_dir": LD / "queries",
        "query_workers": 2,
        "query_timeout": 10.0,
        "validate_on_load": False,
    }
    settings = publish_for_test(request, [LD / "data"], "urn:graphsvc-test:ld", overrides)
    with app_client(settings) as client:
        yield client


@pytest.fixture(scope="module")
def project_app(virtuoso: Virtuoso) -> Iterator[Client]:
    """The project's ontology, shapes and data, one named graph per file, served from Virtuoso."""
    root = project_root()
    if not (root / "data").is_dir():
        pytest.fail("the project's data/ folder is missing")
    release = "urn:graphsvc-test:project"
    local = Settings(validate_on_load=False)  # type: ignore[call-arg]
    sources = discover(local.resolved_paths(), base_iri=local.base_iri, project_root=root)
    publish(sources, virtuoso.config(release))
    settings = virtuoso.settings(
        release, queries_dir=root / "queries", query_workers=2, validate_on_load=False
    )
    with app_client(settings) as client:
        yield client
