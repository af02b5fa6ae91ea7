"""`graphsvc serve` checks what it can before it binds a port: a refusal is about the input,
never "Address already in use", whatever else listens on the port asked for."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support import FIXTURES


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port something else is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def _serve(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphsvc", "serve", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("GRAPHSVC_")},
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["/no/such/folder"], "no such file or folder"),
        ([str(FIXTURES / "broken" / "billion-laughs.rdf")], "XML entity declarations are refused"),
        (["--engine", "rdflib", "--query-isolation", "thread"], "rdflib holds the GIL"),
        (["--processes", "2", "--query-isolation", "process"], "--processes is for query threads"),
        (["--engine", "remote"], "needs the store's SPARQL endpoint"),
    ],
)
def test_bad_input_is_refused_before_the_port_is_bound(
    taken_port: int, args: list[str], message: str
) -> None:
    result = _serve(*args, "--port", str(taken_port), "--no-validate")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Address already in use" not in result.stderr


def test_a_port_in_use_is_reported_as_such(taken_port: int) -> None:
    result = _serve(str(FIXTURES / "small"), "--port", str(taken_port), "--no-validate")
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{taken_port}" in result.stderr
