"""Helpers that start real servers for end-to-end tests, on free ports of 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn

from graphsvc.config import Settings
from graphsvc.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(base_url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/ready", timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"server at {base_url} did not become ready")


@contextlib.contextmanager
def thread_server(settings: Settings, port: int | None = None) -> Iterator[str]:
    """The app from the factory under uvicorn in a thread; yields its base URL.

    Give ``port`` when the data must know the server's URL beforehand (a base IRI served here).
    """
    port = port or free_port()
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url)
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextlib.contextmanager
def cli_server(*args: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """``graphsvc serve ARGS`` as a subprocess; yields its base URL and stops it afterwards.

    The server's output goes to a temporary file, not a pipe: a pipe nobody reads fills up with
    the access log after a few thousand requests and blocks the server.
    """
    port = free_port()
    command = [sys.executable, "-m", "graphsvc", "serve", "--port", str(port), *args]
    with tempfile.TemporaryFile(mode="w+") as log:
        process = subprocess.Popen(
            command,
            env={**os.environ, **(env or {})},
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            try:
                wait_healthy(base_url, timeout=60)
            except RuntimeError:
                process.kill()
                process.wait()
                log.seek(0)
                raise RuntimeError(f"graphsvc serve failed:\n{log.read()}") from None
            yield base_url
        finally:
            stop(process)


def stop(process: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    """SIGTERM (a graceful stop), then SIGKILL if it has not ended in 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def child_pids(pid: int) -> list[int]:
    """The processes ``pid`` started that still exist (zombies included)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def small_settings(**overrides: object) -> Settings:
    """Settings that serve the small fixture dataset (paths given: triples in the default graph)."""
    values: dict[str, object] = {
        "paths": [FIXTURES / "small"],
        "queries_dir": FIXTURES / "queries",
        "query_workers": 3,
        "query_timeout": 5.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
