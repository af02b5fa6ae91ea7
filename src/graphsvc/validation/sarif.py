"""Validation reports as SARIF 2.1.0, the format GitHub code scanning and CI dashboards read.

One result per finding, with its rule, level, file, line and column; every rule graphsvc can
report is described in ``tool.driver.rules`` (so a viewer explains a rule that found nothing, too).
Paths relative to the project are given against ``%SRCROOT%``, as code scanning expects them;
absolute ones as ``file:`` URIs.
"""

from __future__ import annotations

import json
from importlib.metadata import PackageNotFoundError, version
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from graphsvc.validation.findings import Finding, Severity, n3
from graphsvc.validation.lints import RULES
from graphsvc.validation.shacl import path_text
from graphsvc.validation.validator import ValidationReport

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SARIF_VERSION = "2.1.0"
_LEVELS = {
    Severity.ERROR: "error",
    Severity.VIOLATION: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}
_OTHER_RULES = {
    "shacl": (
        Severity.VIOLATION,
        "a SHACL validation result of the shapes graph",
        "The data breaks a constraint of the project's SHACL shapes (ontology/shapes.ttl). The "
        "level is the shape's sh:severity; the result's properties name the focus node, path, "
        "value, shape and constraint component.",
    ),
    "syntax-error": (
        Severity.ERROR,
        "a file that does not parse",
        "The file is not well-formed in its format, or is hostile input refused before parsing "
        "(an XML entity declaration). Nothing else is validated until every file parses.",
    ),
}


def _name(rule_id: str) -> str:
    """SARIF's ``name`` is an identifier-like word: ``dangling-link`` → ``DanglingLink``."""
    return "".join(part.capitalize() for part in rule_id.split("-"))


def rules() -> list[dict[str, Any]]:
    described: list[dict[str, Any]] = []
    entries: list[tuple[str, Severity, str, str | None]] = [("shacl", *_OTHER_RULES["shacl"])]
    entries += [(r.id, r.severity, r.summary, None) for r in RULES.values()]
    entries.append(("syntax-error", *_OTHER_RULES["syntax-error"]))
    for rule_id, severity, summary, full in entries:
        described.append(
            {
                "id": rule_id,
                "name": _name(rule_id),
                "shortDescription": {"text": summary[:1].upper() + summary[1:]},
                "fullDescription": {"text": full or f"{summary[:1].upper() + summary[1:]}."},
                "defaultConfiguration": {"level": _LEVELS[severity]},
                "help": {"text": f"See docs/validate.md, rule {rule_id}."},
            }
        )
    return described


def _artifact(file: str) -> dict[str, str]:
    path = PurePosixPath(file.replace("\\", "/"))
    if path.is_absolute():
        return {"uri": "file://" + quote(path.as_posix())}
    return {"uri": quote(path.as_posix()), "uriBaseId": "%SRCROOT%"}


def _result(report: ValidationReport, finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message},
    }
    if finding.rule in index:
        result["ruleIndex"] = index[finding.rule]
    if finding.file:
        physical: dict[str, Any] = {"artifactLocation": _artifact(finding.file)}
        if finding.line is not None:
            region = {"startLine": finding.line}
            if finding.column is not None:
                region["startColumn"] = finding.column
            physical["region"] = region
        result["locations"] = [{"physicalLocation": physical}]
    prefixes = report.prefixes
    extra = {
        "severity": finding.severity.value,
        "focus": n3(finding.focus, prefixes),
        "path": path_text(report.shapes, finding.path, prefixes),
        "value": n3(finding.value, prefixes),
        "shape": n3(finding.shape, prefixes),
        "component": n3(finding.component, prefixes),
    }
    result["properties"] = {k: v for k, v in extra.items() if v is not None}
    return result


def _version() -> str:
    try:
        return version("graphsvc")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def render_sarif(report: ValidationReport) -> str:
    described = rules()
    index = {rule["id"]: i for i, rule in enumerate(described)}
    run = {
        "tool": {
            "driver": {
                "name": "graphsvc",
                "version": _version(),
                "rules": described,
            }
        },
        "columnKind": "unicodeCodePoints",
        "invocations": [
            {
                "executionSuccessful": not report.parse_failed,
                "exitCode": report.exit_code,
                "properties": {"failOn": report.options.fail_on.value, "notes": report.notes},
            }
        ],
        "artifacts": [{"location": _artifact(file)} for file in report.files],
        "results": [_result(report, finding, index) for finding in report.findings],
        "properties": {"conforms": report.conforms, "triples": report.triples},
    }
    body = {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "render_sarif", "rules"]
