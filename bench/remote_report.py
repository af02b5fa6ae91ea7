"""bench/RESULTS-remote.md from the results of remote_overhead.py and remote_publish.py.

    python -m bench.remote_report --triples 1000000

The hand-written analysis in bench/remote-analysis.md is appended as it is.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.report import machine

HERE = Path(__file__).parent
TARGET = 1.2
ISOLATION = {
    "auto": "from the server process's event loop (`--query-isolation auto`, the default; "
    "see loop_executor.py)",
    "thread": "from the server process's event loop (`--query-isolation thread`)",
    "process": "in forked query workers (`--query-isolation process`)",
}


def versions() -> str:
    found = []
    for name in ("graphsvc", "pyoxigraph", "fastapi", "starlette", "uvicorn", "uvloop"):
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} (not installed)")
    try:
        package = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Version}", "virtuoso-opensource-7"],
            capture_output=True, text=True, check=False,
        ).stdout  # fmt: skip
        found.append(f"Virtuoso open source {package or '(unknown)'} (Debian)")
    except OSError:
        found.append("Virtuoso (version unknown)")
    return ", ".join(found)


def overhead_section(result: dict[str, Any]) -> list[str]:
    rows = result["queries"]
    before = result.get("geomean_ratio_before")
    lines = [
        f"## Overhead: {result['triples']:,} triples", "",
        f"- Command: `{result['command']}` ({result['seconds'] / 60:.1f} min); data loaded with "
        f"{result['load']['how']} in {result['load']['seconds']:.0f} s.",
        f"- Virtuoso settings: {result['virtuoso_settings']}.",
        f"- graphsvc's queries run {ISOLATION[result.get('isolation', 'process')]}.",
        f"- Machine load average (1 min) at the start: {result['load_average_start'][0]:.1f}; at "
        f"the end: {result['load_average_end'][0]:.1f} (2 cores, shared with other work).",
        f"- Each target's median over {result['reps']} rounds, after {result['warmup']} warm-up "
        "rounds; the targets take turns within each round, each first, second and last in turn.",
        "",
        "| measure | geomean over the mix | target | met |", "|---|---|---|---|",
        f"| graphsvc / Virtuoso | {result['geomean_ratio']:.2f} | ≤ {TARGET} | "
        f"{'yes' if result['geomean_ratio'] <= TARGET else 'no'} |",
        f"| graphsvc / Virtuoso from a plain client | {result['geomean_ratio_plain']:.2f} "
        "| — | — |",
    ]  # fmt: skip
    if before is not None:
        lines.append(f"| graphsvc before this change / Virtuoso | {before:.2f} | — | — |")
    floor = result.get("geomean_ratio_floor")
    if floor is not None:
        lines.append(f"| floor (uvicorn and graphsvc's store client alone) / Virtuoso | "
                     f"{floor:.2f} | — | — |")  # fmt: skip
    names = (["virtuoso", "virtuoso-plain"] + (["floor"] if floor is not None else [])
             + (["graphsvc-before"] if before else []) + ["graphsvc"])  # fmt: skip
    lines += ["", "### Latency per query (ms, median)", "",
              "| query | kind | " + " | ".join(names) + " | ratio | counts agree |",
              "|" + "---|" * (len(names) + 4)]  # fmt: skip
    for row in rows:
        agree = len(set(row["counts"].values())) == 1
        cells = " | ".join(f"{row['ms'][n]:.2f}" for n in names)
        lines.append(f"| {row['query']} | {row['kind']} | {cells} | {row['ratio']:.2f} | "
                     f"{'yes' if agree else row['counts']} |")  # fmt: skip
    profile = result.get("profile")
    if profile:
        lines += [
            "", "### Where graphsvc's time goes (ms, median)", "",
            "`worker` is what evaluating the query takes (local parse, request, the store's answer "
            "handed back), measured in the benchmark's process as the server does it (on an event "
            "loop, `LoopExecutor`); `graphsvc` - `worker` is the rest of the server's work: its "
            "HTTP stack and the `/sparql` handler. "
            f"graphsvc's `/health` (the HTTP stack alone) took {profile['health_ms']:.2f} ms.", "",
            "| query | Virtuoso | worker | of which local parse | graphsvc | worker - Virtuoso | "
            "graphsvc - worker |", "|---|---|---|---|---|---|---|",
        ]  # fmt: skip
        for row in rows:
            part = profile["queries"][row["query"]]
            v, w, g = row["ms"]["virtuoso"], part["worker_ms"], row["ms"]["graphsvc"]
            lines.append(f"| {row['query']} | {v:.2f} | {w:.2f} | {part['parse_ms']:.2f} | "
                         f"{g:.2f} | {w - v:+.2f} | {g - w:+.2f} |")  # fmt: skip
    return [*lines, ""]


def publish_section(result: dict[str, Any]) -> list[str]:
    lines = [
        "## Publishing with `graphsvc load --to`", "",
        f"`{result.get('command', 'python -m bench.remote_publish')}` "
        f"({result['seconds'] / 60:.1f} min). Reads: what a "
        "reader asking Virtuoso in a loop saw, as (triples, edited triples) → number of reads; the "
        "versions are the original (N, 0), 1% edited (N, N/100) and every subject renamed (N, N). "
        "Any other pair is a graph seen half switched.", "",
    ]  # fmt: skip
    for entry in result["scales"]:
        for name in ("tuned", "defaults"):
            plan = entry[name]
            settings = plan["settings"] or "Virtuoso's defaults (50 MB per transaction, 60 s)"
            lines += [f"### {entry['triples']:,} triples, Virtuoso with {settings}", "",
                      "| step | result | seconds | reads seen |",
                      "|---|---|---|---|"]  # fmt: skip
            for step in plan["steps"]:
                reads = ", ".join(f"({k}) x {n}" for k, n in step["reads"].items())
                message = step["message"].replace("|", "\\|")
                lines.append(f"| {step['step']} | {'ok' if step['ok'] else 'refused'}: {message} "
                             f"| {step['seconds']:.0f} | {reads} |")  # fmt: skip
            lines.append("")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--label", default="", help="Suffix of the overhead result file.")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS-remote.md")
    args = parser.parse_args()
    lines = [
        "# graphsvc in front of Virtuoso: overhead and publishing", "",
        "Generated by `make bench-remote` (`bench/remote_overhead.py`, `bench/remote_publish.py`, "
        "`bench/remote_report.py`); what is measured and why: docs/remote.md and the modules' "
        "docstrings.", "",
        f"- Machine: {machine()}", f"- Versions: {versions()}",
        f"- Written: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", "",
    ]  # fmt: skip
    overhead = args.out / f"remote-overhead-{args.triples}{args.label}.json"
    if overhead.exists():
        lines += overhead_section(json.loads(overhead.read_text()))
    published = args.out / "remote-publish.json"
    if published.exists():
        lines += publish_section(json.loads(published.read_text()))
    analysis = HERE / "remote-analysis.md"
    if analysis.exists():
        lines += [analysis.read_text().rstrip(), ""]
    args.results.write_text("\n".join(lines))
    print(f"wrote {args.results}")


if __name__ == "__main__":
    main()
