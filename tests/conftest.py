"""Shared fixtures: servers started by the tests that use them, stopped afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import small_settings, thread_server


@pytest.fixture(scope="module")
def small_server() -> Iterator[str]:
    """The small fixture dataset served by uvicorn in a thread (module-scoped: it is read-only)."""
    with thread_server(small_settings()) as base_url:
        yield base_url
