"""Smoke test of the W3C conformance runner (tools/w3c_conformance.py).

Runs the runner's real code path -- dataset build, a real ``graphsvc serve`` process, SPARQL
protocol requests, result comparison -- on a handful of W3C tests, so that the runner keeps
working as the service evolves.  The full run is ``make conformance``.

Skipped only when the W3C test data is absent (``--tests-dir`` default, see the runner).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

RUNNER_PATH = Path(__file__).resolve().parents[2] / "tools" / "w3c_conformance.py"


def _load_runner() -> ModuleType:
    spec = importlib.util.spec_from_file_location("w3c_conformance", RUNNER_PATH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("w3c_conformance", module)
    spec.loader.exec_module(module)
    return module


runner = _load_runner()
SUITE = runner.suite_dir_of(runner.resolve_tests_dir(None))

needs_suite = pytest.mark.skipif(
    not (SUITE / runner.ROOT_MANIFESTS[0]).exists(),
    reason=f"W3C SPARQL tests not found at {SUITE} (set ${runner.TESTS_DIR_ENV})",
)

#: Covers SRX, SRJ, TSV, CSV and RDF (rs:) results, CONSTRUCT, FROM, named graphs, ORDER BY,
#: blank nodes, and the three kinds of syntax test.
SMOKE_TESTS = {
    "bind#bind01",
    "bindings#values2",
    "construct#constructwhere01",
    "construct#constructwhere04",
    "csv-tsv-res#csv01",
    "csv-tsv-res#tsv02",
    "json-res#jsonres02",
    "json-res#jsonres03",
    "subquery#subquery01",
    "subquery#subquery11",
    "subquery#subquery12",
    "aggregates#agg01",
    "aggregates#agg08",
    "negation#subset-by-exclusion-nex-1",
    "syntax-query#test_1",
    "syntax-query#test_40",
    "syntax-query#test_43",
    "syntax-update-1#test_1",
    "syntax-update-1#test_41",
}


@pytest.mark.e2e
@needs_suite
def test_runner_on_a_few_w3c_tests(tmp_path: Path) -> None:
    layout = runner.SuiteLayout(SUITE)
    groups = sorted({name.split("#")[0] for name in SMOKE_TESTS})
    discovery = runner.discover(SUITE, groups)
    tests = [t for t in discovery.tests if t.short_id in SMOKE_TESTS]
    assert {t.short_id for t in tests} == SMOKE_TESTS

    outcomes = runner.run_all(tests, layout, tmp_path, backend_kind="http")

    failures = [f"{o.test.short_id}: {o.detail}" for o in outcomes if not o.passed and not o.known]
    assert not failures, "\n".join(failures)


def test_comparison_rules() -> None:
    """The comparison rules themselves, without a server."""
    lit = runner.literal_term
    xsd = runner.XSD
    # Blank nodes: a consistent bijection across the whole result.
    a, b = runner.bnode_term("a"), runner.bnode_term("b")
    x, y = runner.bnode_term("x"), runner.bnode_term("y")
    one = lit("1", xsd + "integer")
    assert runner.match_rows([(a, one), (b, one)], [(x, one), (y, one)]) is not None
    assert runner.match_rows([(a, a), (a, b)], [(x, x), (y, x)]) is None
    # Term equality: lexical forms are not normalised, language tags are case-insensitive.
    assert runner.match_rows([(one,)], [(lit("01", xsd + "integer"),)]) is None
    assert lit("a", lang="EN-us") == lit("a", lang="en-US")
    assert lit("a") != lit("a", lang="en")
    # ORDER BY keys.
    expected = runner.Solutions(["k", "v"], [{"k": one, "v": a}, {"k": lit("2"), "v": b}])
    swapped = runner.Solutions(["k", "v"], [{"k": lit("2"), "v": b}, {"k": one, "v": a}])
    assert runner.compare(expected, swapped, None) is None
    assert runner.compare(expected, swapped, runner.OrderSpec(["k"])) is not None
    # TSV short forms keep their lexical form.
    assert runner.parse_tsv_term("1.0e6") == lit("1.0e6", xsd + "double")
