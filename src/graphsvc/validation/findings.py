"""What validation finds, and where: severities, findings, loaded files, and the locator.

A ``Finding`` is one problem: a SHACL validation result, a lint, or a syntax error. It carries the
rdflib terms (for the W3C report graph) and the place in the source (for people and CI).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pyoxigraph as ox
from rdflib.graph import Graph
from rdflib.term import BNode, Literal, Node, URIRef

from graphsvc.load import SourceFile
from graphsvc.validation.sourcemap import Position, SourceMap

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XSD_PREFIX = {"xsd": "http://www.w3.org/2001/XMLSchema#"}


class Severity(enum.Enum):
    """Severities, lowest first. SHACL's three, plus ``error`` for input that does not parse."""

    INFO = "info"
    WARNING = "warning"
    VIOLATION = "violation"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @classmethod
    def parse(cls, name: str) -> Severity:
        try:
            return cls(name.strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls if s is not Severity.ERROR)
            raise ValueError(f"unknown severity {name!r}; use one of {choices}") from None


@dataclass(frozen=True)
class Finding:
    rule: str
    """``shacl``, ``syntax-error`` or a lint's id."""
    severity: Severity
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    focus: Node | None = None
    path: Node | None = None
    value: Node | None = None
    shape: Node | None = None
    component: Node | None = None
    constraint: Node | None = None

    def at(self, file: str | None, where: Position | None) -> Finding:
        return replace(
            self,
            file=file,
            line=where.line if where else None,
            column=where.column if where else None,
        )

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        return (self.line or 0, self.column or 0, self.rule, self.message)


@dataclass
class LoadedFile:
    """One parsed input file."""

    index: int
    display: str
    """The path as reports show it: relative to the working directory when inside it."""
    source: SourceFile
    quads: list[ox.Quad]
    smap: SourceMap
    role: str = "data"
    """``data``, ``ontology`` (defines terms) or ``shapes`` (the shapes graph)."""
    subjects: set[str] = field(default_factory=set)
    raw: bytes = b""
    """The bytes parsed: what is served must be what was validated (see ``build_validated``)."""


def display_path(path: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


def bnode_id(file_index: int, label: str) -> str:
    """Blank nodes are scoped to their file: two files' ``_:b1`` are different nodes."""
    return f"f{file_index}x{label}"


def split_bnode_id(node: BNode) -> tuple[int, str] | None:
    text = str(node)
    head, sep, label = text.partition("x")
    if not sep or not head.startswith("f") or not head[1:].isdigit():
        return None
    return int(head[1:]), label


class Locator:
    """Finds the file and line where a node is described (as a subject, if anywhere)."""

    def __init__(self, files: Sequence[LoadedFile], graph: Graph | None) -> None:
        self.files = list(files)
        self.graph = graph

    def _file(self, index: int) -> LoadedFile | None:
        return self.files[index] if 0 <= index < len(self.files) else None

    def node(self, node: Node | None, depth: int = 0) -> tuple[str | None, Position | None]:
        if isinstance(node, URIRef):
            key = str(node)
            for loaded in self.files:
                if key in loaded.subjects:
                    return loaded.display, loaded.smap.subject(key)
            for loaded in self.files:
                found = loaded.smap.search(key)
                if found is not None:
                    return loaded.display, found
            return None, None
        if isinstance(node, BNode):
            return self._bnode(node, depth)
        return None, None

    def _bnode(self, node: BNode, depth: int) -> tuple[str | None, Position | None]:
        scoped = split_bnode_id(node)
        if scoped is None:
            return None, None
        loaded = self._file(scoped[0])
        if loaded is None:
            return None, None
        where = loaded.smap.subject(f"_:{scoped[1]}")
        if where is not None or self.graph is None or depth > 8:
            return loaded.display, where
        # An anonymous [ ] node: find it through the subject and predicate that hold it.
        for parent, predicate in self.graph.subject_predicates(node):
            parent_key = str(parent) if isinstance(parent, URIRef) else None
            if parent_key is not None:
                places = loaded.smap.anonymous.get((parent_key, str(predicate)))
                if places:
                    return loaded.display, places[0]
            _, parent_place = self.node(parent, depth + 1)
            if parent_place is not None:
                return loaded.display, parent_place
        return loaded.display, None

    def triple(self, loaded: LoadedFile, subject: str, predicate: str, obj: str) -> Position | None:
        return loaded.smap.triple(subject, predicate, obj) or loaded.smap.subject(subject)


def sort_findings(findings: Iterable[Finding], files: Sequence[LoadedFile]) -> list[Finding]:
    """Grouped by file in load order (findings without a file last), then by line."""
    order = {loaded.display: loaded.index for loaded in files}

    def key(f: Finding) -> tuple[bool, int, str, tuple[int, int, str, str]]:
        return (f.file is None, order.get(f.file or "", len(order)), f.file or "", f.sort_key)

    return sorted(findings, key=key)


def n3(node: Node | None, prefixes: dict[str, str] | None = None) -> str | None:
    """A term in N-Triples syntax, or a prefixed name when a prefix fits."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        text = str(node)
        for prefix, namespace in (prefixes or {}).items():
            if text.startswith(namespace) and len(text) > len(namespace):
                local = text[len(namespace) :]
                if all(c.isalnum() or c in "-_." for c in local) and not local.endswith("."):
                    return f"{prefix}:{local}"
        return f"<{text}>"
    if isinstance(node, BNode):
        return f"_:{node}"
    if isinstance(node, Literal):
        quoted = Literal(str(node)).n3()  # the lexical form, quoted and escaped
        if node.language:
            return f"{quoted}@{node.language}"
        if node.datatype is not None and str(node.datatype) != XSD_STRING:
            return f"{quoted}^^{n3(URIRef(str(node.datatype)), {**XSD_PREFIX, **(prefixes or {})})}"
        return quoted
    return str(node)
