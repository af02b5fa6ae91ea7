"""Shared fixtures: servers started by the tests that use them, stopped afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.remote.virtuoso import remote_small_settings, virtuoso
from tests.support import small_settings, thread_server

__all__ = ["remote_small_settings", "virtuoso"]  # fixtures of tests/remote, shared here


@pytest.fixture(scope="module", params=["oxigraph", "remote"])
def small_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """The small fixture dataset served by uvicorn in a thread (module-scoped: it is read-only).

    Every test using it runs twice: on the local engine, and on the remote engine over the same
    dataset published to a private Virtuoso (tests/remote/virtuoso.py), with the same expectations.
    """
    settings = small_settings()
    if request.param == "remote":
        settings = request.getfixturevalue("remote_small_settings")
    with thread_server(settings) as base_url:
        yield base_url
