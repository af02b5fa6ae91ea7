"""The project's own graph served in process, shared by the project tier's page tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from httpx import Client

from graphsvc.config import Settings, project_root
from tests.support import app_client


@pytest.fixture(scope="module")
def project_app() -> Iterator[Client]:
    """The project's own ontology, shapes and data, one named graph per file."""
    if not (project_root() / "data").is_dir():
        pytest.fail("the project's data/ folder is missing")
    settings = Settings(query_workers=2, validate_on_load=False)  # type: ignore[call-arg]
    with app_client(settings) as client:
        yield client
