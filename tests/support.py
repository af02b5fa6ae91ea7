"""Helpers that serve the app: in this process without a socket (the web tier), or as real
servers on free ports of 127.0.0.1 (end to end)."""

from __future__ import annotations

import asyncio
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

import anyio.from_thread
import httpx
import uvicorn
from anyio.from_thread import BlockingPortal
from starlette.types import ASGIApp

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


# -- in process: the app without a socket ------------------------------------------------------

APP_URL = "http://testserver"


class _Lifespan:
    """The ASGI lifespan conversation a server has with the app, held on the portal's loop.

    The app's lifespan starts the service (it forks the query workers), so a client that skipped
    it would test an app that never serves.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.to_app: asyncio.Queue[dict[str, object]] = asyncio.Queue()
        self.from_app: asyncio.Queue[dict[str, object]] = asyncio.Queue()

    async def run(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        await self.app(scope, self.to_app.get, self.from_app.put)

    async def event(self, kind: str) -> None:
        await self.to_app.put({"type": f"lifespan.{kind}"})
        message = await self.from_app.get()
        if message["type"] != f"lifespan.{kind}.complete":
            raise RuntimeError(f"lifespan {kind} failed: {message.get('message', '')}")


class _PortalTransport(httpx.BaseTransport):
    """A sync httpx transport that hands each request to httpx.ASGITransport on the portal's loop.

    The body is read whole there: responses that never end (streams a client cancels) need a
    real server, and their tests are in tests/e2e.
    """

    def __init__(self, portal: BlockingPortal, app: ASGIApp) -> None:
        self.portal = portal
        self.asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.portal.call(self._handle, request)

    async def _handle(self, request: httpx.Request) -> httpx.Response:
        response = await self.asgi.handle_async_request(request)
        # Raw bytes: the client decodes Content-Encoding itself, as it does from a socket.
        body = b"".join([chunk async for chunk in response.aiter_raw()])
        return httpx.Response(
            response.status_code, headers=response.headers, stream=httpx.ByteStream(body)
        )


@contextlib.contextmanager
def app_client(settings: Settings) -> Iterator[httpx.Client]:
    """The app from the factory, in this process: lifespan run, requests through ASGI, no socket.

    An ``httpx.Client`` like the one a test would point at a server (no redirects followed),
    with its base URL set: tests ask for paths.
    """
    app = create_app(settings)
    with anyio.from_thread.start_blocking_portal() as portal:
        lifespan = portal.call(_new_lifespan, app)
        running = portal.start_task_soon(lifespan.run)
        portal.call(lifespan.event, "startup")
        try:
            transport = _PortalTransport(portal, app)
            with httpx.Client(transport=transport, base_url=APP_URL) as client:
                yield client
        finally:
            portal.call(lifespan.event, "shutdown")
            running.result(timeout=60)


async def _new_lifespan(app: ASGIApp) -> _Lifespan:
    return _Lifespan(app)  # its queues belong to the portal's loop


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


CORES = len(os.sched_getaffinity(0))
"""Server processes ``graphsvc serve`` runs by default."""


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (zombies included)."""
    found = child_pids(pid)
    for child in list(found):
        found += descendants(child)
    return found


def server_pids(root: int) -> set[int]:
    """The server processes below ``graphsvc serve``'s ``root`` (not the loader, not a dumps
    writer, not zombies): they name themselves graphsvc-server."""
    found = set()
    for pid in descendants(root):
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if name == "graphsvc-server" and state != "Z":
            found.add(pid)
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


@contextlib.contextmanager
def logged_server(
    *args: str, wait_for_servers: bool = True
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    """``graphsvc serve ARGS`` on a free port with its log in a file (tests read what the
    supervisor says); yields once it answers and, by default, once every server process serves
    (one per core, the default)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "serve.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "graphsvc", "serve", "--port", str(port), *args],
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            try:
                base_url = f"http://127.0.0.1:{port}"
                wait_healthy(base_url, timeout=60)
                deadline = time.monotonic() + 60
                while wait_for_servers and len(server_pids(process.pid)) < CORES:
                    assert time.monotonic() < deadline, log.read_text()
                    time.sleep(0.05)
                yield base_url, process, log
            finally:
                stop(process)
