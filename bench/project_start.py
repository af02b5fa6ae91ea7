"""How long `graphsvc serve` takes to answer on the project's own graph, validation on.

Issue 18 asks that serving the project (ontology/ and data/, validated against its shapes on
every start) stays under 2 s. Each run starts the command as a user would, with no arguments
but the port, and times it until its first 200 to ``ASK {}``; "cold" runs get an empty cache
folder (the validation runs), "warm" runs the folder of a start before them (the validation is
reused: docs/validate.md). Medians over ``--runs``; writes bench/RESULTS-project-start.md.

    python -m bench.project_start --runs 5
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = 2.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_once(cache: Path) -> tuple[float, str]:
    """Seconds until the first answer, and the log (to tell a reused validation)."""
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("GRAPHSVC_")}
    environment["GRAPHSVC_CACHE_DIR"] = str(cache)
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "graphsvc", "serve", "--port", str(port)],
            stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True,
        )  # fmt: skip
        try:
            while True:
                if process.poll() is not None:
                    raise RuntimeError("graphsvc serve exited before it answered")
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                try:
                    conn.request("GET", "/sparql?query=ASK%7B%7D")
                    if conn.getresponse().status == 200:
                        break
                except OSError:
                    pass
                finally:
                    conn.close()
                time.sleep(0.01)
            seconds = time.perf_counter() - started
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
        log.seek(0)
        return seconds, log.read().decode("utf-8", "replace")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--results", type=Path, default=HERE / "RESULTS-project-start.md")
    args = parser.parse_args(argv)
    cold: list[float] = []
    warm: list[float] = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="graphsvc-cache-") as folder:
            seconds, log = start_once(Path(folder))
            if "validated" not in log:
                raise RuntimeError("a cold start did not validate:\n" + log)
            cold.append(seconds)
            seconds, log = start_once(Path(folder))
            if "validation reused" not in log:
                raise RuntimeError("a warm start did not reuse the validation:\n" + log)
            warm.append(seconds)
    rows = [("cold (validation runs)", cold), ("warm (validation reused)", warm)]
    lines = [
        "# Start-up on the project's own graph",
        "",
        f"Measured by `python -m bench.project_start --runs {args.runs}`: `graphsvc serve` with",
        "its defaults (validation on), from the process's start to its first answer. Target:",
        f"under {TARGET:.0f} s. Machine: {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.1f} at the end.",
        "",
        "| start | median (s) | min (s) | max (s) | met |",
        "|---|---|---|---|---|",
    ]
    for name, values in rows:
        median = statistics.median(values)
        lines.append(f"| {name} | {median:.2f} | {min(values):.2f} | {max(values):.2f} | "
                     f"{'yes' if median < TARGET else 'no'} |")  # fmt: skip
    args.results.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
