"""``graphsvc serve`` refusing data that fails its shapes (the project's, or given files' own),
serving given files without shapes unchecked, reusing a validation while the files stay the same;
``--reload`` keeping the last good graph. (``POST /validate`` itself is in
tests/web/test_validate_http.py; the rule and the cache in tests/unit/validation/test_serving.py.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import free_port, stop
from tests.web.test_validate_http import BROKEN, GOOD, PROJECT

# Given files carry their shapes: the validate fixtures' ontology folder holds the shapes.
SHAPES = str(PROJECT / "ontology")


def _serve(*args: str, log: Path, cache: Path | None = None) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "GRAPHSVC_PROJECT_ROOT": str(PROJECT)}
    environment["GRAPHSVC_CACHE_DIR"] = str(cache or log.parent / "cache")
    with log.open("wb") as handle:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, "-m", "graphsvc", "serve", *args, "--workers", "1"],
            env=environment,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )


def _ready(base: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{base}/ready", timeout=2)
            if response.status_code == 200:
                body: dict[str, object] = response.json()
                return body
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} did not become ready")


def test_serve_refuses_files_that_violate_their_own_shapes(tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    broken = str(BROKEN / "shape-min-count.ttl")
    process = _serve(broken, SHAPES, "--port", str(free_port()), log=log)
    try:
        assert process.wait(timeout=60) == 1
    finally:
        stop(process)
    output = log.read_text()
    assert "shape-min-count.ttl:9:1" in output
    assert "A claim needs a claimant" in output and "--no-validate" in output


def test_serve_serves_files_without_shapes_unchecked(tmp_path: Path) -> None:
    """The same file, alone: no shapes of its own, so nothing to check it against."""
    port = free_port()
    log = tmp_path / "serve.log"
    process = _serve(str(BROKEN / "shape-min-count.ttl"), "--port", str(port), log=log)
    try:
        assert _ready(f"http://127.0.0.1:{port}")["triples"] == 3
    finally:
        stop(process)
    output = log.read_text()
    assert "serving 1 files without SHACL validation: none of them declares SHACL shapes" in output
    assert "validated" not in output


def test_serving_the_project_twice_reuses_the_validation(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    logs = []
    for run in ("cold", "warm"):
        port = free_port()
        log = tmp_path / f"{run}.log"
        process = _serve("--port", str(port), log=log, cache=cache)
        try:
            _ready(f"http://127.0.0.1:{port}")
        finally:
            stop(process)
        logs.append(log.read_text())
    cold, warm = logs
    assert "validated 3 files in" in cold and "validation reused" not in cold, cold
    assert "validation reused: 3 files unchanged" in warm and "validated 3" not in warm, warm


def test_serve_with_no_validate_serves_it_anyway(tmp_path: Path) -> None:
    port = free_port()
    broken = str(BROKEN / "shape-min-count.ttl")
    process = _serve(broken, "--port", str(port), "--no-validate", log=tmp_path / "serve.log")
    try:
        assert _ready(f"http://127.0.0.1:{port}")["triples"] == 3
    finally:
        stop(process)


def test_reload_keeps_the_last_good_graph_and_swaps_in_good_edits(tmp_path: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(GOOD)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    process = _serve(str(data), SHAPES, "--port", str(port), "--reload", log=log)
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"

    def triples() -> int:
        response = httpx.get(
            f"{base}/sparql", params={"query": count}, headers={"Accept": "application/json"}
        )
        return int(json.loads(response.text)["results"]["bindings"][0]["n"]["value"])

    try:
        first = _ready(base)
        good_count = triples()
        # A broken edit: the claim loses its claimant. The old graph stays in service.
        data.write_text(GOOD.replace("gs:claimant state:north-korea ;", ""))
        deadline = time.monotonic() + 30
        while "reload refused" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "reload refused" in log.read_text()
        assert "A claim needs a claimant" in log.read_text()
        assert _ready(base)["version"] == first["version"]
        assert triples() == good_count
        # A good edit: one more statement. It replaces the old graph.
        data.write_text(GOOD + '\nstate:north-korea rdfs:comment "A state."@en .\n')
        deadline = time.monotonic() + 30
        while _ready(base)["version"] == first["version"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _ready(base)["version"] != first["version"]
        assert triples() == good_count + 1
    finally:
        stop(process)


def test_a_project_file_that_does_not_parse_is_refused_with_its_line(tmp_path: Path) -> None:
    """Validation starts with the command, the load in the server process: the error is the
    same either way, with its file and line, and exit code 2."""
    project = tmp_path / "project"
    shutil.copytree(PROJECT, project)
    (project / "data" / "bad.ttl").write_text("@prefix ex: <https://example.org/> .\nex:a ex:b .\n")
    environment = {**os.environ, "GRAPHSVC_PROJECT_ROOT": str(project)}
    environment["GRAPHSVC_CACHE_DIR"] = str(tmp_path / "cache")
    result = subprocess.run(
        [sys.executable, "-m", "graphsvc", "serve", "--port", str(free_port())],
        env=environment, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert "bad.ttl:2:" in result.stderr
