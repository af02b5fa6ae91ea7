"""The engine floor: pyoxigraph queried in-process, no HTTP, no graphsvc.

Run as a subprocess by the driver (so its memory is its own): bulk-loads the data into an
in-memory store, then times each query of the mix as the query plus pyoxigraph's own serialiser
to the format the HTTP systems are asked for (SPARQL JSON, N-Triples): that is the least work
any server built on this engine must do. Prints one JSON object.

``--open DIR`` instead measures nothing but opening an existing on-disk store and answering a
first query: the driver times the whole process, interpreter start included.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import pyoxigraph as ox

from bench.generate import Layout
from bench.measure import count_results, sample, tree_memory
from bench.mix import NTRIPLES, Query, mix


def _answer(store: ox.Store, query: Query) -> bytes:
    result = store.query(query.text)
    if isinstance(result, ox.QueryTriples):
        body = result.serialize(format=ox.RdfFormat.N_TRIPLES)
    else:
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
    assert body is not None
    return body


def run(data: Path, triples: int, reps: int, budget: float, store_dir: Path | None) -> dict:
    started = time.perf_counter()
    store = ox.Store()
    store.bulk_load(path=data, format=ox.RdfFormat.N_TRIPLES)
    load_seconds = time.perf_counter() - started
    # The bare store's resident memory: this process's PSS (and RSS, the same for one process).
    memory = tree_memory(os.getpid())
    out: dict = {"load_seconds": load_seconds, "triples": len(store), "queries": {},
                 "memory_after_load": memory.pss, "rss_after_load": memory.rss}  # fmt: skip
    for query in mix(Layout.for_size(triples)):
        body = _answer(store, query)
        media = NTRIPLES if query.returns_graph else "application/sparql-results+json"

        def once(query: Query = query) -> float:
            began = time.perf_counter()
            _answer(store, query)
            return time.perf_counter() - began

        latency = sample(once, reps=reps, budget=budget)
        out["queries"][query.name] = {
            "samples": latency.samples,
            "count": count_results(body, media),
        }
    if store_dir is not None:
        # An on-disk copy for the start-up measurement (the same bulk loader).
        began = time.perf_counter()
        disk = ox.Store(str(store_dir))
        disk.bulk_load(path=data, format=ox.RdfFormat.N_TRIPLES)
        disk.flush()
        out["disk_load_seconds"] = time.perf_counter() - began
        del disk
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, nargs="?")
    parser.add_argument("--triples", type=int, default=0)
    parser.add_argument("--reps", type=int, default=20)
    parser.add_argument("--budget", type=float, default=5.0)
    parser.add_argument("--store-dir", type=Path)
    parser.add_argument("--open", type=Path, help="open this on-disk store, answer ASK, exit")
    args = parser.parse_args()
    if args.open:
        store = ox.Store.read_only(str(args.open))
        assert bool(store.query("ASK { ?s ?p ?o }"))
        return
    json.dump(run(args.data, args.triples, args.reps, args.budget, args.store_dir), sys.stdout)


if __name__ == "__main__":
    main()
