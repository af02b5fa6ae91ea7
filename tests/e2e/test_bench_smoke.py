"""A smoke run of the benchmark driver at 10k triples: every system, every measurement, briefly.

The benchmark itself (``make bench``) is never part of ``make test``; this keeps its driver working.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from bench.driver import main
from bench.generate import Layout, generate
from bench.mix import THROUGHPUT_QUERIES, mix
from bench.report import counts, disagreements, latency_ratio, targets

SYSTEMS = {
    "graphsvc-oxigraph",
    "graphsvc-oxigraph-cached",
    "graphsvc-oxigraph-disk-2proc",
    "graphsvc-rdflib",
    "http-ceiling",
    "rdflib-endpoint",
}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, str]:  # type: ignore[type-arg]
    out = tmp_path_factory.mktemp("bench")
    report = out / "RESULTS.md"
    code = main(
        [
            "--scales", "10k", "--out", str(out), "--results", str(report),
            "--reps", "3", "--budget", "0.2", "--duration", "0.3",
            "--load-tool", "httpx", "--ready-timeout", "60",
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
    assert isinstance(table["named"]["graphsvc-oxigraph"], int)
    assert table["group"]["graphsvc-oxigraph"] == 17  # one row per claim status
    for name, system in result["systems"].items():
        if name in ("http-ceiling", "graphsvc-oxigraph-cached", "graphsvc-oxigraph-disk-2proc"):
            continue  # throughput only
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
        # The peak is sampled every 0.5 s, the resident figure measured at the end.
        assert system["peak_memory"] > 1 << 20 and system["memory_at_end"] > 1 << 20
        assert system["ready_seconds"] > 0
    floor = result["floor"]
    assert floor["load_seconds"] > 0 and floor["startup_seconds"] > 0
    assert floor["peak_memory"] > 1 << 20 and floor["memory_after_load"] > 1 << 20
    # Restarted on its on-disk store, graphsvc serves the data without loading it again.
    assert result["startup"]["triples_after_restart"] == result["triples"]
    assert all(math.isfinite(latency_ratio(result, n)) for n in ("graphsvc-oxigraph",))


@pytest.mark.e2e
def test_report_has_the_tables_and_the_targets(smoke: tuple[dict, str]) -> None:  # type: ignore[type-arg]
    result, report = smoke
    for heading in ("## Targets", "### Latency per query", "### Throughput", "### Load, start-up"):
        assert heading in report
    for query in result["floor"]["queries"]:
        assert f"| {query} |" in report
    assert "Machine:" in report and "pyoxigraph " in report
    names = [row[0] for row in targets(result)]
    assert any("rdflib-endpoint" in n for n in names)
    assert any("HTTP ceiling" in n for n in names)
    assert "Result counts agree across all systems" in report
