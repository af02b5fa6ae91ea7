"""Every shape of the project's ontology/shapes.ttl, through ``graphsvc validate``.

Each negative fixture of tests/fixtures/shapes/ (one or more per shape, see
tests/project/test_shapes.py) gives exit code 1 and, in every output format, each expected result
at the line where its focus node is written.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from functools import cache

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH

from graphsvc.validation.reports import FORMATS, render
from graphsvc.validation.validator import ValidationOptions, ValidationReport, validate_paths
from tests.project.test_shapes import EX, EXPECTED_RESULTS
from tests.project.test_shapes import FIXTURES as SHAPE_FIXTURES
from tests.support import ROOT

GSH = "https://w3id.org/graphsvc/shapes#"
GSV = Namespace("https://w3id.org/graphsvc/validation#")


@cache
def report_for(fixture: str) -> ValidationReport:
    return validate_paths(
        [SHAPE_FIXTURES / fixture], project_root=ROOT, options=ValidationOptions()
    )


def expected(fixture: str) -> list[tuple[str, str, str, int]]:
    """(shape, focus IRI, message fragment, line of the focus node) for each expected result."""
    text = (SHAPE_FIXTURES / fixture).read_text()
    rows = []
    for shape, focus, fragment in EXPECTED_RESULTS[fixture]:
        written = re.search(
            rf"^(?:ex:{re.escape(focus)}|<{re.escape(EX + focus)}>)(?=\s)", text, re.MULTILINE
        )
        assert written is not None, (fixture, focus)
        line = text.count("\n", 0, written.start()) + 1
        rows.append((GSH + shape, EX + focus, fragment, line))
    return rows


@pytest.mark.parametrize("fixture", sorted(EXPECTED_RESULTS))
@pytest.mark.parametrize("output_format", FORMATS)
def test_project_shape_fixtures_in_every_format(fixture: str, output_format: str) -> None:
    report = report_for(fixture)
    assert report.exit_code == 1
    file = f"tests/fixtures/shapes/{fixture}"
    out = render(report, output_format)
    for shape, focus, fragment, line in expected(fixture):
        where = f"{fixture}: {shape} on {focus} at line {line}"
        if output_format == "json":
            results = [
                r for g in json.loads(out)["files"] if g["file"] == file for r in g["results"]
            ]
            assert any(
                r["shape"] == f"gsh:{shape.removeprefix(GSH)}"
                and r["focus"] in (f"ex:{focus.removeprefix(EX)}", f"<{focus}>")
                and r["line"] == line
                and fragment in r["message"]
                for r in results
            ), where
        elif output_format == "turtle":
            graph = Graph().parse(data=out, format="turtle")
            assert any(
                graph.value(r, SH.sourceShape) == URIRef(shape)
                and graph.value(r, SH.focusNode) == URIRef(focus)
                and graph.value(r, GSV.line) == Literal(line)
                and graph.value(r, GSV.file) == Literal(file)
                and fragment in str(graph.value(r, SH.resultMessage))
                for r in graph.subjects(RDF.type, SH.ValidationResult)
            ), where
        elif output_format == "junit":
            suite = next(s for s in ET.fromstring(out).iter("testsuite") if s.get("name") == file)
            assert any(
                case.get("line") == str(line)
                and any(fragment in (child.text or "") for child in case)
                for case in suite.iter("testcase")
            ), where
        elif output_format == "sarif":
            assert any(
                r["properties"].get("shape") == f"gsh:{shape.removeprefix(GSH)}"
                and r["locations"][0]["physicalLocation"]["region"]["startLine"] == line
                and r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == file
                and fragment in r["message"]["text"]
                for r in json.loads(out)["runs"][0]["results"]
            ), where
        elif output_format == "github":
            assert any(
                row.startswith(("::error ", "::warning ", "::notice "))
                and f"file={file},line={line}," in row
                and fragment in row
                for row in out.splitlines()
            ), where
        elif output_format == "grouped":
            assert any(
                row.startswith(f"  {line}:") and fragment in row for row in out.splitlines()
            ), where
        else:
            assert any(
                row.startswith(f"{file}:{line}:") and fragment in row for row in out.splitlines()
            ), where
