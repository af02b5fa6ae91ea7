"""``graphsvc validate``: every broken fixture gives its exit code, file:line and message in every
output format; the project's own data validates (the CI gate on the project itself)."""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace
from rdflib.namespace import RDF, SH
from typer.testing import CliRunner

from graphsvc.cli.main import app
from tests.support import FIXTURES, ROOT

HERE = FIXTURES / "validate"
PROJECT = HERE / "project"
BROKEN = HERE / "broken"
GSV = Namespace("https://w3id.org/graphsvc/validation#")
FORMATS = ["text", "grouped", "json", "turtle", "junit", "github"]
DEFAULT_BASE = "https://w3id.org/graphsvc/"


@dataclass(frozen=True)
class Case:
    path: str
    exit_code: int
    file: str
    line: int
    rule: str
    message: str
    severity: str = "violation"


CASES = [
    Case("syntax-error.ttl", 2, "syntax-error.ttl", 10, "syntax-error", "end of file", "error"),
    Case("syntax-error.rdf", 2, "syntax-error.rdf", 4, "syntax-error", "ill-formed", "error"),
    Case("billion-laughs.rdf", 2, "billion-laughs.rdf", 3, "syntax-error", "entity", "error"),
    Case(
        "unknown-term.ttl",
        1,
        "unknown-term.ttl",
        11,
        "unknown-term",
        "gs:populaton is not a property the ontology defines (did you mean gs:population?)",
    ),
    Case(
        "dangling-link.ttl",
        1,
        "dangling-link.ttl",
        14,
        "dangling-link",
        "state:souht-korea is linked to but never described (did you mean state:south-korea?)",
    ),
    Case("invalid-literal.ttl", 1, "invalid-literal.ttl", 11, "invalid-literal", "'25 million'"),
    Case("invalid-literal.rdf", 1, "invalid-literal.rdf", 5, "invalid-literal", "'many'"),
    Case("label-language.ttl", 1, "label-language.ttl", 10, "label-language", "no language tag"),
    Case(
        "duplicate-subject",
        0,
        "duplicate-subject/b.ttl",
        10,
        "duplicate-subject",
        "also described in",
        "warning",
    ),
    Case("shape-min-count.ttl", 1, "shape-min-count.ttl", 9, "shacl", "needs a claimant"),
    Case("shape-min-count.trig", 1, "shape-min-count.trig", 6, "shacl", "needs a claimant"),
    Case("shape-min-count.nt", 1, "shape-min-count.nt", 1, "shacl", "needs a claimant"),
    Case("shape-min-count.jsonld", 1, "shape-min-count.jsonld", 9, "shacl", "needs a claimant"),
    Case("shape-datatype.ttl", 1, "shape-datatype.ttl", 12, "shacl", "language-tagged"),
    Case("shape-not-class.ttl", 1, "shape-not-class.ttl", 12, "shacl", "never a settlement"),
    Case("shape-pattern.ttl", 1, "shape-pattern.ttl", 9, "shacl", "Wikidata entity IRI"),
    Case("shape-warning.ttl", 0, "shape-warning.ttl", 9, "shacl", "not verified", "warning"),
    Case(
        "shape-sparql.ttl",
        1,
        "shape-sparql.ttl",
        12,
        "shacl",
        "the earliest date 2024-12-31 is after the latest date 2024-01-01",
    ),
]


def run(*args: str) -> tuple[int, str]:
    """``graphsvc ARGS`` in this process, from the fixtures folder, on the fixture project."""
    runner = CliRunner()
    previous = Path.cwd()
    os.chdir(HERE)
    try:
        result = runner.invoke(app, list(args), env={"GRAPHSVC_PROJECT_ROOT": str(PROJECT)})
    finally:
        os.chdir(previous)
    return result.exit_code, result.stdout


def check_text(case: Case, out: str, file: str) -> None:
    line = next(row for row in out.splitlines() if row.startswith(f"{file}:{case.line}:"))
    assert re.match(rf"{re.escape(file)}:{case.line}(:\d+)?: {case.severity} ", line), line
    assert case.message in line and line.endswith(f" [{case.rule}]")


def check_grouped(case: Case, out: str, file: str) -> None:
    assert f"\n{file}\n" in f"\n{out}"
    line = next(row for row in out.splitlines() if row.startswith(f"  {case.line}:"))
    assert case.severity in line and case.message in line and f"[{case.rule}]" in line


def check_json(case: Case, out: str, file: str) -> None:
    body = json.loads(out)
    assert body["schema"] == 1
    assert body["conforms"] is (case.exit_code == 0)
    group = next(g for g in body["files"] if g["file"] == file)
    result = group["results"][0]
    assert (result["file"], result["line"], result["rule"]) == (file, case.line, case.rule)
    assert result["severity"] == case.severity and case.message in result["message"]
    assert body["summary"][case.severity] == 1


def check_turtle(case: Case, out: str, file: str) -> None:
    graph = Graph().parse(data=out, format="turtle")
    report = graph.value(predicate=RDF.type, object=SH.ValidationReport)
    assert graph.value(report, SH.conforms).toPython() is (case.exit_code == 0)
    (result,) = list(graph.objects(report, SH.result))
    assert graph.value(result, GSV.file) == Literal(file)
    assert graph.value(result, GSV.line).toPython() == case.line
    assert graph.value(result, GSV.rule) == Literal(case.rule)
    assert case.message in str(graph.value(result, SH.resultMessage))
    severity = {"warning": SH.Warning}.get(case.severity, SH.Violation)
    assert graph.value(result, SH.resultSeverity) == severity
    if case.rule != "syntax-error":
        assert graph.value(result, SH.focusNode) is not None


def check_junit(case: Case, out: str, file: str) -> None:
    root = ET.fromstring(out)
    suite = next(s for s in root.iter("testsuite") if s.get("name") == file)
    (testcase,) = list(suite.iter("testcase"))
    assert testcase.get("file") == file and testcase.get("line") == str(case.line)
    tag = {0: "system-out", 1: "failure", 2: "error"}[case.exit_code]
    element = testcase.find(tag)
    assert element is not None and case.message in (element.text or "")
    assert int(root.get("failures", "0")) == (1 if case.exit_code == 1 else 0)


def check_github(case: Case, out: str, file: str) -> None:
    command = {"warning": "warning"}.get(case.severity, "error")
    line = next(row for row in out.splitlines() if row.startswith("::"))
    assert line.startswith(f"::{command} file={file},line={case.line},")
    assert case.message in line.split("::", 2)[2]


CHECKS = {
    "text": check_text,
    "grouped": check_grouped,
    "json": check_json,
    "turtle": check_turtle,
    "junit": check_junit,
    "github": check_github,
}


@pytest.mark.parametrize("case", CASES, ids=[c.path for c in CASES])
@pytest.mark.parametrize("output_format", FORMATS)
def test_each_broken_fixture_in_each_format(case: Case, output_format: str) -> None:
    code, out = run("validate", f"broken/{case.path}", "--format", output_format)
    assert code == case.exit_code, out
    CHECKS[output_format](case, out, f"broken/{case.file}")


def test_good_data_conforms_with_no_finding() -> None:
    code, out = run("validate", "project/data/good.ttl", "--format", "json")
    assert code == 0
    body = json.loads(out)
    assert body["conforms"] is True and body["files"] == []
    assert body["checked"] == [
        "project/data/good.ttl",
        "project/ontology/vocab.ttl",
        "project/ontology/shapes.ttl",
    ]


def test_no_path_validates_the_fixture_project() -> None:
    code, out = run("validate")
    assert code == 0, out
    assert "0 violations" in out and "conforms" in out


def test_fail_on_warning_turns_warnings_into_failures() -> None:
    code, out = run("validate", "broken/shape-warning.ttl", "--fail-on", "warning", "-f", "json")
    assert code == 1
    assert json.loads(out)["conforms"] is False


@pytest.mark.parametrize(
    ("path", "rule"),
    [
        ("broken/unknown-term.ttl", "unknown-term"),
        ("broken/dangling-link.ttl", "dangling-link"),
        ("broken/invalid-literal.ttl", "invalid-literal"),
        ("broken/label-language.ttl", "label-language"),
        ("broken/shape-min-count.ttl", "shacl"),
    ],
)
def test_each_rule_can_be_disabled(path: str, rule: str) -> None:
    code, out = run("validate", path, "--disable", rule, "-f", "json")
    assert code == 0, out
    assert json.loads(out)["files"] == []


def test_duplicate_subject_can_be_disabled() -> None:
    code, out = run("validate", "broken/duplicate-subject", "--disable", "duplicate-subject,shacl")
    assert code == 0 and "0 warnings" in out


@pytest.mark.parametrize(
    "args",
    [
        ["--disable", "no-such-rule"],
        ["--format", "yaml"],
        ["--fail-on", "sometimes"],
        ["--shapes", "missing.ttl"],
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    code, _ = run("validate", "project/data/good.ttl", *args)
    assert code == 2


def test_a_missing_path_exits_2() -> None:
    assert run("validate", "no/such/file.ttl")[0] == 2


def test_shapes_option_replaces_the_project_shapes(tmp_path: Path) -> None:
    shapes = tmp_path / "shapes.ttl"
    shapes.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix gs: <https://w3id.org/graphsvc/ontology#> .\n"
        "<urn:shape> a sh:NodeShape ; sh:targetClass gs:State ;\n"
        "  sh:property [ sh:path gs:population ; sh:minCount 1 ; sh:message 'needs people' ] .\n"
    )
    code, out = run("validate", "broken/label-language.ttl", "--shapes", str(shapes), "-f", "json")
    assert code == 1
    results = [r for g in json.loads(out)["files"] for r in g["results"]]
    assert {r["rule"] for r in results} == {"shacl", "label-language"}
    assert any(r["message"] == "needs people" and r["line"] == 9 for r in results)
    # The project's own shapes were not used: the claim shapes would have found nothing here.
    assert not any("claimant" in r["message"] for r in results)


def test_output_file_gets_the_report_and_stderr_the_summary(tmp_path: Path) -> None:
    target = tmp_path / "report.xml"
    code, _ = run("validate", "broken/shape-pattern.ttl", "-f", "junit", "-o", str(target))
    assert code == 1
    root = ET.fromstring(target.read_text())
    assert root.tag == "testsuites" and root.get("failures") == "1"


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "graphsvc", "validate", *args]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["GRAPHSVC_PROJECT_ROOT"] = str(PROJECT)
    return env


@pytest.mark.e2e
def test_text_is_coloured_only_on_a_terminal() -> None:
    args = _command("broken/shape-pattern.ttl")
    piped = subprocess.run(args, cwd=HERE, env=_env(), capture_output=True, text=True, timeout=60)
    assert piped.returncode == 1 and "violation" in piped.stdout
    assert "\x1b[" not in piped.stdout

    leader, follower = pty.openpty()
    process = subprocess.Popen(args, cwd=HERE, env=_env(), stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert process.wait(timeout=60) == 1
    shown = b"".join(chunks).decode()
    assert "\x1b[31mviolation\x1b[0m" in shown


@pytest.mark.project
def test_the_project_data_validates() -> None:
    """The project's own CI gate: ``graphsvc validate`` on the repository exits 0."""
    env = {k: v for k, v in os.environ.items() if k != "GRAPHSVC_PROJECT_ROOT"}
    done = subprocess.run(
        [sys.executable, "-m", "graphsvc", "validate", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    body = json.loads(done.stdout)
    failing = [
        f"{r['file']}:{r['line']}: {r['message']}" for g in body["files"] for r in g["results"]
    ]
    assert done.returncode == 0, "\n".join(failing)
    assert body["conforms"] is True
    assert body["notes"] == []  # the shapes were found and run
    assert any(name.endswith("ontology/shapes.ttl") for name in body["checked"])
    assert re.search(r"data/.+\.ttl", " ".join(body["checked"]))


@pytest.mark.project
def test_pre_commit_hooks_and_workflow_example_run_real_commands() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"graphsvc-validate", "graphsvc-validate-files"}
    for hook in hooks:
        assert hook["entry"] == "graphsvc validate"
        assert re.search(hook["files"], "data/new-article.ttl")
        assert not re.search(hook["files"], "README.md")
    workflow_text = (ROOT / ".github/workflows/validate-example.yml").read_text()
    assert workflow_text in (ROOT / "docs" / "validate.md").read_text()  # documented as it is
    workflow = yaml.safe_load(workflow_text)
    # The example runs the gate through this repository's action, whose steps
    # tests/e2e/test_action.py runs.
    steps = workflow["jobs"]["validate"]["steps"]
    assert any(step.get("uses", "").endswith("/graphsvc@v1") for step in steps)


def test_ontology_option_names_the_terms_that_exist(tmp_path: Path) -> None:
    vocabulary = tmp_path / "vocab.ttl"
    vocabulary.write_text(
        (PROJECT / "ontology" / "vocab.ttl").read_text()
        + "gs:populaton a owl:DatatypeProperty ; rdfs:label 'populaton'@en .\n"
    )
    code, out = run("validate", "broken/unknown-term.ttl", "--ontology", str(vocabulary))
    assert code == 0, out


def test_namespace_option_checks_another_vocabulary(tmp_path: Path) -> None:
    data = tmp_path / "data.ttl"
    data.write_text(
        "@prefix v: <https://example.org/vocab#> .\n"
        "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
        "<https://example.org/vocab> a owl:Ontology .\n"
        "v:Thing a owl:Class .\n"
        "<https://example.org/x> a v:Thnig .\n"
    )
    code, out = run(
        "validate", str(data), "--namespace", "https://example.org/vocab#", "-f", "json"
    )
    assert code == 1
    (result,) = [r for g in json.loads(out)["files"] for r in g["results"]]
    assert result["rule"] == "unknown-term" and result["line"] == 5
    assert "is not a class" in result["message"]


def test_served_data_is_the_validated_data(tmp_path: Path) -> None:
    """A file edited between validation and loading is validated again before it is served."""
    from types import SimpleNamespace

    from graphsvc.assemble import build_validated
    from graphsvc.load import discover
    from graphsvc.service import sources_digest
    from graphsvc.validation.validator import ShapesViolated

    data = tmp_path / "data.ttl"
    good = (PROJECT / "data" / "good.ttl").read_text()
    data.write_text(good)
    edits = [good + "\n# an innocent edit\n", good.replace("gs:claimant state:north-korea ;", "")]
    calls: list[str] = []

    # The project's ontology and shapes are served along: given files are validated against the
    # shapes among them. Validation first, then the load (as over a store on disk).
    paths = [data, PROJECT / "ontology"]

    def build() -> SimpleNamespace:
        calls.append(data.read_text())
        if edits:  # an editor saves while the store is being loaded
            data.write_text(edits.pop(0))
        return SimpleNamespace(version=sources_digest(discover(paths, base_iri=DEFAULT_BASE)))

    def validated() -> SimpleNamespace:
        return build_validated(
            build, paths, project_root=PROJECT, base_iri=DEFAULT_BASE, concurrent=False
        )

    with pytest.raises(ShapesViolated) as refused:
        validated()
    # First load: edited meanwhile; second: edited again, and this time to break the shapes.
    assert len(calls) == 2
    assert "needs a claimant" in refused.value.report.findings[0].message
    data.write_text(good)
    built = validated()
    assert len(calls) == 3 and built.version
