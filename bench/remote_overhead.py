"""The remote engine's overhead: Virtuoso alone vs graphsvc (--engine remote) in front of it.

    python -m bench.remote_overhead --triples 1000000 --reps 20

Both are measured side by side in one run on the same Virtuoso and the same data: the benchmark's
graph, published with ``graphsvc load --to``; each query of the benchmark's mix is sent to
Virtuoso's /sparql directly and to graphsvc's /sparql, alternately, on kept-alive connections.
The result is each query's median latency on both and the geometric mean of the ratios (target:
at most 1.2). Virtuoso is the private instance the tests use (tests/remote/virtuoso.py), with a
buffer pool sized for the graph; graphsvc runs with its defaults.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from tests.remote.virtuoso import running_virtuoso
from tests.support import cli_server

from bench.generate import Layout, ensure
from bench.mix import mix
from graphsvc.load import discover
from graphsvc.publish import publish

HERE = Path(__file__).parent
RELEASE = "urn:graphsvc-bench:release"


def timed(conn: http.client.HTTPConnection, path: str, accept: str) -> tuple[float, int]:
    began = time.perf_counter()
    conn.request("GET", path, headers={"Accept": accept})
    response = conn.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - began
    if response.status != 200:
        raise RuntimeError(f"{path[:80]}: HTTP {response.status}: {body[:300]!r}")
    return elapsed, len(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    data, _info = ensure(args.triples, args.out / "data")
    queries = mix(Layout.for_size(args.triples))
    with (
        tempfile.TemporaryDirectory(prefix="bench-virtuoso-") as folder,
        running_virtuoso(Path(folder), buffers=170_000) as virtuoso,
    ):
        began = time.perf_counter()
        publish(discover([data], base_iri="https://w3id.org/graphsvc/"),
                virtuoso.config(RELEASE))
        loaded = time.perf_counter() - began
        print(f"published {data.name} to Virtuoso in {loaded:.1f} s", file=sys.stderr)
        serve = ["--engine", "remote", "--endpoint", virtuoso.sparql, "--release", RELEASE,
                 "--log-level", "warning"]  # fmt: skip
        with cli_server(*serve) as base:
            direct = http.client.HTTPConnection("127.0.0.1", virtuoso.http_port, timeout=120)
            front = urlsplit(base)
            proxied = http.client.HTTPConnection(front.hostname or "", front.port, timeout=120)
            rows = []
            for query in queries:
                dataset = [("query", query.text), ("default-graph-uri",
                           f"{RELEASE}/default-graph")]  # fmt: skip
                path_direct = "/sparql?" + urlencode(dataset)
                path_front = "/sparql?" + urlencode({"query": query.text})
                times: dict[str, list[float]] = {"virtuoso": [], "graphsvc-remote": []}
                for rep in range(args.reps + 1):
                    a, _ = timed(direct, path_direct, query.accept)
                    b, _ = timed(proxied, path_front, query.accept)
                    if rep:  # the first round warms both
                        times["virtuoso"].append(a)
                        times["graphsvc-remote"].append(b)
                v = statistics.median(times["virtuoso"])
                g = statistics.median(times["graphsvc-remote"])
                rows.append({"query": query.name, "virtuoso_ms": v * 1e3,
                             "graphsvc_remote_ms": g * 1e3, "ratio": g / v})  # fmt: skip
                print(f"{query.name:24} virtuoso {v * 1e3:9.2f} ms   graphsvc-remote "
                      f"{g * 1e3:9.2f} ms   x{g / v:.2f}", file=sys.stderr)  # fmt: skip
            direct.close()
            proxied.close()
    geomean = math.exp(statistics.fmean(math.log(r["ratio"]) for r in rows))
    result = {"triples": args.triples, "reps": args.reps, "load_seconds": loaded,
              "queries": rows, "geomean_ratio": geomean}  # fmt: skip
    out = args.out / f"remote-overhead-{args.triples}.json"
    out.write_text(json.dumps(result, indent=1))
    print(f"geomean graphsvc-remote / virtuoso: x{geomean:.3f} ({out})")


if __name__ == "__main__":
    main()
