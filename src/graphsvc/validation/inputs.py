"""Which files validation reads, in which role, and how one file is read (see ``validate``)."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import pyoxigraph as ox

from graphsvc.errors import RDFSyntaxError
from graphsvc.load import SourceFile, discover, guard_rdfxml, syntax_error
from graphsvc.validation.findings import Finding, LoadedFile, Severity, display_path
from graphsvc.validation.sourcemap import build_sourcemap, term_key

SHAPES_FILE = Path("ontology") / "shapes.ttl"
OWL_ONTOLOGY = "http://www.w3.org/2002/07/owl#Ontology"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


@dataclass(frozen=True)
class Inputs:
    """The files to read, and the part each plays."""

    data: list[SourceFile]
    ontology: list[SourceFile] = field(default_factory=list)
    shapes: list[SourceFile] = field(default_factory=list)
    served: list[SourceFile] = field(default_factory=list)


def _same(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def project_inputs(root: Path, base_iri: str, shapes: Sequence[Path] = ()) -> Inputs:
    """The project's files, discovered as ``graphsvc serve`` discovers them."""
    served = discover([root / "ontology", root / "data"], base_iri=base_iri, project_root=root)
    shapes_paths = list(shapes) or [root / SHAPES_FILE]
    shape_sources = [s for s in served if any(_same(s.path, p) for p in shapes_paths)]
    for extra in shapes_paths:
        if extra.exists() and not any(_same(s.path, extra) for s in shape_sources):
            shape_sources.extend(discover([extra], base_iri=base_iri))
    ontology_dir = (root / "ontology").resolve()
    data, ontology = [], []
    for source in served:
        if any(_same(source.path, s.path) for s in shape_sources):
            continue
        if source.path.resolve().is_relative_to(ontology_dir):
            ontology.append(source)
        else:
            data.append(source)
    return Inputs(data=data, ontology=ontology, shapes=shape_sources, served=served)


def path_inputs(
    paths: Sequence[Path],
    root: Path,
    base_iri: str,
    shapes: Sequence[Path] = (),
    ontology: Sequence[Path] | None = None,
) -> Inputs:
    """Given files against the project's shapes and ontology (or the ones named)."""
    served = discover(paths, base_iri=base_iri)
    shapes_paths = list(shapes)
    if not shapes_paths and (root / SHAPES_FILE).is_file():
        shapes_paths = [root / SHAPES_FILE]
    shape_sources = discover(shapes_paths, base_iri=base_iri) if shapes_paths else []
    if ontology is None:
        ontology_dir = root / "ontology"
        ontology = [ontology_dir] if ontology_dir.is_dir() else []
    context = [
        s
        for s in discover(ontology, base_iri=base_iri)
        if not any(_same(s.path, x.path) for x in [*shape_sources, *served])
    ]
    data = [s for s in served if not any(_same(s.path, x.path) for x in shape_sources)]
    return Inputs(data=data, ontology=context, shapes=shape_sources, served=served)


@contextlib.contextmanager
def quiet_rdflib() -> Iterator[None]:
    """rdflib logs a traceback for every ill-typed literal; the lint reports them instead."""
    logger = logging.getLogger("rdflib.term")
    disabled = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = disabled


def read_file(
    index: int, source: SourceFile, role: str, data: bytes | None = None, display: str = ""
) -> LoadedFile | Finding:
    """Parse one file into a ``LoadedFile``, or the syntax error that stops it."""
    shown = display or display_path(source.path)
    try:
        raw = source.path.read_bytes() if data is None else data
    except OSError as exc:
        return Finding("syntax-error", Severity.ERROR, f"cannot read the file: {exc}", shown)
    try:
        if source.format == ox.RdfFormat.RDF_XML:
            guard_rdfxml(raw, shown)  # entity expansion and external entities: refused first
        quads = list(ox.parse(input=raw, format=source.format, base_iri=source.base_iri))
    except RDFSyntaxError as exc:
        return _syntax_finding(exc, shown)
    except SyntaxError as exc:
        error = syntax_error(exc, shown)
        if error.line is None and source.format == ox.RdfFormat.RDF_XML:
            error = _locate_xml_error(raw, error)
        return _syntax_finding(error, shown)
    except (OSError, ValueError) as exc:
        return Finding("syntax-error", Severity.ERROR, str(exc), shown)
    text = raw.decode("utf-8", errors="replace")
    smap = build_sourcemap(text, source.format, source.base_iri)
    if role == "data" and any(
        q.predicate.value == RDF_TYPE and term_key(q.object) == OWL_ONTOLOGY for q in quads
    ):
        role = "ontology"
    loaded = LoadedFile(index, shown, source, quads, smap, role)
    loaded.subjects = {term_key(q.subject) for q in quads}
    loaded.raw = raw
    return loaded


_QUOTED = re.compile(r"`([^`]{2,})`")


def _locate_xml_error(raw: bytes, error: RDFSyntaxError) -> RDFSyntaxError:
    """pyoxigraph gives RDF/XML errors no position: find one for people and CI annotations.

    Expat (which the entity guard has already made safe: no DTD entity survives it) reports where
    the XML stops being well-formed; an RDF-level error names what it objects to in backquotes,
    and its first occurrence in the text is the best guess left.
    """
    parser = expat.ParserCreate()
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        return RDFSyntaxError(error.path, exc.lineno, exc.offset + 1, error.parser_message)
    text = raw.decode("utf-8", errors="replace")
    for quoted in _QUOTED.findall(error.parser_message):
        offset = text.find(quoted)
        if offset >= 0:
            line = text.count("\n", 0, offset) + 1
            column = offset - (text.rfind("\n", 0, offset) + 1) + 1
            return RDFSyntaxError(error.path, line, column, error.parser_message)
    return error


def _syntax_finding(exc: RDFSyntaxError, shown: str) -> Finding:
    return Finding(
        "syntax-error",
        Severity.ERROR,
        exc.parser_message,
        shown,
        exc.line,
        exc.column,
    )
