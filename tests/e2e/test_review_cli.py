"""``graphsvc diff`` and ``graphsvc validate --format sarif`` run as a workflow runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import FIXTURES, ROOT
from tests.unit.test_diff import BEFORE_DATA, DATA_ADDED
from tests.unit.test_sarif import check

DIFF = "tests/fixtures/diff"


def graphsvc(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "graphsvc", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "GRAPHSVC_PROJECT_ROOT": str(ROOT)},
    )


@pytest.mark.parametrize(
    ("case", "code"),
    [("reordered", 0), ("value-changed", 1), ("claim-added", 1), ("resource-renamed", 1),
     ("link-removed", 1), ("shapes-changed", 1)],
)
def test_exit_code_says_whether_the_graph_changed(case: str, code: int) -> None:
    result = graphsvc("diff", f"{DIFF}/base", f"{DIFF}/{case}")
    assert result.returncode == code, result.stderr
    assert result.stderr == ""


def test_markdown_from_the_command_is_the_expected_file() -> None:
    # Run from the fixtures' folder: the report names each side as it was given.
    result = graphsvc(
        "diff", "base", "value-changed", "--format", "markdown", cwd=FIXTURES / "diff"
    )
    assert result.returncode == 1
    expected = (FIXTURES / "diff" / "expected" / "value-changed.md").read_text(encoding="utf-8")
    assert result.stdout == expected


def test_text_json_and_patch(tmp_path: Path) -> None:
    text = graphsvc("diff", f"{DIFF}/base", f"{DIFF}/value-changed")
    assert "    ~ claim:f36-south-korea-300-killed" in text.stdout
    assert "        quantity: 300 → about 300" in text.stdout
    assert "        status: asserted → estimated" in text.stdout
    out = tmp_path / "diff.json"
    result = graphsvc("diff", f"{DIFF}/base", f"{DIFF}/value-changed", "-f", "json", "-o", str(out))
    assert result.returncode == 1 and result.stdout == ""
    assert "1 source document changed" in result.stderr
    assert json.loads(out.read_text())["summary"]["claimsChanged"] == 1
    patch = graphsvc("diff", f"{DIFF}/base", f"{DIFF}/value-changed", "--format", "patch")
    lines = patch.stdout.splitlines()
    assert lines[0].startswith("H id <uuid:") and lines[1] == "TX ." and lines[-1] == "TC ."
    assert [line[0] for line in lines[2:-1]] == ["D", "D", "A", "A"]


@pytest.mark.parametrize(
    "args",
    [
        [f"{DIFF}/base", f"{DIFF}/broken"],  # a file that does not parse
        ["no-such-revision", f"{DIFF}/base"],
        [f"{DIFF}/base", f"{DIFF}/base", "--format", "yaml"],
        [],  # OLD is required
    ],
)
def test_usage_and_parse_errors_exit_2(args: list[str]) -> None:
    result = graphsvc("diff", *args)
    assert result.returncode == 2
    assert result.stdout == ""


def test_two_commits_of_this_repository() -> None:
    shallow = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--is-shallow-repository"],
        capture_output=True, text=True, check=False,
    )
    if shallow.stdout.strip() == "true":
        pytest.skip("a shallow clone has not got the commits compared here (git fetch --unshallow)")
    result = graphsvc("diff", BEFORE_DATA, DATA_ADDED, "--format", "json")
    assert result.returncode == 1, result.stderr
    body = json.loads(result.stdout)
    assert body["summary"]["claimsAdded"] == 79
    assert body["old"].startswith(BEFORE_DATA) and body["new"].startswith(DATA_ADDED)


def test_validate_sarif_on_a_failing_fixture() -> None:
    result = graphsvc(
        "validate", str(FIXTURES / "validate" / "broken" / "shape-min-count.ttl"), "-f", "sarif"
    )
    assert result.returncode == 1
    document = json.loads(result.stdout)
    check(document)
    assert document["runs"][0]["results"][0]["ruleId"] == "shacl"
