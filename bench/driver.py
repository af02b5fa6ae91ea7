"""The benchmark driver: every system, every measurement, on the same data, in one run.

    python -m bench.driver --scales 100000,1000000,10000000 --results bench/RESULTS.md

For each scale it generates (or reuses) the graph, measures the engine floor (pyoxigraph
in-process) and then each HTTP system in turn, alone on the machine: time to ready with the data
and with an empty file (their difference is the load time), per-query latency run sequentially,
throughput at 1, 8 and 32 concurrent clients, start-up on an existing on-disk store (graphsvc),
and the peak memory of the whole process tree. Results go to ``<out>/results-<triples>.json``
and, all scales together, to the Markdown report.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.generate import Layout, ensure
from bench.measure import (
    CAP_SECONDS,
    MemorySampler,
    count_results,
    load,
    sample,
    tree_pss_bytes,
)
from bench.mix import THROUGHPUT_QUERIES, Query, mix
from bench.report import write_report
from bench.systems import Running, System, systems

HERE = Path(__file__).parent


@dataclass
class Options:
    out: Path
    reps: int
    budget: float
    duration: float
    clients: list[int]
    load_tool: str
    rdflib_max: int
    http_workers: int
    ready_timeout: float


def _log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_floor(data: Path, triples: int, opts: Options) -> dict:
    store_dir = opts.out / f"floor-store-{triples}"
    subprocess.run(["rm", "-rf", str(store_dir)], check=True)
    command = [
        sys.executable, "-m", "bench.floor", str(data), "--triples", str(triples),
        "--reps", str(opts.reps), "--budget", str(opts.budget), "--store-dir", str(store_dir),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=HERE.parent)
    sampler = MemorySampler(process.pid)
    stdout, _ = process.communicate()
    peak = sampler.stop()
    if process.returncode:
        raise RuntimeError("the floor run failed")
    result: dict = json.loads(stdout)
    # A run shorter than the sampling interval (the smoke test's) may be sampled only as it
    # starts; the peak is at least what the floor measured itself once loaded.
    result["peak_memory"] = max(peak, result.get("memory_after_load", 0))
    began = time.perf_counter()
    opened = [sys.executable, "-m", "bench.floor", "--open", str(store_dir)]
    subprocess.run(opened, check=True, cwd=HERE.parent)
    result["startup_seconds"] = time.perf_counter() - began
    subprocess.run(["rm", "-rf", str(store_dir)], check=True)
    return result


def _query_once(holder: list[Running], query: Query, data: Path, opts: Options, log: Path):  # type: ignore[no-untyped-def]
    """A run_once for ``sample``, and the first answer's count kept in ``seen``."""
    seen: dict[str, object] = {}

    def once() -> float | None:
        running = holder[0]
        began = time.perf_counter()
        answer = running.get(running.system.path_for(query), query.accept)
        took = time.perf_counter() - began
        if answer is None or (answer[0] == 503 and took >= CAP_SECONDS - 1):
            if running.system.kind == "peer":
                # rdflib-endpoint cannot stop a query: restart it so the next one has the CPU.
                running.stop()
                holder[0] = Running(running.system, data, log, opts.ready_timeout)
            return None
        status, content_type, body = answer
        if status != 200:
            seen.setdefault("error", f"HTTP {status}: {body[:200]!r}")
            return took
        if "count" not in seen:
            try:
                seen["count"] = count_results(body, content_type)
            except ValueError as exc:
                seen["error"] = str(exc)
        return took

    return once, seen


def run_system(system: System, data: Path, empty: Path, queries: list[Query], opts: Options):  # type: ignore[no-untyped-def]
    log = opts.out / f"{system.name}.log"
    out: dict = {"kind": system.kind}
    measured = system.kind != "ceiling" and system.latency
    if measured:
        baseline = Running(system, empty, log, opts.ready_timeout)
        out["ready_empty_seconds"] = baseline.ready_seconds
        baseline.stop()
    holder = [Running(system, data, log, opts.ready_timeout)]
    out["ready_seconds"] = holder[0].ready_seconds
    out["settled_seconds"] = holder[0].settled_seconds
    if measured:
        out["load_seconds"] = out["ready_seconds"] - out["ready_empty_seconds"]
        out["queries"] = {}
        for query in queries:
            once, seen = _query_once(holder, query, data, opts, log)
            latency = sample(once, reps=opts.reps, budget=opts.budget)
            out["queries"][query.name] = {
                "samples": latency.samples,
                "timeouts": latency.timeouts,
                **seen,
            }
    out["throughput"] = {}
    by_name = {q.name: q for q in queries}
    for name in THROUGHPUT_QUERIES:
        query = by_name[name]
        url = holder[0].base + holder[0].system.path_for(query)
        holder[0].get(holder[0].system.path_for(query), query.accept)  # warms a result cache
        out["throughput"][name] = {
            str(n): asdict(load(url, query.accept, n, opts.duration, opts.load_tool))
            for n in opts.clients
        }
    # Resident memory once loaded and after every measurement (the peak also counts the load
    # and graphsvc's dump writer).
    out["memory_at_end"] = tree_pss_bytes(holder[0].process.pid)
    out["peak_memory"] = holder[0].stop()
    for arg in system.args:  # an on-disk store made for this system only
        if "{data}" in arg:
            subprocess.run(["rm", "-rf", arg.replace("{data}", str(data))], check=True)
    return out


def run_startup(data: Path, triples: int, opts: Options) -> dict:
    """graphsvc on an on-disk store: the first start loads it, the second only opens it."""
    store_dir = opts.out / f"graphsvc-store-{triples}"
    subprocess.run(["rm", "-rf", str(store_dir)], check=True)
    system = System("graphsvc-oxigraph-disk", "graphsvc", ["--store", str(store_dir)])
    log = opts.out / f"{system.name}.log"
    first = Running(system, data, log, opts.ready_timeout)
    first.stop()
    second = Running(system, data, log, opts.ready_timeout)
    answer = second.get("/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20%7B%3Fs%20%3Fp%20%3Fo%7D",
                        "application/sparql-results+json")  # fmt: skip
    second.stop()
    subprocess.run(["rm", "-rf", str(store_dir)], check=True)
    count = None
    if answer is not None and answer[0] == 200:
        count = int(json.loads(answer[2])["results"]["bindings"][0]["n"]["value"])
    return {
        "first_ready_seconds": first.ready_seconds,
        "startup_seconds": second.ready_seconds,
        "triples_after_restart": count,
    }


def run_scale(triples: int, opts: Options) -> dict:
    data, info = ensure(triples, opts.out / "data")
    empty = opts.out / "data" / "empty.nt"
    empty.write_text("<urn:bench:a> <urn:bench:b> <urn:bench:c> .\n")
    queries = mix(Layout.for_size(triples))
    # The machine is shared: its load around the run says how much the numbers can be trusted.
    result: dict = {"triples": info["written"], "layout": info, "systems": {},
                    "load_average_start": os.getloadavg()}  # fmt: skip
    _log(f"{triples}: floor (pyoxigraph in-process)")
    result["floor"] = run_floor(data, triples, opts)
    include_rdflib = triples <= opts.rdflib_max
    for system in systems(include_rdflib=include_rdflib, http_workers=opts.http_workers):
        _log(f"{triples}: {system.name}")
        result["systems"][system.name] = run_system(system, data, empty, queries, opts)
    _log(f"{triples}: graphsvc start-up on an on-disk store")
    result["startup"] = run_startup(data, triples, opts)
    result["queries"] = {q.name: {"kind": q.kind, "text": q.text} for q in queries}
    result["load_average_end"] = os.getloadavg()
    (opts.out / f"results-{triples}.json").write_text(json.dumps(result, indent=1))
    return result


def parse_scale(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="graphsvc benchmark")
    parser.add_argument("--scales", default="100k,1m,10m")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--reps", type=int, default=20, help="latency samples per query")
    parser.add_argument("--budget", type=float, default=5.0, help="seconds per query's samples")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per load level")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--load-tool", choices=["auto", "wrk", "httpx"], default="auto")
    parser.add_argument(
        "--rdflib-max", default="1m", help="largest scale the rdflib-based systems run at"
    )
    parser.add_argument("--http-workers", type=int, default=1)
    parser.add_argument("--ready-timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    opts = Options(
        out=args.out,
        reps=args.reps,
        budget=args.budget,
        duration=args.duration,
        clients=[int(c) for c in args.clients.split(",")],
        load_tool=args.load_tool,
        rdflib_max=parse_scale(args.rdflib_max),
        http_workers=args.http_workers,
        ready_timeout=args.ready_timeout,
    )
    opts.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    command = "python -m bench.driver " + shlex.join(argv if argv is not None else sys.argv[1:])
    results = []
    for scale in args.scales.split(","):
        results.append(run_scale(parse_scale(scale), opts))
        # Written after each scale, so a long run that is stopped keeps what it measured.
        seconds = time.perf_counter() - started
        write_report(results, args.results, command=command, seconds=seconds)
        _log(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
