"""Validation reports in seven formats: text, grouped, json, turtle, junit, github, sarif.

* ``text``: one line per finding, ``file:line:col: severity message [rule]``, as compilers,
  ruff and mypy print them (terminals and editors make the place a link); colour only when
  asked (the CLI asks when its output is a terminal and ``NO_COLOR`` is not set).
* ``grouped``: a heading per file, then its findings as ``line:col``, details on their own line.
* ``json``: the stable schema of docs/validate.md (``"schema": 1``; fields are only ever added).
* ``turtle``: the W3C SHACL validation report graph (``sh:ValidationReport``), lint findings
  included as ``sh:ValidationResult``s, each result annotated with ``gsv:file``, ``gsv:line``,
  ``gsv:column`` and ``gsv:rule``.
* ``junit``: one test suite per file, one test case per finding (a ``failure`` when it fails the
  run, an ``error`` for a syntax error), a passing case for a file without findings.
* ``github``: workflow commands (``::error file=...,line=...::message``) that GitHub Actions shows
  on the pull request's diff, then a summary line.
* ``sarif``: SARIF 2.1.0 for code scanning (``graphsvc.validation.sarif``).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from itertools import groupby

from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import SH

from graphsvc.validation.findings import Finding, Severity, n3
from graphsvc.validation.sarif import render_sarif
from graphsvc.validation.shacl import path_text
from graphsvc.validation.validator import ValidationReport

GSV = Namespace("https://w3id.org/graphsvc/validation#")
JSON_SCHEMA_VERSION = 1
FORMATS = ("text", "grouped", "json", "turtle", "junit", "github", "sarif")
_SH_SEVERITY = {
    Severity.INFO: SH.Info,
    Severity.WARNING: SH.Warning,
    Severity.VIOLATION: SH.Violation,
    Severity.ERROR: SH.Violation,
}
_COLOURS = {
    Severity.ERROR: "\x1b[1;31m",
    Severity.VIOLATION: "\x1b[31m",
    Severity.WARNING: "\x1b[33m",
    Severity.INFO: "\x1b[36m",
}
_BOLD, _DIM, _RESET = "\x1b[1m", "\x1b[2m", "\x1b[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary(report: ValidationReport) -> str:
    counts = report.counts()
    parts = []
    if counts["error"]:
        parts.append(_plural(counts["error"], "syntax error"))
    parts += [
        _plural(counts["violation"], "violation"),
        _plural(counts["warning"], "warning"),
        _plural(counts["info"], "info"),
    ]
    with_findings = len({f.file for f in report.findings})
    verdict = "conforms" if report.conforms else "does not conform"
    return (
        f"{', '.join(parts)} in {_plural(with_findings, 'file')} "
        f"({_plural(len(report.files), 'file')} checked, {report.triples} triples, "
        f"{report.seconds:.2f} s): {verdict}"
    )


def finding_dict(report: ValidationReport, finding: Finding) -> dict[str, object]:
    prefixes = report.prefixes
    return {
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "focus": n3(finding.focus, prefixes),
        "path": path_text(report.shapes, finding.path, prefixes),
        "value": n3(finding.value, prefixes),
        "shape": n3(finding.shape, prefixes),
        "component": n3(finding.component, prefixes),
    }


def _detail_fields(report: ValidationReport, finding: Finding) -> list[str]:
    fields = finding_dict(report, finding)
    shown = [f"{name}: {fields[name]}" for name in ("focus", "path", "value") if fields[name]]
    if finding.rule == "shacl" and fields["shape"]:
        shown.append(f"shape: {fields['shape']}")
    return shown


def _details(report: ValidationReport, finding: Finding) -> str:
    return "  ".join(_detail_fields(report, finding))


def _place(finding: Finding) -> str:
    """``file:line:col``, as far as it is known (a file-level finding has no line)."""
    where = finding.file or "(no file)"
    if finding.line is not None:
        where += f":{finding.line}"
        if finding.column is not None:
            where += f":{finding.column}"
    return where


def render_text(report: ValidationReport, colour: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    lines: list[str] = []
    for finding in report.findings:
        severity = paint(finding.severity.value, _COLOURS[finding.severity])
        details = ", ".join(_detail_fields(report, finding))
        message = f"{finding.message} ({details})" if details else finding.message
        lines.append(f"{paint(_place(finding), _BOLD)}: {severity} {message} [{finding.rule}]")
    for note in report.notes:
        lines.append(f"note: {note}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def render_grouped(report: ValidationReport, colour: bool = False) -> str:
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{_RESET}" if colour else text

    lines: list[str] = []
    for file, group in groupby(report.findings, key=lambda f: f.file):
        lines.append(paint(file or "(no file)", _BOLD))
        for finding in group:
            where = f"{finding.line or '-'}:{finding.column or '-'}"
            severity = paint(finding.severity.value, _COLOURS[finding.severity])
            lines.append(f"  {where:<8} {severity:<9} {finding.message}  [{finding.rule}]")
            details = _details(report, finding)
            if details:
                lines.append("           " + paint(details, _DIM))
    for note in report.notes:
        lines.append(f"note: {note}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def render_json(report: ValidationReport) -> str:
    files = [
        {"file": file, "results": [finding_dict(report, f) for f in group]}
        for file, group in groupby(report.findings, key=lambda f: f.file)
    ]
    body = {
        "schema": JSON_SCHEMA_VERSION,
        "conforms": report.conforms,
        "failOn": report.options.fail_on.value,
        "summary": {
            **report.counts(),
            "files": len(report.files),
            "triples": report.triples,
            "seconds": round(report.seconds, 3),
        },
        "checked": report.files,
        "files": files,
        "notes": report.notes,
    }
    return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def _copy_path(source: Graph | None, target: Graph, node: URIRef | BNode) -> None:
    """Copy a complex path's blank-node structure into the report graph."""
    if source is None or not isinstance(node, BNode):
        return
    for predicate, obj in source.predicate_objects(node):
        target.add((node, predicate, obj))
        if isinstance(obj, BNode):
            _copy_path(source, target, obj)


def report_graph(report: ValidationReport) -> Graph:
    graph = Graph()
    graph.bind("sh", SH)
    graph.bind("gsv", GSV)
    for prefix, namespace in report.prefixes.items():
        graph.bind(prefix, namespace, override=False)
    root = BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    graph.add((root, SH.conforms, Literal(report.conforms)))
    for finding in report.findings:
        result = BNode()
        graph.add((root, SH.result, result))
        graph.add((result, RDF.type, SH.ValidationResult))
        graph.add((result, SH.resultSeverity, _SH_SEVERITY[finding.severity]))
        graph.add((result, SH.resultMessage, Literal(finding.message)))
        graph.add((result, GSV.rule, Literal(finding.rule)))
        focus = finding.focus
        if focus is None and finding.file:
            focus = Literal(finding.file)  # a syntax error: the file itself is at fault
        if focus is not None:
            graph.add((result, SH.focusNode, focus))
        for predicate, node in (
            (SH.value, finding.value),
            (SH.sourceShape, finding.shape),
            (SH.sourceConstraint, finding.constraint),
        ):
            if node is not None:
                graph.add((result, predicate, node))
        component = finding.component or GSV[finding.rule]
        graph.add((result, SH.sourceConstraintComponent, component))
        if isinstance(finding.path, URIRef | BNode):
            graph.add((result, SH.resultPath, finding.path))
            _copy_path(report.shapes, graph, finding.path)
        if finding.file:
            graph.add((result, GSV.file, Literal(finding.file)))
        if finding.line is not None:
            graph.add((result, GSV.line, Literal(finding.line, datatype=XSD.integer)))
        if finding.column is not None:
            graph.add((result, GSV.column, Literal(finding.column, datatype=XSD.integer)))
    return graph


def render_turtle(report: ValidationReport) -> str:
    return report_graph(report).serialize(format="turtle")


def render_junit(report: ValidationReport) -> str:
    counts = report.counts()
    failing = [f for f in report.findings if report.failing(f)]
    suites = ET.Element(
        "testsuites",
        name="graphsvc validate",
        tests=str(max(len(report.findings), 1)),
        failures=str(sum(1 for f in failing if f.severity is not Severity.ERROR)),
        errors=str(counts["error"]),
        time=f"{report.seconds:.3f}",
    )
    by_file: dict[str, list[Finding]] = {name: [] for name in report.files}
    for finding in report.findings:
        by_file.setdefault(finding.file or "(no file)", []).append(finding)
    for file, findings in by_file.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=file,
            tests=str(max(len(findings), 1)),
            failures=str(
                sum(1 for f in findings if report.failing(f) and f.severity is not Severity.ERROR)
            ),
            errors=str(sum(1 for f in findings if f.severity is Severity.ERROR)),
        )
        if not findings:
            ET.SubElement(suite, "testcase", classname=file, name="conforms", file=file)
        for finding in findings:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=file,
                name=f"{finding.rule} at line {finding.line or '-'}: {finding.message}",
                file=file,
                line=str(finding.line or 0),
            )
            text = f"{file}:{finding.line or '-'}:{finding.column or '-'}: {finding.message}\n"
            text += _details(report, finding)
            if finding.severity is Severity.ERROR:
                element = ET.SubElement(case, "error", message=finding.message, type="syntax")
                element.text = text
            elif report.failing(finding):
                element = ET.SubElement(
                    case, "failure", message=finding.message, type=finding.severity.value
                )
                element.text = text
            else:
                ET.SubElement(case, "system-out").text = f"{finding.severity.value}: {text}"
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: ValidationReport) -> str:
    lines = []
    for finding in report.findings:
        command = {
            Severity.ERROR: "error",
            Severity.VIOLATION: "error",
            Severity.WARNING: "warning",
            Severity.INFO: "notice",
        }[finding.severity]
        props = []
        if finding.file:
            props.append(f"file={_escape_property(finding.file)}")
        if finding.line is not None:
            props.append(f"line={finding.line}")
        if finding.column is not None:
            props.append(f"col={finding.column}")
        props.append(f"title={_escape_property(f'graphsvc {finding.rule}')}")
        details = _details(report, finding)
        message = finding.message + (f"\n{details}" if details else "")
        lines.append(f"::{command} {','.join(props)}::{_escape_data(message)}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[ValidationReport], str]] = {
    "text": render_text,
    "grouped": render_grouped,
    "json": render_json,
    "turtle": render_turtle,
    "junit": render_junit,
    "github": render_github,
    "sarif": render_sarif,
}


def render(report: ValidationReport, output_format: str, *, colour: bool = False) -> str:
    if output_format == "text":
        return render_text(report, colour)
    if output_format == "grouped":
        return render_grouped(report, colour)
    try:
        return RENDERERS[output_format](report)
    except KeyError:
        raise ValueError(
            f"unknown format {output_format!r}; use one of {', '.join(FORMATS)}"
        ) from None


__all__ = ["FORMATS", "GSV", "JSON_SCHEMA_VERSION", "render", "report_graph", "summary"]
