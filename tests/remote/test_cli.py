"""The command line over Virtuoso: `graphsvc load --to` and `graphsvc serve --engine remote`."""

from __future__ import annotations

import contextlib
import hashlib
import os
import pty
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from graphsvc.load import discover
from tests.remote.virtuoso import Virtuoso
from tests.support import CORES, FIXTURES, cli_server, free_port, server_pids

RELEASE = "urn:graphsvc-test:cli"
Done = subprocess.CompletedProcess[str]


def graphsvc(*args: str, env: dict[str, str], stderr: int = subprocess.PIPE) -> Done:
    return subprocess.run(
        [sys.executable, "-m", "graphsvc", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        timeout=120,
    )


def load_args(virtuoso: Virtuoso, *extra: str) -> list[str]:
    return [
        "load", str(FIXTURES / "small"), "--to", virtuoso.sparql_auth,
        "--graph-store", virtuoso.graph_store, "--release", RELEASE, "--no-validate", *extra,
    ]  # fmt: skip


def test_load_to_publishes_with_credentials_from_the_environment(virtuoso: Virtuoso) -> None:
    done = graphsvc(*load_args(virtuoso), env=virtuoso.env())
    assert done.returncode == 0, done.stderr
    assert "published 14 triples in 2 named graphs" in done.stdout
    # Not on a terminal: the summary only, no progress lines.
    assert done.stderr == ""
    assert virtuoso.password not in done.stdout + done.stderr
    counts = virtuoso.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{RELEASE}/default-graph> {{ ?s ?p ?o }} }}"
    )
    assert counts == [{"n": "11"}]


def test_load_to_shows_progress_on_a_terminal(virtuoso: Virtuoso) -> None:
    leader, follower = pty.openpty()
    try:
        done = graphsvc(*load_args(virtuoso, "--chunk", "4"), env=virtuoso.env(), stderr=follower)
        os.close(follower)
        follower = -1
        shown = b""
        with contextlib.suppress(OSError):
            while chunk := os.read(leader, 65536):
                shown += chunk
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert done.returncode == 0
    text = shown.decode()
    assert "uploading graph 1/3" in text
    # The default graph's 11 triples go in three requests of at most 4.
    assert f"uploading graph 3/3: <{RELEASE}/default-graph>: 8/11 triples sent" in text
    assert "comparing with what the store serves" in text
    assert "switching 3 graphs" in text


def test_load_to_batched_switches_in_steps(virtuoso: Virtuoso) -> None:
    done = graphsvc(*load_args(virtuoso, "--batched", "--chunk", "5"), env=virtuoso.env())
    assert done.returncode == 0, done.stderr
    assert "published 14 triples in 2 named graphs" in done.stdout
    counts = virtuoso.select(
        f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{RELEASE}/default-graph> {{ ?s ?p ?o }} }}"
    )
    assert counts == [{"n": "11"}]


def test_load_to_without_credentials_fails_clearly(virtuoso: Virtuoso) -> None:
    done = graphsvc(*load_args(virtuoso), env={"GRAPHSVC_REMOTE_USER": ""})
    assert done.returncode == 1
    assert "graphsvc: error:" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_remote_answers_like_the_local_engine(virtuoso: Virtuoso) -> None:
    published = graphsvc(*load_args(virtuoso), env=virtuoso.env())
    version = published.stdout.split("release ")[1].split()[0]
    args = ["--engine", "remote", "--endpoint", virtuoso.sparql_auth, "--release", RELEASE]
    with cli_server(*args, env=virtuoso.env()) as base:
        ready = httpx.get(f"{base}/ready").json()
        assert ready == {"ready": True, "triples": 14, "graphs": 3, "version": version}
        names = httpx.get(
            f"{base}/sparql",
            params={"query": "SELECT ?n WHERE { ?s <http://xmlns.com/foaf/0.1/name> ?n }"},
            headers={"Accept": "text/csv"},
        )
        assert sorted(names.text.splitlines()[1:]) == sorted(
            ["Alice", "Bob", '"Carol, ""the"" third"']
        )
    # The release's version is the digest `graphsvc serve` reports for the same files.
    digest = hashlib.sha256()
    for source in discover([FIXTURES / "small"], base_iri="https://w3id.org/graphsvc/"):
        digest.update(source.path.read_bytes())
    assert version == digest.hexdigest()[:16]


def test_serve_remote_with_no_store_exits_with_a_message() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/sparql"
    done = graphsvc(
        "serve", "--engine", "remote", "--endpoint", endpoint, "--port", str(free_port()), env={}
    )
    assert done.returncode == 2
    assert "cannot be reached" in done.stderr
    assert "Traceback" not in done.stderr


def test_serve_remote_needs_an_endpoint() -> None:
    port = str(free_port())
    done = graphsvc(
        "serve", "--engine", "remote", "--port", port, env={"GRAPHSVC_REMOTE_ENDPOINT": ""}
    )
    assert done.returncode == 2
    assert "--endpoint" in done.stderr


class Proxy:
    """A TCP relay to the store, which the test can cut: the store 'goes away'."""

    def __init__(self, port: int) -> None:
        self.target = port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                upstream = socket.create_connection(("127.0.0.1", self.target))
                self.sockets += [client, upstream]
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def close(self) -> None:
        # close() alone leaves a listener that a thread is blocked accepting on still accepting
        # (Linux); shutdown() stops it and wakes the thread.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@contextlib.contextmanager
def proxy_to(virtuoso: Virtuoso) -> Iterator[Proxy]:
    relay = Proxy(virtuoso.http_port)
    try:
        yield relay
    finally:
        relay.close()


def test_a_store_that_goes_away_gives_502_not_500(virtuoso: Virtuoso, tmp_path: Path) -> None:
    graphsvc(*load_args(virtuoso), env=virtuoso.env())
    with proxy_to(virtuoso) as relay:
        endpoint = f"http://127.0.0.1:{relay.port}/sparql-auth"
        args = ["--engine", "remote", "--endpoint", endpoint, "--release", RELEASE]
        with cli_server(*args, env=virtuoso.env()) as base:
            query = {"query": "ASK { ?s ?p ?o }", "format": "json"}
            assert httpx.get(f"{base}/sparql", params=query).json()["boolean"] is True
            relay.close()
            gone = httpx.get(f"{base}/sparql", params=query)
            assert gone.status_code == 502
            error = gone.json()["error"]
            assert error["type"] == "remote-store"
            assert "remote SPARQL store" in error["message"]
            assert httpx.get(f"{base}/health").status_code == 200


def _server_processes(supervisor: int) -> set[int]:
    """Every server process, once all have started (one per core)."""
    deadline = time.monotonic() + 30
    while len(found := server_pids(supervisor)) < CORES:
        assert time.monotonic() < deadline, "the server processes did not all start"
        time.sleep(0.05)
    return found


def _cmdline(entry: Path) -> bytes:
    try:
        return (entry / "cmdline").read_bytes()
    except OSError:
        return b""


def test_serve_remote_stops_a_query_that_overruns(virtuoso: Virtuoso) -> None:
    """The remote engine's queries are sent from the event loop (loop_executor.py): one past its
    limit gets 503 at the limit and its connection to the store is closed (the unit test in
    test_http.py checks that); nothing runs away, so the same server process goes on serving."""
    graphsvc(*load_args(virtuoso), env=virtuoso.env())
    args = ["--engine", "remote", "--endpoint", virtuoso.sparql_auth, "--release", RELEASE,
            "--query-timeout", "1"]  # fmt: skip
    patterns = " . ".join(f"?s{i} ?p{i} ?o{i}" for i in range(9))  # 14^9 solutions
    with cli_server(*args, env=virtuoso.env()) as base:
        port = base.rsplit(":", 1)[1].encode()
        supervisor = next(
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit()
            and b"graphsvc.server.supervisor" in (cmdline := _cmdline(entry)).split(b"\0")
            and port in cmdline.split(b"\0")
        )
        first = _server_processes(supervisor)
        started = time.monotonic()
        slow = httpx.get(
            f"{base}/sparql", params={"query": f"SELECT (COUNT(*) AS ?n) {{ {patterns} }}"},
            timeout=30,
        )  # fmt: skip
        assert slow.status_code == 503
        assert slow.json()["error"]["type"] == "query-timeout"
        assert time.monotonic() - started < 3
        ask = httpx.get(f"{base}/sparql", params={"query": "ASK { ?s ?p ?o }", "format": "json"})
        assert ask.json()["boolean"] is True
        time.sleep(1.0)  # a replacement would have been started by now
        assert _server_processes(supervisor) == first
        busy = sum(_cpu_ticks(pid) for pid in first)
        time.sleep(1.0)
        # Idle: no thread is left waiting on the store.
        assert sum(_cpu_ticks(pid) for pid in first) - busy < 20


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime
