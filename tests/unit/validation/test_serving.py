"""What ``graphsvc serve`` validates (validation/serving.py), the cache of conforming results
(validation/cache.py) and the progress line (validation/progress.py). The validation process and
the whole start are in tests/web/test_validate_on_start.py and tests/e2e/test_validate_serve.py."""

from __future__ import annotations

import io
import logging
import os
from pathlib import Path

import pytest

from graphsvc.load import SourceFile, discover
from graphsvc.namespaces import DEFAULT_BASE_IRI
from graphsvc.progress import CLEAR, Progress
from graphsvc.service import sources_digest
from graphsvc.validation.cache import Outcome, ValidationCache, default_cache_dir
from graphsvc.validation.serving import (
    ServeCheck,
    declares_shapes,
    fingerprint,
    serving_inputs,
)
from graphsvc.validation.worker import Skipped, run

PREFIXES = (
    "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
    "@prefix ex: <https://example.org/> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
)
SHAPES = PREFIXES + (
    "ex:PersonShape a sh:NodeShape ; sh:targetClass ex:Person ;\n"
    '  sh:property [ sh:path ex:name ; sh:minCount 1 ; sh:message "A person needs a name." ] .\n'
)
DATA = PREFIXES + 'ex:ada a ex:Person ; ex:name "Ada" .\n'
NAMELESS = PREFIXES + "ex:bob a ex:Person .\n"


def _write(folder: Path, **files: str) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = folder / name.replace("_", ".")
        path.write_text(text)
        paths.append(path)
    return paths


def _check(*paths: Path) -> ServeCheck:
    return ServeCheck(tuple(str(p) for p in paths), "/nonexistent", DEFAULT_BASE_IRI)


def _source(path: Path) -> SourceFile:
    (source,) = discover([path], base_iri=DEFAULT_BASE_IRI)
    return source


@pytest.mark.parametrize(
    ("text", "declares"),
    [
        (SHAPES, True),
        # A target alone makes a shape, a blank node as well as an IRI.
        (PREFIXES + "[] sh:targetClass ex:Person ; sh:property [ sh:path ex:name ] .\n", True),
        (PREFIXES + "ex:s a sh:PropertyShape ; sh:path ex:name .\n", True),
        (PREFIXES + "ex:s sh:targetNode ex:ada .\n", True),
        # The namespace used for something else (a validation report): no shapes.
        (PREFIXES + "[] a sh:ValidationReport ; sh:conforms true .\n", False),
        (DATA.replace("@prefix sh: <http://www.w3.org/ns/shacl#> .\n", ""), False),
        # A file that does not parse declares what it declares before the error; the loader
        # (no shapes) or the validation (shapes) reports the error.
        (PREFIXES + "ex:s a sh:NodeShape ; sh:targetClass .\n", True),
        (PREFIXES + "ex:s a . ex:t a sh:NodeShape .\n", False),
    ],
)
def test_which_files_declare_shapes(tmp_path: Path, text: str, declares: bool) -> None:
    (path,) = _write(tmp_path, file_ttl=text)
    assert declares_shapes(_source(path)) is declares


def test_shapes_in_other_syntaxes(tmp_path: Path) -> None:
    (nt,) = _write(
        tmp_path,
        s_nt="<https://example.org/S> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<http://www.w3.org/ns/shacl#NodeShape> .\n",
    )
    (jsonld,) = _write(
        tmp_path,
        s_jsonld='{"@context": {"sh": "http://www.w3.org/ns/shacl#"},'
        ' "@id": "https://example.org/S", "sh:targetClass": {"@id": "https://example.org/P"}}',
    )
    assert declares_shapes(_source(nt)) and declares_shapes(_source(jsonld))


def test_given_files_are_validated_against_their_own_shapes_only(tmp_path: Path) -> None:
    data, shapes = _write(tmp_path, data_ttl=DATA, shapes_ttl=SHAPES)
    assert serving_inputs(_check(data)) is None
    inputs = serving_inputs(_check(data, shapes))
    assert inputs is not None
    assert [s.path for s in inputs.shapes] == [shapes]
    # Every served file is data (a file may hold both shapes and data); no project ontology.
    assert [s.path for s in inputs.data] == [data, shapes] and inputs.ontology == []
    # The project's lints are its own curation rules: not run on other data.
    assert "shacl" not in _check(data, shapes).options().disabled
    assert {"dangling-link", "label-language"} <= _check(data, shapes).options().disabled
    assert not ServeCheck((), "/p", DEFAULT_BASE_IRI).options().disabled


def test_a_file_holding_shapes_and_data_is_validated_against_them(tmp_path: Path) -> None:
    (both,) = _write(tmp_path, both_ttl=SHAPES + NAMELESS.split(" .\n", 3)[-1])
    result = run(_check(both))
    assert not isinstance(result, (Outcome, Skipped, Exception))
    assert [f.message for f in result.findings] == ["A person needs a name."]
    (good,) = _write(tmp_path, good_ttl=SHAPES + DATA.split(" .\n", 3)[-1])
    assert isinstance(run(_check(good)), Outcome)
    (plain,) = _write(tmp_path, plain_ttl=NAMELESS)
    assert isinstance(run(_check(plain)), Skipped)


def test_the_fingerprint_follows_every_byte(tmp_path: Path) -> None:
    data, shapes = _write(tmp_path, data_ttl=DATA, shapes_ttl=SHAPES)
    check = _check(data, shapes)
    first = fingerprint(check, check.served())
    assert first.mentions_shacl and first.files == 2
    assert first.digest == sources_digest(check.served())  # what build_service calls the version
    assert fingerprint(check, check.served()) == first
    data.write_text(DATA.replace("Ada", "Adb"))
    changed = fingerprint(check, check.served())
    assert changed.key != first.key and changed.digest != first.digest
    data.write_text(DATA)
    assert fingerprint(check, check.served()) == first
    # The options are part of the key: the same bytes served as the project are another result.
    other = ServeCheck(check.paths, check.project_root, "https://example.org/base/")
    assert fingerprint(other, other.served()).key != first.key
    plain = _check(data)
    data.write_text(NAMELESS.replace("@prefix sh: <http://www.w3.org/ns/shacl#> .\n", ""))
    assert not fingerprint(plain, plain.served()).mentions_shacl


OUTCOME = Outcome(
    digest="0123456789abcdef", files=3, triples=42, seconds=1.5, notes=("a note",),
    findings="x.ttl:1:1: warning something [duplicate-subject]",
)  # fmt: skip


def test_the_cache_keeps_a_result_by_key(tmp_path: Path) -> None:
    cache = ValidationCache(tmp_path / "cache")
    assert cache.get("k1") is None
    assert cache.put("k1", OUTCOME)
    assert cache.get("k1") == OUTCOME
    assert cache.get("k2") is None
    assert not list((tmp_path / "cache" / "validation").glob(".*.tmp"))  # written whole
    # An entry that cannot be read is a miss, not an error.
    (tmp_path / "cache" / "validation" / "k3.json").write_text("{not json")
    assert cache.get("k3") is None


def test_an_unwritable_cache_is_logged_and_ignored(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    cache = ValidationCache(blocker / "cache")  # below a file: nothing can be created there
    with caplog.at_level(logging.WARNING):
        assert cache.put("k1", OUTCOME) is False
    assert "cannot keep the validation result" in caplog.text
    assert cache.get("k1") is None


def test_the_default_cache_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "graphsvc"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / ".cache" / "graphsvc"


class _Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_progress_is_drawn_on_a_terminal_only() -> None:
    terminal = _Terminal(tty=True)
    with Progress(lambda seconds: f"validating… {seconds:.0f} s", stream=terminal) as progress:
        progress.draw()
    assert terminal.getvalue() == f"{CLEAR}validating… 0 s{CLEAR}"
    piped = _Terminal(tty=False)
    with Progress(lambda seconds: "never", stream=piped, interval=0.01):
        pass
    assert piped.getvalue() == ""


def test_the_cache_lock_says_when_a_validation_is_under_way(tmp_path: Path) -> None:
    cache = ValidationCache(tmp_path)
    assert not cache.busy("k1")
    descriptor = cache.lock("k1")
    assert descriptor is not None
    try:
        assert cache.busy("k1") and not cache.busy("k2")
        assert cache.lock("k1") is None  # one validation of the same bytes at a time
    finally:
        os.close(descriptor)
    assert not cache.busy("k1")
    cache.wait("k1")  # returns at once: nobody holds it
