"""Validation when the app is built (``create_app``, as ``graphsvc serve`` builds it): given files
against their own shapes only, in a process of its own, a conforming result reused while the bytes
do not change. (The rule and the cache alone: tests/unit/validation/test_serving.py; real
``graphsvc serve`` processes: tests/e2e/test_validate_serve.py.)"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from graphsvc.namespaces import DEFAULT_BASE_IRI
from graphsvc.validation.cache import ValidationCache
from graphsvc.validation.serving import ServeCheck, fingerprint
from graphsvc.validation.validator import ShapesViolated
from graphsvc.validation.worker import start_early
from graphsvc.web.app import create_app
from tests.support import app_client, small_settings
from tests.unit.validation.test_serving import DATA, NAMELESS, SHAPES

VALIDATED = "graphsvc.assemble"


def _build(caplog: pytest.LogCaptureFixture, *paths: Path, cache: Path) -> str:
    """Build the app; the validation's log lines."""
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=VALIDATED):
        app = create_app(small_settings(paths=list(paths), cache_dir=cache))
    assert app.state.service.triple_count > 0
    return "\n".join(r.getMessage() for r in caplog.records if r.name == VALIDATED)


def test_a_conforming_result_is_reused_until_a_byte_changes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, shapes, cache = tmp_path / "data.ttl", tmp_path / "shapes.ttl", tmp_path / "cache"
    data.write_text(DATA)
    shapes.write_text(SHAPES)
    first = _build(caplog, data, shapes, cache=cache)
    assert "validated 3 files" not in first and "validated 2 files" in first, first
    assert "validation reused" in _build(caplog, data, shapes, cache=cache)
    data.write_text(DATA.replace('"Ada"', '"Ada Lovelace"'))  # still conforms, other bytes
    again = _build(caplog, data, shapes, cache=cache)
    assert "validated 2 files" in again and "reused" not in again
    assert "validation reused" in _build(caplog, data, shapes, cache=cache)


def test_files_that_violate_their_own_shapes_are_refused(tmp_path: Path) -> None:
    data, shapes = tmp_path / "data.ttl", tmp_path / "shapes.ttl"
    data.write_text(NAMELESS)
    shapes.write_text(SHAPES)
    with pytest.raises(ShapesViolated) as refused:
        create_app(small_settings(paths=[data, shapes], cache_dir=tmp_path / "cache"))
    (finding,) = refused.value.report.findings
    assert finding.message == "A person needs a name." and finding.file and finding.line == 4
    # Nothing failing is kept: the next start validates (and refuses) again.
    assert not list((tmp_path / "cache").rglob("*.json"))


def test_files_without_shapes_are_served_without_shacl(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(NAMELESS)  # would fail the shapes above, which are not served
    log = _build(caplog, data, cache=tmp_path / "cache")
    assert "serving 1 files without SHACL validation: none of them declares" in log
    assert not (tmp_path / "cache").exists()
    with app_client(small_settings(paths=[data], cache_dir=tmp_path / "cache")) as client:
        assert client.get("/ready").json()["triples"] == 1


def test_an_unwritable_cache_does_not_stop_the_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data, shapes = tmp_path / "data.ttl", tmp_path / "shapes.ttl"
    data.write_text(DATA)
    shapes.write_text(SHAPES)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        create_app(small_settings(paths=[data, shapes], cache_dir=blocker))
    assert "cannot keep the validation result" in caplog.text
    assert "validated 2 files" in caplog.text


def test_a_validation_started_early_is_awaited_not_repeated(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """``graphsvc serve`` starts the validation before it becomes the supervisor; the server
    process then waits for that result (the cache's lock) instead of validating again."""
    data, shapes, cache = tmp_path / "data.ttl", tmp_path / "shapes.ttl", tmp_path / "cache"
    data.write_text(DATA)
    shapes.write_text(SHAPES)
    check = ServeCheck((str(data), str(shapes)), str(tmp_path), DEFAULT_BASE_IRI)
    found = fingerprint(check, check.served())
    assert start_early(check, cache, found)
    assert not start_early(check, cache, found)  # under way already: not twice
    log = _build(caplog, data, shapes, cache=cache)
    assert "validated 2 files" in log and "reused" not in log, log
    assert ValidationCache(cache).get(found.key) is not None
    assert "validation reused" in _build(caplog, data, shapes, cache=cache)
