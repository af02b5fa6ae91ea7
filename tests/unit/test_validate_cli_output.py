"""`graphsvc validate` on deeply nested Turtle, and its one-line-per-problem text output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from graphsvc.cli.main import app


def nested_collections(depth: int) -> str:
    return (
        "@prefix ex: <http://example.org/> .\n"
        f"ex:s ex:p {'(' * depth} 1 {')' * depth} .\n"
    )


def nested_blank_nodes(depth: int) -> str:
    return (
        "@prefix ex: <http://example.org/> .\n"
        f"ex:s ex:p {'[ ex:q ' * depth} 1 {']' * depth} .\n"
    )


def validate(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["validate", *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "text", [nested_collections(600), nested_collections(5000), nested_blank_nodes(3000)],
    ids=["600-collections", "5000-collections", "3000-blank-nodes"],
)  # fmt: skip
def test_any_nesting_depth_gets_a_report_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("deep.ttl").write_text(text)
    code, out = validate("deep.ttl")
    assert code == 0, out
    assert "Traceback" not in out and "RecursionError" not in out
    assert out.rstrip().endswith(": conforms")


def test_the_issue_file_is_small() -> None:
    """The case of issue 16: a valid 1.2 KB file with 600 nested collections."""
    assert 1100 < len(nested_collections(600).encode()) < 1300


def test_a_syntax_error_is_path_line_col(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    code, out = validate("bad.ttl")
    assert code == 2
    first = out.splitlines()[0]
    assert re.fullmatch(r"bad\.ttl:2:(\d+): error .+ \[syntax-error\]", first), first
    assert first.startswith("bad.ttl:2:11: error ")
    assert out.splitlines()[1].startswith("1 syntax error, ")


def test_grouped_keeps_the_heading_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.ttl").write_text("@prefix ex: <http://example.org/> .\nex:a ex:b .\n")
    code, out = validate("bad.ttl", "--format", "grouped")
    assert code == 2
    lines = out.splitlines()
    assert lines[0] == "bad.ttl"
    assert re.fullmatch(r"  2:11\s+error\s+.+  \[syntax-error\]", lines[1]), lines[1]
