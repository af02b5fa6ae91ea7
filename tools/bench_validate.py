"""How long validating the project's data takes (docs/validate.md, "How fast").

    python tools/bench_validate.py [--runs 5] [--baseline]

Prints, as a Markdown table, the median wall and CPU time of the whole ``graphsvc validate``
command (process start to exit) and of the validation itself in this process; with
``--baseline``, also the SHACL step alone, as graphsvc runs it and as plain pyshacl runs it.
Timing is measured here, never asserted in a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command_seconds(runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run of the whole command (CPU time barely moves when other
    processes share the machine; wall time does)."""
    walls, cpus = [], []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "graphsvc", "validate", "--format", "json"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        walls.append(time.perf_counter() - started)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if process.returncode != 0:
            raise SystemExit(f"graphsvc validate exited with {process.returncode}")
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", action="store_true", help="also time pyshacl alone")
    args = parser.parse_args()

    whole, whole_cpu = command_seconds(args.runs)

    from graphsvc.validation.validator import ValidationOptions, validate_paths

    inside, inside_cpu = [], []
    report = None
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        report = validate_paths([], project_root=ROOT, options=ValidationOptions())
        inside.append(time.perf_counter() - started)
        inside_cpu.append(time.process_time() - started_cpu)
    assert report is not None
    print(f"project: {len(report.files)} files, {report.triples} triples in the data graph")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} (on {os.cpu_count()} cores)")
    print()
    print("| what | median | min | max |")
    print("|---|---|---|---|")
    for name, values in (
        ("`graphsvc validate` (whole command), wall", whole),
        ("`graphsvc validate` (whole command), CPU", whole_cpu),
        ("validation in process (parse, positions, SHACL, lints), wall", inside),
        ("validation in process, CPU", inside_cpu),
    ):
        print(
            f"| {name} | {statistics.median(values):.2f} s | {min(values):.2f} s "
            f"| {max(values):.2f} s |"
        )
    if args.baseline:
        import pyshacl
        from rdflib import Graph

        from graphsvc.validation.shacl import new_data_graph, run_shacl

        files = [*sorted((ROOT / "data").glob("*.ttl")), ROOT / "ontology/graphsvc.ttl"]
        shapes = Graph().parse(ROOT / "ontology/shapes.ttl")
        cached, plain = new_data_graph(), Graph()
        for path in files:
            cached.parse(path)
            plain.parse(path)
        started = time.perf_counter()
        run_shacl(cached, shapes)
        print(f"| SHACL only, as graphsvc runs it | {time.perf_counter() - started:.2f} s | | |")
        started = time.perf_counter()
        pyshacl.validate(plain, shacl_graph=shapes, inference="none", do_owl_imports=False)
        print(f"| SHACL only, plain pyshacl | {time.perf_counter() - started:.2f} s | | |")


if __name__ == "__main__":
    main()
