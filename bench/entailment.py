"""The cost of RDFS entailment at scale: time and triples added, against the load it follows.

graphsvc materialises the closure of rdfs:subClassOf and rdfs:subPropertyOf into its own graph
on every load (src/graphsvc/entailment.py). The target (issue 14) is under 25% of the load time.
This loads the benchmark's synthetic claims graph with the project's ontology, as
``graphsvc serve FILE`` loads files, into an in-memory oxigraph store, then materialises the
closure; both are timed in the same run, several times, and the median ratio is reported.

Usage: ``python -m bench.entailment --scales 100k,1m`` (``make bench`` runs it at its scales).
Writes bench/RESULTS-entailment.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from bench.generate import ensure
from graphsvc.entailment import entailed_graph_iri, materialise
from graphsvc.load import discover
from graphsvc.namespaces import DEFAULT_BASE_IRI
from graphsvc.store.oxigraph import OxigraphStore

HERE = Path(__file__).resolve().parent
ONTOLOGY = HERE.parent / "ontology" / "graphsvc.ttl"
TARGET = 0.25
ANALYSIS = """## Where the time goes, and what would close the gap

The target is not met: entailment costs about twice the load itself, not a quarter of it.
The closure is large: the ontology maps nearly every class and property of a claim to schema.org,
PROV and its own superclasses, so every claim gains several triples (70% of the data's size is
added). Of the time, roughly half is the engine evaluating the two CONSTRUCT queries (a join of
the data with the closed hierarchies, and a NOT EXISTS check per derived triple, so nothing
asserted is repeated) and writing them as N-Triples; the other half is bulk-loading that output
back. Python does no per-triple work (`OxigraphStore.materialise`).

What would close it, by cost: (1) derive while loading, in the same pass as the bulk loader
(pyoxigraph has no hook for it today); (2) entail fewer properties, for example only the
mappings to vocabularies outside the project (the subproperties of `gs:` properties within the
ontology add the most); (3) answer general terms by rewriting queries instead of materialising
(backward chaining), which costs nothing at load but every query, and hides the entailed
triples from `GRAPH` queries that the issue asks to keep. `--no-entailment` (or
`GRAPHSVC_ENTAILMENT=false`) serves the asserted triples alone, at the load time above.
"""


def measure(data: Path) -> tuple[float, float, int, int]:
    """Load time, entailment time, triples loaded, triples entailed (one fresh store)."""
    store = OxigraphStore(None)
    started = time.perf_counter()
    loaded = 0
    for source in discover([ONTOLOGY, data], base_iri=DEFAULT_BASE_IRI):
        loaded += store.load(source)
    load_seconds = time.perf_counter() - started
    entailed = materialise(store, entailed_graph_iri(DEFAULT_BASE_IRI))
    return load_seconds, entailed.seconds, loaded, entailed.triples


def parse_scale(text: str) -> int:
    text = text.strip().lower()
    factor = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * factor)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="100k,1m")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS-entailment.md")
    args = parser.parse_args(argv)
    rows = []
    for scale in [parse_scale(s) for s in args.scales.split(",")]:
        data, _ = ensure(scale, args.out / "data")
        runs = [measure(data) for _ in range(args.runs)]
        load = statistics.median(r[0] for r in runs)
        entail = statistics.median(r[1] for r in runs)
        ratio = statistics.median(r[1] / r[0] for r in runs)
        loaded, added = runs[0][2], runs[0][3]
        rows.append((scale, loaded, added, load, entail, ratio))
        print(f"{scale}: load {load:.2f} s, entailment {entail:.2f} s (+{added} triples), "
              f"ratio {ratio:.3f}", flush=True)  # fmt: skip
    lines = [
        "# RDFS entailment at scale",
        "",
        f"Measured by `python -m bench.entailment` (bench/entailment.py), {args.runs} runs per",
        "scale, medians; in-memory oxigraph store, the synthetic claims graph plus the project's",
        f"ontology. Target: entailment under {TARGET:.0%} of the load time. Machine: "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.",
        "",
        "| scale | triples loaded | triples entailed | load | entailment | entailment / load | "
        "target met |",
        "|---|---|---|---|---|---|---|",
    ]
    for scale, loaded, added, load, entail, ratio in rows:
        lines.append(
            f"| {scale:,} | {loaded:,} | {added:,} | {load:.2f} s | {entail:.2f} s | "
            f"{ratio:.1%} | {'yes' if ratio < TARGET else 'no'} |"
        )
    lines += ["", ANALYSIS]
    args.results.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
