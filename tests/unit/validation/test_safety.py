"""Validation never fetches anything, and hostile RDF/XML fails fast and small.

A canary TCP listener on 127.0.0.1 stands for "the network": every document here points at it
(external entities, owl:imports, remote JSON-LD contexts, an external DTD), and it must receive
no connection at all.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import select
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from graphsvc.validation.findings import Severity
from graphsvc.validation.validator import ValidationOptions, validate_paths
from tests.support import FIXTURES

PROJECT = FIXTURES / "validate" / "project"


class Canary:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.setblocking(False)
        self.port = int(self.sock.getsockname()[1])
        self.connections: list[tuple[str, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _watch(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self.sock], [], [], 0.05)
            if readable:
                with contextlib.suppress(BlockingIOError):
                    conn, peer = self.sock.accept()
                    self.connections.append(peer)
                    conn.close()

    def close(self) -> None:
        time.sleep(0.2)  # let a late connection arrive, if one was going to
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


@pytest.fixture
def canary() -> Iterator[Canary]:
    listener = Canary()
    try:
        yield listener
    finally:
        listener.close()
        assert listener.connections == [], "validation opened a connection"


def _validate(path: Path) -> tuple[int, list[str]]:
    report = validate_paths([path], project_root=PROJECT, options=ValidationOptions())
    return report.exit_code, [f"{f.severity.value}: {f.message}" for f in report.findings]


def test_external_entity_is_refused_and_not_fetched(tmp_path: Path, canary: Canary) -> None:
    xxe = tmp_path / "xxe.rdf"
    xxe.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF [ <!ENTITY ext SYSTEM "{canary.url}/secret"> ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
        '  <rdf:Description rdf:about="urn:x"><rdfs:comment>&ext;</rdfs:comment>'
        "</rdf:Description>\n</rdf:RDF>\n"
    )
    code, messages = _validate(xxe)
    assert code == 2
    assert messages and messages[0].startswith("error:") and "entity" in messages[0]


def test_parameter_entity_is_refused(tmp_path: Path, canary: Canary) -> None:
    xxe = tmp_path / "param.rdf"
    xxe.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF [ <!ENTITY % remote SYSTEM "{canary.url}/dtd"> %remote; ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n'
    )
    assert _validate(xxe)[0] == 2


def test_external_dtd_is_never_read(tmp_path: Path, canary: Canary) -> None:
    document = tmp_path / "dtd.rdf"
    document.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF SYSTEM "{canary.url}/rdf.dtd">\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
        ' xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
        '  <rdf:Description rdf:about="urn:x"><rdfs:comment>x</rdfs:comment>'
        "</rdf:Description>\n</rdf:RDF>\n"
    )
    code, messages = _validate(document)
    assert code in (0, 2), messages  # parsed without the DTD, or refused: never fetched


def test_owl_imports_are_never_followed(tmp_path: Path, canary: Canary) -> None:
    data = tmp_path / "imports.ttl"
    data.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"<urn:onto> a owl:Ontology ; owl:imports <{canary.url}/ontology.ttl> .\n"
    )
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        f"<urn:shapes> owl:imports <{canary.url}/shapes.ttl> .\n"
        "<urn:s> a sh:NodeShape ; sh:targetNode <urn:onto> ; sh:property [\n"
        "  sh:path owl:imports ; sh:nodeKind sh:IRI ] .\n"
    )
    report = validate_paths(
        [data], project_root=PROJECT, options=ValidationOptions(), shapes=[shapes]
    )
    assert report.exit_code == 0, [f.message for f in report.findings]
    assert report.notes == []


def test_remote_jsonld_context_is_refused_and_not_fetched(tmp_path: Path, canary: Canary) -> None:
    document = tmp_path / "remote.jsonld"
    document.write_text(
        f'{{"@context": "{canary.url}/context.jsonld", "@id": "urn:x", "name": "x"}}\n'
    )
    code, messages = _validate(document)
    assert code == 2
    assert "context" in messages[0]


def _limit_memory() -> None:
    # 2 GiB of address space: the expansion (tens of gigabytes) could not happen unnoticed.
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


@pytest.mark.e2e
def test_billion_laughs_fails_fast_and_small(canary: Canary) -> None:
    """Refused before parsing: the child process stays small and is done in seconds."""
    laughs = FIXTURES / "validate" / "broken" / "billion-laughs.rdf"
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "graphsvc", "validate", str(laughs), "--format", "json"],
        env={**os.environ, "GRAPHSVC_PROJECT_ROOT": str(PROJECT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=_limit_memory,
    )
    timer = threading.Timer(60, process.kill)
    timer.start()
    assert process.stdout is not None
    out = process.stdout.read()
    process.stdout.close()
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    assert process.returncode == 2
    assert json.loads(out)["summary"]["error"] == 1
    assert time.monotonic() - started < 30
    assert usage.ru_maxrss < 512 * 1024  # KiB on Linux: far below any expansion


def test_billion_laughs_in_process_reports_the_declaration_line() -> None:
    laughs = FIXTURES / "validate" / "broken" / "billion-laughs.rdf"
    report = validate_paths([laughs], project_root=PROJECT, options=ValidationOptions())
    (finding,) = report.findings
    assert finding.severity is Severity.ERROR and finding.line == 3
    assert report.exit_code == 2
