"""The benchmark driver: every system, every measurement, on the same data, in one run.

    python -m bench.driver --scales 100000,1000000,10000000 --results bench/RESULTS.md

For each scale it generates (or reuses) the graph, measures the engine floor (pyoxigraph
in-process: its bulk load, memory and per-query time) and then each HTTP system in turn, alone on
the machine: time from process start to the first answer to ``ASK {}``, the process tree's memory
(PSS and RSS) when ready and after the run and its peak, per-query latency run sequentially (the
fixed-answer servers: their round trip), and throughput at 1, 8 and 32 concurrent clients. When
Virtuoso is installed, a private one is started and bulk-loaded with the same file, measured
directly and with ``graphsvc --engine remote`` in front of it; when it is not, the report says
so. Results go to ``<out>/results-<triples>.json`` and, all scales together, to the Markdown
report.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.generate import Layout, ensure
from bench.measure import CAP_SECONDS, MemorySampler, count_results, load, sample, tree_memory
from bench.mix import THROUGHPUT_QUERIES, Query, mix
from bench.report import write_report
from bench.systems import Attached, Running, Server, System, remote_systems, systems

HERE = Path(__file__).parent
COUNT = "/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20%7B%3Fs%20%3Fp%20%3Fo%7D"


@dataclass
class Options:
    out: Path
    reps: int
    budget: float
    duration: float
    clients: list[int]
    load_tool: str
    rdflib_max: int
    cache_max: int
    ready_timeout: float
    virtuoso: str


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


def _query_once(holder: list[Server], query: Query, data: Path, opts: Options, log: Path):  # type: ignore[no-untyped-def]
    """A run_once for ``sample``, and the first answer's count kept in ``seen``."""
    seen: dict[str, object] = {}

    def once() -> float | None:
        server = holder[0]
        began = time.perf_counter()
        answer = server.get(server.system.path_for(query), query.accept)
        took = time.perf_counter() - began
        if answer is None or (answer[0] == 503 and took >= CAP_SECONDS - 1):
            if server.system.kind == "peer":
                # rdflib-endpoint cannot stop a query: restart it so the next one has the CPU.
                server.stop()
                holder[0] = Running(server.system, data, log, opts.ready_timeout)
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


def _roundtrip(server: Server, opts: Options) -> list[float]:
    """The sequential round trip of a fixed answer, on the client the queries are sent with."""

    def once() -> float | None:
        began = time.perf_counter()
        answer = server.get(server.system.ready_path, "application/sparql-results+json")
        took = time.perf_counter() - began
        return None if answer is None or answer[0] != 200 else took

    # Cheap: many samples, so that the median subtracted from graphsvc's is steady.
    return sample(once, reps=max(100, opts.reps * 20), budget=opts.budget).samples


def measure(holder: list[Server], data: Path, queries: list[Query], opts: Options) -> dict:
    """Everything measured on a started system; it is stopped at the end."""
    system = holder[0].system
    log = opts.out / f"{system.name}.log"
    first = holder[0]
    out: dict = {
        "kind": system.kind,
        "about": system.about,
        "command": system.shown(),
        "ready_seconds": first.ready_seconds,
        "settled_seconds": first.settled_seconds,
        "settled": first.settled,
        "settles": system.settle_path is not None,
        "memory_ready": asdict(first.memory_ready),
        "memory_settled": asdict(first.memory_settled),
    }
    if system.roundtrip:
        out["roundtrip"] = _roundtrip(first, opts)
    elif system.latency:
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
    # Resident memory after every measurement; the peak also counts the load (and graphsvc's
    # dump writer), sampled every 0.5 s.
    out["memory_at_end"] = asdict(tree_memory(holder[0].pid))
    out["peak_memory"] = holder[0].stop()
    return out


def run_system(system: System, data: Path, queries: list[Query], opts: Options) -> dict:
    log = opts.out / f"{system.name}.log"
    holder: list[Server] = [Running(system, data, log, opts.ready_timeout)]
    try:
        out = measure(holder, data, queries, opts)
    except BaseException:
        holder[0].stop()  # never left running behind a failure
        raise
    if system.restart:
        # Started again on what the first start left on disk (graphsvc --store): an open.
        again = Running(system, data, log, opts.ready_timeout)
        answer = again.get(COUNT, "application/sparql-results+json")
        again.stop()
        count = None
        if answer is not None and answer[0] == 200:
            count = int(json.loads(answer[2])["results"]["bindings"][0]["n"]["value"])
        out["restart"] = {"ready_seconds": again.ready_seconds, "triples": count}
    for arg in system.args:  # an on-disk store made for this system only
        if "{data}" in arg:
            subprocess.run(["rm", "-rf", arg.replace("{data}", str(data))], check=True)
    return out


def _failure(error: Exception, log: Path) -> str:
    """The error and the last line of the system's log (what it said as it stopped)."""
    lines = log.read_text(errors="replace").strip().splitlines() if log.exists() else []
    return f"{error}" + (f" (its log ends: {lines[-1][:300]})" if lines else "")


def virtuoso_missing() -> str | None:
    """Why the Virtuoso rows cannot run here, or None."""
    missing = [name for name in ("virtuoso-t", "isql-vt") if shutil.which(name) is None]
    if not missing:
        return None
    return (f"Virtuoso is not installed ({' and '.join(missing)} not found): `make virtuoso` "
            "installs Debian's virtuoso-opensource")  # fmt: skip


def run_remote(
    data: Path, triples: int, queries: list[Query], opts: Options, failed: dict[str, str]
) -> dict:
    """A private Virtuoso bulk-loaded with the file: measured directly, then graphsvc
    --engine remote in front of it (tests/remote/virtuoso.py and bench/remote_overhead.py)."""
    from tests.remote.virtuoso import running_virtuoso

    from bench.remote_overhead import RELEASE, load_with_bulk_loader, virtuoso_for
    from graphsvc.store.remote.release import default_graph_iri

    found: dict = {}
    settings = virtuoso_for(triples)
    with tempfile.TemporaryDirectory(prefix="virtuoso-", dir=opts.out) as folder:
        began = time.perf_counter()
        with running_virtuoso(Path(folder), **settings) as virtuoso:
            started = time.perf_counter() - began
            # Virtuoso's own bulk loader into the release's graph, then the release manifest
            # graphsvc --engine remote reads (bench/remote_overhead.py).
            loaded = load_with_bulk_loader(data, virtuoso)
            ready = time.perf_counter() - began
            direct, front = remote_systems(
                virtuoso.sparql, default_graph_iri(RELEASE), RELEASE
            )
            _log(f"{triples}: virtuoso (started in {started:.1f} s, loaded in "
                 f"{loaded['seconds']:.1f} s)")  # fmt: skip
            server = Attached(direct, virtuoso.http_port, virtuoso.process.pid, ready)
            try:
                found[direct.name] = measure([server], data, queries, opts)
            finally:
                server.stop()
            found[direct.name].update(
                start_seconds=started, load_seconds=loaded["seconds"], load_how=loaded["how"],
                settings=settings,
            )  # fmt: skip
            _log(f"{triples}: {front.name}")
            try:
                found[front.name] = run_system(front, data, queries, opts)
            except Exception as error:
                failed[front.name] = _failure(error, opts.out / f"{front.name}.log")
                _log(f"{triples}: {front.name} failed: {error}")
    return found


def run_scale(triples: int, opts: Options) -> dict:
    data, info = ensure(triples, opts.out / "data")
    queries = mix(Layout.for_size(triples))
    # The machine is shared: its load around the run says how much the numbers can be trusted.
    result: dict = {"triples": info["written"], "layout": info, "systems": {}, "skipped": {},
                    "load_average_start": os.getloadavg(),
                    "settings": {"reps": opts.reps, "budget": opts.budget,
                                 "duration": opts.duration}}  # fmt: skip
    _log(f"{triples}: floor (pyoxigraph in-process)")
    result["floor"] = run_floor(data, triples, opts)
    include_rdflib = triples <= opts.rdflib_max
    if not include_rdflib:
        result["skipped"]["rdflib"] = (
            "graphsvc-rdflib and rdflib-endpoint are not run at this scale (`--rdflib-max`): "
            "loading it into rdflib would take tens of GB and most of an hour"
        )
    result["failed"] = {}
    include_cache = triples <= opts.cache_max
    if not include_cache:
        result["skipped"]["cache"] = (
            "graphsvc-cached is not run at this scale (`--cache-max`): a warm cache answers "
            "from memory whatever the data's size, and one more load of it costs minutes"
        )
    for system in systems(include_rdflib=include_rdflib, include_cache=include_cache):
        _log(f"{triples}: {system.name}")
        try:
            result["systems"][system.name] = run_system(system, data, queries, opts)
        except Exception as error:
            # A system that does not start (or stops) is reported, and the others still run.
            result["failed"][system.name] = _failure(error, opts.out / f"{system.name}.log")
            _log(f"{triples}: {system.name} failed: {error}")
    missing = "not run (--virtuoso off)" if opts.virtuoso == "off" else virtuoso_missing()
    if missing is None:
        try:
            remote = run_remote(data, triples, queries, opts, result["failed"])
            result["systems"].update(remote)
        except Exception as error:
            result["failed"]["virtuoso"] = _failure(error, opts.out / "graphsvc-remote.log")
            _log(f"{triples}: the Virtuoso rows failed: {error}")
    else:
        _log(f"{triples}: Virtuoso rows skipped: {missing}")
        result["skipped"]["virtuoso"] = f"virtuoso and graphsvc-remote: {missing}"
    if "graphsvc-disk" in result["systems"]:
        restart = result["systems"]["graphsvc-disk"]["restart"]
        result["startup"] = {
            "first_ready_seconds": result["systems"]["graphsvc-disk"]["ready_seconds"],
            "startup_seconds": restart["ready_seconds"],
            "triples_after_restart": restart["triples"],
        }
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
    parser.add_argument("--reps", type=int, default=10, help="latency samples per query")
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per query's samples")
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per load level")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--load-tool", choices=["auto", "wrk", "httpx"], default="auto")
    parser.add_argument(
        "--rdflib-max", default="1m", help="largest scale the rdflib-based systems run at"
    )
    parser.add_argument(
        "--cache-max", default="1m", help="largest scale the result-cache row runs at"
    )
    parser.add_argument("--ready-timeout", type=float, default=1800.0)
    parser.add_argument(
        "--virtuoso", choices=["auto", "off"], default="auto",
        help="auto: the Virtuoso rows when it is installed (the report says why not otherwise)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    opts = Options(
        out=args.out,
        reps=args.reps,
        budget=args.budget,
        duration=args.duration,
        clients=[int(c) for c in args.clients.split(",")],
        load_tool=args.load_tool,
        rdflib_max=parse_scale(args.rdflib_max),
        cache_max=parse_scale(args.cache_max),
        ready_timeout=args.ready_timeout,
        virtuoso=args.virtuoso,
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
