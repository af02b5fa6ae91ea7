"""Small queries against their floor: graphsvc vs a bare ASGI round trip plus the engine's time.

Issue 18, item 2 asks that a point lookup, an ASK and a DESCRIBE cost at most 0.25 ms more over
HTTP than (a bare ASGI app's round trip + the engine's own time for the query), measured in the
same run. This script measures the three terms side by side:

- **bare**: a fixed answer from a three-line ASGI app, served by the same uvicorn and httptools
  (no access log: the least any server on this stack can cost);
- **engine**: pyoxigraph in this process, the query plus its serialisation to the format asked
  for (as bench/floor.py);
- **graphsvc**: ``graphsvc serve`` started as a user would.

Requests are sequential on one keep-alive connection per server (``http.client``); the systems
are interleaved round by round, so drift in the machine's load hits both alike, and the medians
of all rounds are reported. ``--spy SECONDS`` then records the serving process with py-spy
(``-f raw``, collapsed stacks) while point lookups run, for the breakdown.

    python -m bench.profile_small /tmp/perf/data1m.nt --rounds 5 --per-round 400
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox

from bench.generate import Layout
from bench.mix import Query, mix

SMALL = ("point", "ask", "describe")
BARE_APP = """
BODY = b'{"head":{"vars":[]},"boolean":true}'
HEADERS = [(b"content-type", b"application/sparql-results+json"),
           (b"content-length", str(len(BODY)).encode())]

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(port: int, path: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"nothing answered {path} on port {port} within {seconds:g} s")


def start_bare(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    (workdir / "bare_asgi.py").write_text(BARE_APP)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bare_asgi:app", "--port", str(port),
         "--http", "httptools", "--no-access-log", "--log-level", "warning"],
        cwd=workdir,
    )  # fmt: skip
    _wait_ready(port, "/", 30)
    return process, port


def start_graphsvc(
    data: Path, extra: list[str], workdir: Path, python: str, name: str
) -> tuple[subprocess.Popen[bytes], int]:
    """Its log goes to a file, as under a service manager (the access log is written)."""
    port = _free_port()
    log = (workdir / f"{name}.log").open("wb")
    process = subprocess.Popen(
        [python, "-m", "graphsvc", "serve", str(data), "--host", "127.0.0.1",
         "--port", str(port), "--no-validate", *extra],
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    _wait_ready(port, "/ready", 600)
    return process, port


def serving_pid(port: int) -> int:
    """The process holding a client's connection to ``port`` (under ``graphsvc serve``'s
    supervisor, the server process that answers, not the supervisor nor a standby)."""
    listing = subprocess.run(
        ["ss", "-Htnp", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    pids = re.findall(r"pid=(\d+)", listing)
    if not pids:
        raise SystemExit(f"no process holds a connection to port {port} (ss: {listing!r})")
    return int(pids[0])


class Client:
    """One keep-alive connection; ``get`` returns the seconds one request took."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port)

    def get(self, target: str, accept: str) -> float:
        began = time.perf_counter()
        self.conn.request("GET", target, headers={"Accept": accept})
        response = self.conn.getresponse()
        response.read()
        took = time.perf_counter() - began
        if response.status != 200:
            raise SystemExit(f"GET {target[:80]} answered {response.status}")
        return took


def engine_seconds(store: ox.Store, query: Query) -> float:
    began = time.perf_counter()
    result = store.query(query.text)
    if isinstance(result, ox.QueryTriples):
        result.serialize(format=ox.RdfFormat.N_TRIPLES)
    else:
        result.serialize(format=ox.QueryResultsFormat.JSON)
    return time.perf_counter() - began


def measure(
    queries: list[Query], store: ox.Store, clients: dict[str, Client], rounds: int, n: int
) -> dict[str, dict[str, float]]:
    """Medians (ms) per query and system; ``floor`` is bare + engine, ``over:<system>`` the rest."""
    samples: dict[str, dict[str, list[float]]] = {
        q.name: {name: [] for name in ["engine", *clients]} for q in queries
    }
    for _ in range(rounds):
        for query in queries:
            target = "/sparql?" + urllib.parse.urlencode({"query": query.text})
            for _ in range(n):
                for name, client in clients.items():
                    path = "/" if name == "bare" else target
                    samples[query.name][name].append(client.get(path, query.accept))
                samples[query.name]["engine"].append(engine_seconds(store, query))
    out = {}
    for query_name, by_system in samples.items():
        medians = {system: statistics.median(values) * 1e3 for system, values in by_system.items()}
        medians["floor"] = medians["bare"] + medians["engine"]
        for name in clients:
            if name != "bare":
                medians[f"over:{name}"] = medians[name] - medians["floor"]
        out[query_name] = medians
    return out


def spy(seconds: float, port: int, query: Query, out: Path) -> None:
    """py-spy the server process while one client repeats ``query`` as fast as it can."""
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    stop = threading.Event()
    done = [0]

    def hammer() -> None:
        client = Client(port)
        target = "/sparql?" + urllib.parse.urlencode({"query": query.text})
        while not stop.is_set():
            client.get(target, query.accept)
            done[0] += 1

    thread = threading.Thread(target=hammer, daemon=True)
    thread.start()
    time.sleep(0.5)
    pid = serving_pid(port)
    began, before = time.perf_counter(), done[0]
    subprocess.run(
        [py_spy, "record", "-p", str(pid), "-r", "1000", "-d", str(int(seconds)), "-f", "raw",
         "-o", str(out), "--nonblocking"],
        check=True,
    )  # fmt: skip
    requests, seconds = done[0] - before, time.perf_counter() - began
    stop.set()
    thread.join()
    each = seconds / requests * 1e3
    print(f"py-spy: {requests} requests in {seconds:.1f} s ({each:.3f} ms each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path, help="an N-Triples file from bench.generate")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=300)
    parser.add_argument("--spy", type=float, default=0.0, help="py-spy seconds (0: none)")
    parser.add_argument("--spy-system", default="graphsvc", help="which server to record")
    parser.add_argument("--spy-out", type=Path, default=Path("small-queries.raw"))
    parser.add_argument("--serve-arg", action="append", default=[], help="more serve options")
    parser.add_argument(
        "--compare", type=Path, action="append", default=[],
        help="another checkout (with its .venv) to serve and measure alongside, e.g. ../main",
    )  # fmt: skip
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/profile-small"))
    args = parser.parse_args()

    layout_file = args.data.with_suffix(".json")
    triples = json.loads(layout_file.read_text())["triples"] if layout_file.exists() else None
    if triples is None:
        raise SystemExit(f"{layout_file} (written by bench.generate) is needed for the layout")
    queries = [q for q in mix(Layout.for_size(triples)) if q.name in SMALL]
    args.workdir.mkdir(parents=True, exist_ok=True)

    store = ox.Store()
    store.bulk_load(path=args.data, format=ox.RdfFormat.N_TRIPLES)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        process, port = start_bare(args.workdir)
        processes.append(process)
        clients = {"bare": Client(port)}
        pythons = {"graphsvc": sys.executable}
        for checkout in args.compare:
            pythons[checkout.name] = str(checkout / ".venv" / "bin" / "python")
        ports = {}
        for name, python in pythons.items():
            process, ports[name] = start_graphsvc(
                args.data, args.serve_arg, args.workdir, python, name
            )
            processes.append(process)
            clients[name] = Client(ports[name])
        for query in queries:  # warm the servers and the engine
            target = "/sparql?" + urllib.parse.urlencode({"query": query.text})
            for _ in range(50):
                for name, client in clients.items():
                    client.get("/" if name == "bare" else target, query.accept)
                engine_seconds(store, query)
        result = measure(queries, store, clients, args.rounds, args.per_round)
        served = [name for name in clients if name != "bare"]
        print(f"{'query':10} {'bare':>7} {'engine':>7} {'floor':>7}"
              + "".join(f" {name[:12]:>12} {'over':>7}" for name in served))  # fmt: skip
        for query_name, m in result.items():
            print(
                f"{query_name:10} {m['bare']:7.3f} {m['engine']:7.3f} {m['floor']:7.3f}"
                + "".join(f" {m[name]:12.3f} {m['over:' + name]:7.3f}" for name in served)
            )
        print(json.dumps(result))
        if args.spy:
            point = next(q for q in queries if q.name == "point")
            spy(args.spy, ports[args.spy_system], point, args.spy_out)
            print(f"py-spy samples in {args.spy_out}")
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
