"""Test tiers, the clean environment every test starts from, and fixtures shared across folders.

Each test belongs to exactly one tier, named by a marker (``pytest -m web``; the Makefile has a
target per tier and ``make check-fast`` for the first three):

- ``unit``: no I/O but files, no server;
- ``web``: HTTP through the app in this process (tests.support.app_client), no socket;
- ``project``: the repository's own ontology/, data/ and queries/;
- ``remote``: against a private Virtuoso (tests/remote/virtuoso.py);
- ``e2e``: real processes, uvicorn on a free port, a browser, real clients, soak, benchmark.

The folder under tests/ gives the tier. A test whose needs differ from its file's carries its own
marker, which wins: a check of the project's own files in tests/unit, the remote-engine runs of a
test parametrised over the engines.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.remote.virtuoso import remote_small_settings, virtuoso
from tests.support import app_client, small_settings

__all__ = ["remote_small_settings", "virtuoso"]  # fixtures of tests/remote, shared here

TIERS = ("unit", "web", "project", "remote", "e2e")
HERE = Path(__file__).parent

# The suite's own setting (where the W3C tests are), not the service's: it is kept.
KEPT = {"GRAPHSVC_W3C_TESTS"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    problems = []
    for item in items:
        explicit = {mark.name for mark in item.iter_markers() if mark.name in TIERS}
        if len(explicit) > 1:
            problems.append(f"{item.nodeid}: more than one tier ({', '.join(sorted(explicit))})")
        elif not explicit:
            inside = item.path.is_relative_to(HERE)
            folder = item.path.relative_to(HERE).parts[0] if inside else None
            if folder in TIERS:
                item.add_marker(getattr(pytest.mark, folder))
            else:
                problems.append(f"{item.nodeid}: no tier (put it in tests/<tier>/ or mark it)")
    if problems:
        raise pytest.UsageError("tests without exactly one tier:\n" + "\n".join(problems))


@pytest.fixture(scope="session", autouse=True)
def _no_graphsvc_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test sees the developer's GRAPHSVC_* settings (a test sets what it needs itself), and
    none writes to the developer's cache: GRAPHSVC_CACHE_DIR is a folder of the session's.

    Session-scoped: it holds before the module fixtures that start servers, and a module fixture
    may still set a variable for its own server (the validate tests' project root) without a
    per-test clean-up taking it away under that server.
    """
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("GRAPHSVC_") and name not in KEPT:
                patch.delenv(name)
        patch.setenv("GRAPHSVC_CACHE_DIR", str(tmp_path_factory.mktemp("graphsvc-cache")))
        yield


@pytest.fixture(
    scope="module", params=["oxigraph", pytest.param("remote", marks=pytest.mark.remote)]
)
def small_app(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """The small fixture dataset, served in-process (module-scoped: it is read-only).

    Every test using it runs twice: on the local engine, and on the remote engine over the same
    dataset published to a private Virtuoso (tests/remote/virtuoso.py), with the same expectations.
    """
    settings = small_settings()
    if request.param == "remote":
        settings = request.getfixturevalue("remote_small_settings")
    with app_client(settings) as client:
        yield client
