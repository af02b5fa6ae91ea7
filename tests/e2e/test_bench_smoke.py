"""A smoke run of the benchmark driver at 10k triples: every system, every measurement, briefly.

The benchmark itself (``make bench``) is never part of ``make test``; this keeps its driver working.
Virtuoso is left out (``--virtuoso off``: the e2e tier does not install it); the report must say
so rather than leave its rows out silently.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from bench.driver import main
from bench.generate import Layout, generate
from bench.mix import THROUGHPUT_QUERIES, mix
from bench.report import counts, disagreements, latency_ratio, overhead, targets

SYSTEMS = {
    "graphsvc-defaults",
    "graphsvc-cached",
    "graphsvc-disk",
    "graphsvc-rdflib",
    "fastapi-wrapper",
    "asgi-fixed",
    "fastapi-fixed",
    "rdflib-endpoint",
}
THROUGHPUT_ONLY = {"graphsvc-cached", "graphsvc-disk"}
FIXED = {"asgi-fixed", "fastapi-fixed"}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("bench")
    report = out / "RESULTS.md"
    code = main(
        [
            "--scales", "10k", "--out", str(out), "--results", str(report),
            "--reps", "3", "--budget", "0.2", "--duration", "0.3",
            "--load-tool", "httpx", "--ready-timeout", "60", "--virtuoso", "off",
        ]
    )  # fmt: skip
    assert code == 0
    return json.loads((out / "results-10000.json").read_text()), report.read_text()


def test_generator_is_deterministic_and_near_its_size(tmp_path: Path) -> None:
    first = generate(10_000, tmp_path / "a.nt", seed=3)
    second = generate(10_000, tmp_path / "b.nt", seed=3)
    assert (tmp_path / "a.nt").read_bytes() == (tmp_path / "b.nt").read_bytes()
    assert abs(first["written"] - 10_000) < 500
    assert first == second
    assert len(mix(Layout.for_size(10_000))) >= 12


@pytest.mark.e2e
@pytest.mark.timeout(300)
def test_every_system_answers_every_query_with_agreeing_counts(smoke: tuple[dict, str]) -> None:  # type: ignore[type-arg]
    result, _ = smoke
    assert set(result["systems"]) == SYSTEMS
    assert disagreements(result) == []
    table = counts(result)
    # The graph has claims by the state the named query asks about, and a claim to look up.
    assert table["point"]["pyoxigraph"] == 13
    assert isinstance(table["named"]["graphsvc-defaults"], int)
    assert table["group"]["graphsvc-defaults"] == 17  # one row per claim status
    assert table["describe"]["fastapi-wrapper"] == table["describe"]["pyoxigraph"]
    for name, system in result["systems"].items():
        if name in FIXED:
            assert len(system["roundtrip"]) >= 10 and all(0 < s < 1 for s in system["roundtrip"])
            continue
        if name in THROUGHPUT_ONLY:
            continue
        assert set(system["queries"]) == set(result["floor"]["queries"])
        for query, row in system["queries"].items():
            assert row["samples"], (name, query)
            assert all(0 < s < 30 for s in row["samples"]), (name, query)
            assert "error" not in row, (name, query, row.get("error"))


@pytest.mark.e2e
def test_throughput_load_startup_and_memory_are_measured(smoke: tuple[dict, str]) -> None:  # type: ignore[type-arg]
    result, _ = smoke
    for name, system in result["systems"].items():
        assert set(system["throughput"]) == set(THROUGHPUT_QUERIES)
        for levels in system["throughput"].values():
            assert set(levels) == {"1", "8", "32"}
            for row in levels.values():
                assert row["requests"] > 0 and row["requests_per_second"] > 0
                if name != "rdflib-endpoint":
                    assert row["failures"] == 0, (name, row)
        # The peak is sampled every 0.5 s; PSS and the RSS sum measured when ready and at the end.
        assert system["peak_memory"] > 1 << 20
        for moment in ("memory_ready", "memory_at_end"):
            memory = system[moment]
            assert memory["processes"] >= 1, (name, moment)
            assert 1 << 20 < memory["pss"] <= memory["rss"], (name, moment, memory)
        assert system["ready_seconds"] > 0
    floor = result["floor"]
    assert floor["load_seconds"] > 0 and floor["startup_seconds"] > 0
    assert floor["peak_memory"] > 1 << 20 and floor["memory_after_load"] > 1 << 20
    # Restarted on its on-disk store, graphsvc serves the data without loading it again.
    assert result["startup"]["triples_after_restart"] == result["triples"]
    assert math.isfinite(latency_ratio(result, "graphsvc-defaults"))
    assert all(math.isfinite(overhead(result, "graphsvc-defaults", q)) for q in ("point", "ask"))


@pytest.mark.e2e
def test_report_has_the_tables_and_the_targets(smoke: tuple[dict, str]) -> None:  # type: ignore[type-arg]
    result, report = smoke
    for heading in ("## Targets", "### Latency per query", "### Per-request overhead",
                    "### Throughput", "### Start-up and memory", "### Systems"):  # fmt: skip
        assert heading in report
    for query in result["floor"]["queries"]:
        assert f"| {query} |" in report
    assert "Machine:" in report and "pyoxigraph " in report
    rows = {row[0]: row for row in targets(result)}
    assert any("rdflib-endpoint" in n for n in rows)
    assert any("HTTP ceiling" in n for n in rows)
    assert any(n.startswith("start-up") and rows[n][1] is not None for n in rows)
    assert any(n.startswith("resident memory when ready") for n in rows)
    # Without Virtuoso its target is not met or missed but skipped, and the report says why.
    virtuoso = [row for n, row in rows.items() if "Virtuoso" in n]
    assert virtuoso and virtuoso[0][1] is None and virtuoso[0][3] is None
    assert "Skipped: virtuoso and graphsvc-remote: not run (--virtuoso off)" in report
    # The main row is graphsvc as a user starts it: no tuning flag on its command line.
    command = result["systems"]["graphsvc-defaults"]["command"]
    assert command.startswith("python -m graphsvc serve FILE --host 127.0.0.1 --port P")
    for flag in ("--no-validate", "--log-level", "--query-timeout", "--processes", "--store"):
        assert flag not in command
    assert "Result counts agree across all systems" in report
