"""Validation: parse the files, run the SHACL shapes (pyshacl) and the lints, locate every finding.

What is validated (docs/validate.md tells users the same):

* The project (no paths): every file of ``ontology/`` and ``data/``, as ``graphsvc serve`` loads
  them. ``ontology/shapes.ttl`` is the shapes graph; every other file, ontology included, is the
  data graph, merged into one graph (class targets rely on the ontology's rdfs:subClassOf).
* Given paths: those files, read as ``graphsvc serve PATH`` reads them, against the project's
  shapes (or ``shapes``), with the project's ontology (or ``ontology``) added to the data graph
  so that subclasses and term definitions are known. Findings are reported in every file read.

A file that does not parse stops validation after every file has been tried: the report then
holds only syntax errors (exit code 2), since shapes run on half the data would mislead.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal
from rdflib.namespace import SH

from graphsvc.errors import DataInvalid, LoadError, RDFSyntaxError
from graphsvc.load import SourceFile
from graphsvc.namespaces import DEFAULT_BASE_IRI, GS, data_prefixes
from graphsvc.validation.findings import (
    Finding,
    LoadedFile,
    Locator,
    Severity,
    display_path,
    sort_findings,
)
from graphsvc.validation.inputs import (
    Inputs,
    path_inputs,
    project_inputs,
    quiet_rdflib,
    read_file,
)
from graphsvc.validation.lints import LINT_NAMESPACE, RULES, LintContext, run_lints, to_node
from graphsvc.validation.shacl import new_data_graph, run_shacl

log = logging.getLogger(__name__)

SEVERITY_BY_SHACL = {
    str(SH.Violation): Severity.VIOLATION,
    str(SH.Warning): Severity.WARNING,
    str(SH.Info): Severity.INFO,
}
ALL_RULES = ("shacl", *RULES)


@dataclass(frozen=True)
class ValidationOptions:
    base_iri: str = DEFAULT_BASE_IRI
    vocab_namespaces: tuple[str, ...] = (GS,)
    disabled: frozenset[str] = frozenset()
    """Rule ids to skip: any lint id, or ``shacl`` for the shapes."""
    fail_on: Severity = Severity.VIOLATION

    def __post_init__(self) -> None:
        unknown = sorted(set(self.disabled) - set(ALL_RULES))
        if unknown:
            raise ValueError(
                f"unknown rule id {', '.join(unknown)}; rules are {', '.join(ALL_RULES)}"
            )


@dataclass
class ValidationReport:
    findings: list[Finding]
    files: list[str]
    options: ValidationOptions
    triples: int = 0
    seconds: float = 0.0
    shapes: Graph | None = None
    prefixes: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    digest: str = ""
    """The served files' digest, as ``build_service`` computes it (to detect edits mid-load)."""
    paths: dict[str, str] = field(default_factory=dict)
    """Each file as reports show it → the path as given (the loader's errors use the latter)."""

    def counts(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            counts[finding.severity.value] += 1
        return counts

    @property
    def parse_failed(self) -> bool:
        return any(f.severity is Severity.ERROR for f in self.findings)

    @property
    def conforms(self) -> bool:
        """No finding at or above the ``fail_on`` severity (syntax errors always count)."""
        threshold = self.options.fail_on.rank
        return not any(f.severity.rank >= threshold for f in self.findings)

    @property
    def exit_code(self) -> int:
        return 2 if self.parse_failed else (0 if self.conforms else 1)

    def failing(self, finding: Finding) -> bool:
        return finding.severity.rank >= self.options.fail_on.rank


class ShapesViolated(DataInvalid):
    """The data does not conform: it must not be served. Carries the whole report."""

    def __init__(self, report: ValidationReport) -> None:
        counts = report.counts()
        super().__init__(
            f"the data does not conform to its shapes: {counts['violation']} violation(s), "
            f"{counts['warning']} warning(s), {counts['error']} error(s)"
        )
        self.report = report


def _message(messages: Sequence[Literal]) -> str:
    """The first English message (else untagged, else any): the most specific comes first."""
    for wanted in ("en", None):
        for message in messages:
            language = (message.language or "").split("-")[0].lower() or None
            if language == wanted:
                return str(message)
    return str(messages[0]) if messages else "does not conform to its shape"


def validate_files(
    inputs: Inputs,
    options: ValidationOptions,
    *,
    documents: dict[int, tuple[bytes, str]] | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> ValidationReport:
    """Validate ``inputs``. ``documents`` gives in-memory content for data file number i.

    ``progress`` hears of each step: ``("reading", 0)``, then ``("checking", triples)``.
    """
    started = time.perf_counter()
    if progress is not None:
        progress("reading", 0)
    plan = [(s, "data") for s in inputs.data]
    plan += [(s, "ontology") for s in inputs.ontology]
    plan += [(s, "shapes") for s in inputs.shapes]
    files: list[LoadedFile] = []
    errors: list[Finding] = []
    for index, (source, role) in enumerate(plan):
        data, display = (documents or {}).get(index, (None, ""))
        loaded = read_file(index, source, role, data, display)
        if isinstance(loaded, Finding):
            errors.append(loaded)
        else:
            files.append(loaded)
    prefixes = {**data_prefixes(options.base_iri), "gsv": LINT_NAMESPACE}
    for loaded in files:
        for prefix, namespace in loaded.smap.prefixes.items():
            prefixes.setdefault(prefix, namespace)
    report = ValidationReport(
        findings=[],
        files=[f.display for f in files] + [e.file or "" for e in errors],
        options=options,
        prefixes=prefixes,
        digest="" if documents else _digest(inputs.served, files),
        paths={display_path(source.path): str(source.path) for source, _ in plan},
    )
    if errors:
        report.findings = sort_findings(errors, files)
        report.seconds = time.perf_counter() - started
        return report
    content = [f for f in files if f.role != "shapes"]
    shape_files = [f for f in files if f.role == "shapes"]
    with quiet_rdflib():
        data_graph = new_data_graph()
        for loaded in content:
            _add_quads(data_graph, loaded)
        shapes_graph: Graph | None = None
        if shape_files:
            shapes_graph = Graph()
            for loaded in shape_files:
                _add_quads(shapes_graph, loaded)
        if progress is not None:
            progress("checking", len(data_graph))
        locator = Locator(files, data_graph)
        findings: list[Finding] = []
        if shapes_graph is None:
            report.notes.append("no shapes graph: the SHACL shapes were not run")
        elif "shacl" not in options.disabled:
            findings.extend(_shacl_findings(data_graph, shapes_graph, locator))
        context = LintContext(
            files=files,
            locator=locator,
            vocab_namespaces=options.vocab_namespaces,
            data_namespace=f"{options.base_iri}id/",
            project_namespace=options.base_iri,
            prefixes=prefixes,
        )
        findings.extend(run_lints(context, options.disabled))
    report.findings = sort_findings(findings, files)
    report.shapes = shapes_graph
    report.triples = len(data_graph)
    report.seconds = time.perf_counter() - started
    return report


def _add_quads(graph: Graph, loaded: LoadedFile) -> None:
    """Every quad of a file into one graph: SHACL validates one graph, not a dataset."""
    i = loaded.index
    graph.addN(
        (to_node(q.subject, i), to_node(q.predicate, i), to_node(q.object, i), graph)
        for q in loaded.quads
    )


def _shacl_findings(data: Graph, shapes: Graph, locator: Locator) -> Iterator[Finding]:
    for result in run_shacl(data, shapes):
        file, where = locator.node(result.focus)
        yield Finding(
            rule="shacl",
            severity=SEVERITY_BY_SHACL.get(str(result.severity), Severity.VIOLATION),
            message=_message(result.messages),
            focus=result.focus,
            path=result.path,
            value=result.value,
            shape=result.shape,
            component=result.component,
            constraint=result.constraint,
        ).at(file, where)


def _digest(served: Sequence[SourceFile], files: Sequence[LoadedFile]) -> str:
    """``build_service``'s version digest, over the very bytes that were validated."""
    read = {loaded.source.path.resolve(): loaded.raw for loaded in files}
    digest = hashlib.sha256()
    for source in served:
        raw = read.get(source.path.resolve())
        if raw is None:
            with contextlib.suppress(OSError):
                raw = source.path.read_bytes()
        digest.update(raw or b"")
    return digest.hexdigest()[:16]


def validate_document(
    data: bytes,
    rdf_format: ox.RdfFormat,
    *,
    project_root: Path,
    options: ValidationOptions,
    name: str = "request body",
) -> ValidationReport:
    """One in-memory document against the project's shapes and ontology (``POST /validate``).

    Relative IRIs in it resolve against the data's base IRI.
    """
    context = path_inputs([], project_root, options.base_iri)
    source = SourceFile(path=Path(name), format=rdf_format, graph=None, base_iri=options.base_iri)
    inputs = Inputs(data=[source], ontology=context.ontology, shapes=context.shapes)
    return validate_files(inputs, options, documents={0: (data, name)})


def validate_paths(
    paths: Sequence[Path],
    *,
    project_root: Path,
    options: ValidationOptions,
    shapes: Sequence[Path] = (),
    ontology: Sequence[Path] | None = None,
) -> ValidationReport:
    """``graphsvc validate [PATH ...]``: the project when ``paths`` is empty."""
    if paths:
        inputs = path_inputs(paths, project_root, options.base_iri, shapes, ontology)
    else:
        inputs = project_inputs(project_root, options.base_iri, shapes)
    return validate_files(inputs, options)


def require_conforming(report: ValidationReport) -> None:
    """Raise what the loader raises for bad input, or ``ShapesViolated``."""
    if report.parse_failed:
        first = next(f for f in report.findings if f.severity is Severity.ERROR)
        path = report.paths.get(first.file or "", first.file or "")
        if first.line is not None:
            raise RDFSyntaxError(path, first.line, first.column, first.message)
        raise LoadError(f"{path}: {first.message}")
    if not report.conforms:
        raise ShapesViolated(report)


__all__ = [
    "ALL_RULES",
    "Inputs",
    "ShapesViolated",
    "ValidationOptions",
    "ValidationReport",
    "path_inputs",
    "project_inputs",
    "require_conforming",
    "validate_document",
    "validate_files",
    "validate_paths",
]
