"""Publishing to Virtuoso at scale with ``graphsvc load --to``, and what readers see meanwhile.

    python -m bench.remote_publish --scales 100000,1000000

For each scale, on the benchmark's graph (bench/generate.py) and two edits of it, each step runs
``graphsvc load FILE --to ...`` (as a user would) while a reader asks Virtuoso, in a loop, how
many triples the graph holds and how many of them are edited ones. The three versions are told
apart by that pair: the original (N, 0), 1% of its triples replaced (N, N/100), every subject
renamed (N, N). A read that finds any other pair saw the graph half switched.

Two private Virtuosos: one with the transaction limits a large atomic switch needs
(``remote_overhead.virtuoso_for``), one with Virtuoso's defaults (50 MB of changes per
transaction, 60 s per request), where the atomic first publish of 1M triples is refused and
``--batched`` is the way. Results go to ``<out>/remote-publish.json`` for ``bench.remote_report``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from tests.remote.virtuoso import Virtuoso, running_virtuoso

from bench.generate import ensure
from bench.remote_overhead import RELEASE, virtuoso_for
from graphsvc.store.remote.release import default_graph_iri

HERE = Path(__file__).parent
ID = "https://w3id.org/graphsvc/id/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
PROBE = (
    "SELECT (COUNT(*) AS ?n) (SUM(IF(CONTAINS(STR(?s), '/id2/') || CONTAINS(STR(?s), '/edit/'),"
    f" 1, 0)) AS ?m) WHERE {{ GRAPH <{default_graph_iri(RELEASE)}> {{ ?s ?p ?o }} }}"
)


def variants(data: Path, folder: Path) -> dict[str, Path]:
    """The original and two edits, each as the one file a publish reads."""
    lines = data.read_bytes().splitlines(keepends=True)
    edited = list(lines)
    for i in range(0, len(lines), 100):
        edited[i] = f'<{ID}edit/e{i}> <{LABEL}> "edit {i}" .\n'.encode()
    renamed = [line.replace(ID.encode(), f"{ID[:-1]}2/".encode(), 1) for line in lines]
    paths = {"original": data}
    for name, content in (("edited", edited), ("renamed", renamed)):
        folder.joinpath(name).mkdir()
        path = folder / name / data.name
        path.write_bytes(b"".join(content))
        paths[name] = path
    return paths


class Reader:
    """Reads the probe in a loop from Virtuoso's anonymous endpoint."""

    def __init__(self, virtuoso: Virtuoso) -> None:
        self.url, self.seen = virtuoso.sparql, Counter[tuple[int, int]]()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(timeout=600) as client:
            while not self.stop.is_set():
                accept = {"Accept": "application/sparql-results+json"}
                answer = client.post(self.url, data={"query": PROBE}, headers=accept)
                row = answer.json()["results"]["bindings"][0]
                self.seen[(int(row["n"]["value"]), int(row.get("m", {}).get("value", 0)))] += 1

    def __enter__(self) -> Reader:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def publish(virtuoso: Virtuoso, path: Path, *extra: str) -> dict[str, object]:
    command = [
        sys.executable, "-m", "graphsvc", "load", str(path), "--to", virtuoso.sparql_auth,
        "--graph-store", virtuoso.graph_store, "--release", RELEASE, "--no-validate", *extra,
    ]  # fmt: skip
    began = time.perf_counter()
    with Reader(virtuoso) as reader:
        done = subprocess.run(command, env={**os.environ, **virtuoso.env()},
                              capture_output=True, text=True, check=False)  # fmt: skip
    seconds = time.perf_counter() - began
    output = (done.stdout + done.stderr).strip().splitlines()
    reads = {f"{n},{m}": k for (n, m), k in sorted(reader.seen.items())}
    # The summary line; or, for a refusal, the store's own message (the lines after it are the
    # remedies graphsvc suggests, the same every time).
    failed = [line for line in output if "HTTP " in line or "SR" in line]
    message = (output[-1] if done.returncode == 0 or not failed else failed[0]) if output else ""
    message = message[:400]
    return {"ok": done.returncode == 0, "seconds": seconds, "message": message, "reads": reads}


def scale(triples: int, out: Path) -> dict[str, object]:
    data, info = ensure(triples, out / "data")
    found: dict[str, object] = {"triples": info.get("written", triples)}
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as folder:
        paths = variants(data, Path(folder))
        Step = tuple[str, str, tuple[str, ...]]
        plans: dict[str, tuple[dict[str, int], list[Step]]] = {
            "tuned": (virtuoso_for(triples), [
                ("first publish", "original", ()), ("same files again", "original", ()),
                ("1% of triples edited", "edited", ()), ("every triple renamed", "renamed", ()),
            ]),
            "defaults": ({}, [
                ("first publish", "original", ()),
                ("first publish, --batched", "original", ("--batched",)),
                ("1% of triples edited", "edited", ()),
            ]),
        }  # fmt: skip
        for name, (settings, steps) in plans.items():
            done: list[dict[str, object]] = []
            found[name] = {"settings": settings, "steps": done}
            base = Path(folder) / f"virtuoso-{name}"
            base.mkdir()
            limits = {k: value for k, value in settings.items() if k != "buffers"}
            buffers = virtuoso_for(triples)["buffers"]
            with running_virtuoso(base, buffers=buffers, **limits) as v:
                for label, variant, extra in steps:
                    result: dict[str, object] = {"step": label, "variant": variant}
                    result.update(publish(v, paths[variant], *extra))
                    done.append(result)
                    print(f"{triples} {name}: {label}: {result}", file=sys.stderr, flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="100000,1000000")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    started = time.time()
    results = [scale(int(s), args.out) for s in args.scales.split(",")]
    target = args.out / "remote-publish.json"
    command = " ".join(["python -m bench.remote_publish", *sys.argv[1:]])
    target.write_text(json.dumps({"scales": results, "started": started, "command": command,
                                  "seconds": time.time() - started}, indent=1))  # fmt: skip
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
