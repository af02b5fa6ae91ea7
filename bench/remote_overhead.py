"""The remote engine's overhead: Virtuoso alone vs graphsvc (--engine remote) in front of it.

    make bench-remote                                  # this, bench/remote_publish.py, the report
    python -m bench.remote_overhead --triples 1000000 --reps 30 [--load bulk]

One run, one private Virtuoso (tests/remote/virtuoso.py, with a buffer pool and transaction
limits sized for the graph), the benchmark's graph (bench/generate.py) loaded into it either with
``graphsvc load --to`` (the default) or with Virtuoso's own bulk loader (``--load bulk``:
isql ``ld_dir`` + ``rdf_loader_run()``, then the release manifest). ``graphsvc serve --engine
remote`` runs in front of Virtuoso's anonymous ``/sparql`` with its defaults (so queries are
sent from the event loop of one server process under its supervisor: ``--query-isolation auto``;
``--isolation process`` measures forked query workers instead), and ``--queries bench/queries``
for the named query.

Each query of the benchmark's mix (bench/mix.py) is then sent, in turn, to four targets on
kept-alive connections: Virtuoso's ``/sparql`` directly, Virtuoso again from a plain
``http.client`` connection, the floor (bench/remote_floor.py: uvicorn and graphsvc's store client
forwarding the same request, nothing else), and graphsvc's ``/sparql`` (the named query at
``/queries/...``). The
order rotates every round, the first rounds warm everything up, and each target's median over
``--reps`` rounds is its latency; the ratio graphsvc / Virtuoso per query and their geometric
mean are the result (target: at most 1.2).

Why two Virtuoso targets: Virtuoso writes an answer in several pieces without TCP_NODELAY, so
the last piece waits for the client's acknowledgement, which Linux delays up to 40 ms. A plain
client measures 60 ms for a 30 KB answer that Virtuoso has ready in 15. graphsvc's own client
acknowledges at once (``sockets.quick_ack``), so the fair baseline is a direct client that
does the same: "virtuoso" below. The plain client's numbers ("virtuoso-plain") are shown to make
the difference visible; the target is computed against the stricter baseline.

``--profile`` adds where graphsvc's time goes (see ``bench/remote_profile.py``). Results go to
``<out>/remote-overhead-<triples>.json``; ``python -m bench.remote_report`` writes them into
bench/RESULTS-remote.md.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tests.remote.virtuoso import Virtuoso, running_virtuoso
from tests.support import free_port

from bench.generate import Layout, ensure
from bench.mix import QUERIES_DIR, Query, mix
from bench.report import geomean
from graphsvc.store.remote.publish import manifest_operation, remote_update
from graphsvc.store.remote.release import default_graph_iri
from graphsvc.store.remote.sockets import quick_ack

HERE = Path(__file__).parent
RELEASE = "urn:graphsvc-bench:release"


def virtuoso_for(triples: int) -> dict[str, int]:
    """Virtuoso settings for a graph of this size: ~1.3 KB of cache per triple (at least the
    test default), and transaction limits that let ``load --to`` switch it atomically."""
    return {
        "buffers": max(20_000, triples // 6),
        "after_image": max(50_000_000, triples * 500),
        "max_seconds": 600,
    }


class Target:
    """One kept-alive HTTP/1.1 connection that times a GET and counts the answer."""

    def __init__(self, base: str, quick: bool) -> None:
        parts = urlsplit(base)
        self.host, self.port, self.quick = parts.hostname or "", parts.port or 80, quick
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str, accept: str) -> tuple[float, bytes, str]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
            self.conn.connect()
        conn = self.conn
        began = time.perf_counter()
        conn.request("GET", path, headers={"Accept": accept})
        if self.quick:
            quick_ack(conn.sock)
        response = conn.getresponse()
        parts = []
        while True:
            if self.quick:
                quick_ack(conn.sock)
            if not (data := response.read1(1 << 16)):
                break
            parts.append(data)
        response.close()
        elapsed = time.perf_counter() - began
        body = b"".join(parts)
        if response.status != 200:
            raise RuntimeError(f"{path[:100]}: HTTP {response.status}: {body[:300]!r}")
        return elapsed, body, response.getheader("content-type", "")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def count(body: bytes, content_type: str) -> int:
    """Solutions (ASK: 1 for true) or triples in an answer, to check both sides agree."""
    if "json" in content_type:
        data = json.loads(body)
        return int(bool(data["boolean"])) if "boolean" in data else len(data["results"]["bindings"])
    lines = (line.strip() for line in body.splitlines())
    return sum(1 for line in lines if line and not line.startswith(b"#"))


def load_with_graphsvc(data: Path, virtuoso: Virtuoso, python: list[str]) -> dict[str, object]:
    command = [
        *python, "-m", "graphsvc", "load", str(data), "--to", virtuoso.sparql_auth,
        "--graph-store", virtuoso.graph_store, "--release", RELEASE, "--no-validate",
    ]  # fmt: skip
    began = time.perf_counter()
    done = subprocess.run(
        command, env={**os.environ, **virtuoso.env()}, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(f"graphsvc load --to failed:\n{done.stdout}\n{done.stderr}")
    return {"how": "graphsvc load --to", "seconds": time.perf_counter() - began,
            "summary": done.stdout.strip()}  # fmt: skip


def load_with_bulk_loader(data: Path, virtuoso: Virtuoso) -> dict[str, object]:
    """Virtuoso's own bulk loader into the release's default graph, then the manifest."""
    began = time.perf_counter()
    shutil.copy(data, virtuoso.folder / data.name)  # the loader reads only from DirsAllowed
    holder = default_graph_iri(RELEASE)
    virtuoso.isql(f"ld_dir('{virtuoso.folder}', '{data.name}', '{holder}');")
    virtuoso.isql("rdf_loader_run();", timeout=3600)
    virtuoso.isql("checkpoint;", timeout=600)
    config = virtuoso.config(RELEASE)
    client = config.client(config.update_timeout)
    remote_update(config, client, manifest_operation(RELEASE, "bulk", holder, []))
    client.close()
    (virtuoso.folder / data.name).unlink()
    return {"how": "Virtuoso bulk loader (ld_dir + rdf_loader_run)",
            "seconds": time.perf_counter() - began}  # fmt: skip


@contextmanager
def graphsvc_server(
    virtuoso: Virtuoso,
    python: list[str],
    log: Path,
    src: Path | None = None,
    isolation: str = "auto",
) -> Iterator[str]:
    """``graphsvc serve --engine remote`` (from another source tree: ``src``)."""
    port = free_port()
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")])
    command = [
        *python, "-m", "graphsvc", "serve", "--engine", "remote", "--endpoint", virtuoso.sparql,
        "--release", RELEASE, "--queries", str(QUERIES_DIR), "--port", str(port),
        "--log-level", "warning",
    ]  # fmt: skip
    if isolation != "auto":
        command += ["--query-isolation", isolation]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base, "/ready", 120)
        # It writes its dumps in the background when it starts, reading the whole release from
        # Virtuoso (minutes at 1M triples): measure after, so they compete with nothing.
        wait_for(base, "/dumps?format=json", 1800)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def floor_server(virtuoso: Virtuoso, python: list[str], log: Path) -> Iterator[str]:
    """The floor (bench/remote_floor.py): uvicorn and graphsvc's store client, nothing else."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*python, "-m", "bench.remote_floor", str(port), virtuoso.sparql],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base, "/?" + urlencode({"query": "ASK {}"}), 60)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_for(base: str, path: str, seconds: float) -> None:
    parts = urlsplit(base)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
            conn.request("GET", path)
            response = conn.getresponse()
            status, body = response.status, response.read()
            conn.close()
            if status == 200:
                return
            if b"could not be written" in body:
                raise RuntimeError(f"{base}{path}: {body[:500]!r}")
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{base}{path} did not answer 200 within {seconds} s")


def paths(query: Query) -> dict[str, str]:
    direct = "/sparql?" + urlencode(
        [("query", query.text), ("default-graph-uri", default_graph_iri(RELEASE))]
    )
    front = (
        f"/queries/{query.named}?" + urlencode(query.params)
        if query.named
        else "/sparql?" + urlencode({"query": query.text})
    )
    return {"virtuoso": direct, "virtuoso-plain": direct, "graphsvc": front,
            "graphsvc-before": front, "floor": direct}  # fmt: skip


def measure(
    queries: list[Query], targets: dict[str, Target], reps: int, warmup: int
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for query in queries:
        where = paths(query)
        times: dict[str, list[float]] = {name: [] for name in targets}
        counts: dict[str, int] = {}
        order = list(targets)
        for round_ in range(warmup + reps):
            order = order[1:] + order[:1]  # each target first, second and last in turn
            for name in order:
                elapsed, body, media = targets[name].get(where[name], query.accept)
                if round_ >= warmup:
                    times[name].append(elapsed)
                counts[name] = count(body, media)
        medians = {name: statistics.median(samples) for name, samples in times.items()}
        rows.append({
            "query": query.name, "kind": query.kind, "counts": counts,
            "ms": {name: value * 1e3 for name, value in medians.items()},
            "p90_ms": {name: sorted(s)[int(0.9 * (len(s) - 1))] * 1e3 for name, s in times.items()},
            "ratio": medians["graphsvc"] / medians["virtuoso"],
            "ratio_plain": medians["graphsvc"] / medians["virtuoso-plain"],
            **({"ratio_before": medians["graphsvc-before"] / medians["virtuoso"]}
               if "graphsvc-before" in medians else {}),
            **({"ratio_floor": medians["floor"] / medians["virtuoso"]}
               if "floor" in medians else {}),
        })  # fmt: skip
        shown = "  ".join(f"{name} {value * 1e3:8.2f} ms" for name, value in medians.items())
        print(f"{query.name:11} {shown}  x{rows[-1]['ratio']:.2f}", file=sys.stderr, flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--load", choices=["graphsvc", "bulk"], default="graphsvc")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--label", default="", help="Suffix of the result file (before/after).")
    parser.add_argument(
        "--compare-src", type=Path,
        help="Also measure graphsvc run from this src/ (the code before a change), side by side.",
    )  # fmt: skip
    parser.add_argument("--profile", action="store_true", help="Also measure where time goes.")
    parser.add_argument(
        "--isolation", choices=["auto", "thread", "process"], default="auto",
        help="graphsvc serve --query-isolation (auto: its default, the event loop here).",
    )  # fmt: skip
    args = parser.parse_args()
    # A stop request must still run the clean-ups below (they stop Virtuoso and graphsvc).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    python = [sys.executable]
    data, info = ensure(args.triples, args.out / "data")
    queries = mix(Layout.for_size(args.triples))
    started = time.time()
    load_average = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="bench-virtuoso-") as folder:
        settings = virtuoso_for(args.triples)
        with running_virtuoso(Path(folder), **settings) as virtuoso:
            if args.load == "bulk":
                loaded = load_with_bulk_loader(data, virtuoso)
            else:
                loaded = load_with_graphsvc(data, virtuoso, python)
            print(f"loaded {data.name}: {loaded}", file=sys.stderr, flush=True)
            log = args.out / f"graphsvc-remote{args.label}.log"
            with contextlib.ExitStack() as stack:
                base = stack.enter_context(
                    graphsvc_server(virtuoso, python, log, isolation=args.isolation)
                )
                floor = stack.enter_context(
                    floor_server(virtuoso, python, args.out / "remote-floor.log")
                )
                targets = {
                    "virtuoso": Target(virtuoso.base, quick=True),
                    "virtuoso-plain": Target(virtuoso.base, quick=False),
                    "floor": Target(floor, quick=True),
                    "graphsvc": Target(base, quick=True),
                }
                if args.compare_src:
                    before_log = args.out / f"graphsvc-remote-before{args.label}.log"
                    before = stack.enter_context(
                        graphsvc_server(
                            virtuoso, python, before_log, args.compare_src, args.isolation
                        )
                    )
                    targets["graphsvc-before"] = Target(before, quick=True)
                rows = measure(queries, targets, args.reps, args.warmup)
                profile = None
                if args.profile:
                    from bench.remote_profile import profile_remote

                    profile = profile_remote(virtuoso, base, queries, RELEASE)
                for target in targets.values():
                    target.close()
    result = {
        "triples": info.get("written", args.triples), "reps": args.reps, "warmup": args.warmup,
        "virtuoso_settings": settings, "isolation": args.isolation, "load": loaded,
        "queries": rows,
        "geomean_ratio": geomean([float(r["ratio"]) for r in rows]),  # type: ignore[arg-type]
        "geomean_ratio_plain": geomean([float(r["ratio_plain"]) for r in rows]),  # type: ignore[arg-type]
        "geomean_ratio_before": geomean([float(r["ratio_before"]) for r in rows])  # type: ignore[arg-type]
        if args.compare_src else None,
        "geomean_ratio_floor": geomean([float(r["ratio_floor"]) for r in rows]),  # type: ignore[arg-type]
        "profile": profile, "command": " ".join(["python -m bench.remote_overhead", *sys.argv[1:]]),
        "started": started, "seconds": time.time() - started,
        "load_average_start": load_average, "load_average_end": os.getloadavg(),
    }  # fmt: skip
    out = args.out / f"remote-overhead-{args.triples}{args.label}.json"
    out.write_text(json.dumps(result, indent=1))
    print(f"geomean graphsvc-remote / virtuoso: x{result['geomean_ratio']:.3f} "
          f"(against the plain client: x{result['geomean_ratio_plain']:.3f}); {out}")  # fmt: skip


if __name__ == "__main__":
    main()
