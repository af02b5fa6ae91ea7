"""Files → a dataset: which files to read, in which format, into which named graph.

The graph-IRI rule (also in the README):

* Serving the project (no paths given): every file under ``ontology/`` and ``data/`` gets its own
  named graph, ``<base>graph/<path relative to the project root, without its suffix>``;
  ``data/reference.ttl`` becomes ``<https://w3id.org/graphsvc/graph/data/reference>``. Quad
  formats (TriG, N-Quads) keep the graphs they name; only their default-graph triples go to the
  file's graph.
* Serving given paths (``graphsvc serve PATH ...``): quads keep their graphs, triples go to
  the default graph, as ``rdflib-endpoint serve`` does.

Relative IRIs in a project file resolve against ``<base><relative path>``; in a given file, against
the file's own ``file:`` URI, the convention of rdflib and most RDF tools.

Parsing never opens anything but the file itself: no ``owl:imports``, no remote JSON-LD context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from graphsvc.errors import LoadError, RDFSyntaxError

FORMATS_BY_SUFFIX: dict[str, ox.RdfFormat] = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".turtle": ox.RdfFormat.TURTLE,
    ".trig": ox.RdfFormat.TRIG,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".json-ld": ox.RdfFormat.JSON_LD,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
}
_LOCATION_PREFIX = re.compile(r"^Parser error (?:at|between) [^:]*: ")
QUAD_FORMATS = {ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS}


@dataclass(frozen=True)
class SourceFile:
    """One RDF file to load, with where its triples go."""

    path: Path
    format: ox.RdfFormat
    graph: ox.NamedNode | None
    """Graph for the file's triples (its default graph in quad formats); None: the default graph."""
    base_iri: str

    @property
    def is_quads(self) -> bool:
        return self.format in QUAD_FORMATS


def rdf_format_for(path: Path) -> ox.RdfFormat | None:
    return FORMATS_BY_SUFFIX.get(path.suffix.lower())


def _files_under(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and rdf_format_for(p) is not None
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
    raise LoadError(f"{path}: no such file or folder")


def graph_iri_for(path: Path, root: Path, base_iri: str) -> str:
    relative = path.resolve().relative_to(root.resolve()).with_suffix("")
    return f"{base_iri}graph/{relative.as_posix()}"


def discover(
    paths: Iterable[Path], *, base_iri: str, project_root: Path | None = None
) -> list[SourceFile]:
    """List the files to load, in a stable order.

    With ``project_root`` set, the paths are the project's and each file gets its own named
    graph; otherwise triples go to the default graph.
    """
    sources: list[SourceFile] = []
    seen: set[Path] = set()
    for given in paths:
        for path in _files_under(Path(given)):
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            rdf_format = rdf_format_for(path)
            if rdf_format is None:
                raise LoadError(
                    f"{path}: unknown RDF format; use one of the suffixes "
                    + ", ".join(sorted(FORMATS_BY_SUFFIX))
                )
            if project_root is not None:
                relative = resolved.relative_to(project_root.resolve()).as_posix()
                sources.append(
                    SourceFile(
                        path=path,
                        format=rdf_format,
                        graph=ox.NamedNode(graph_iri_for(path, project_root, base_iri)),
                        base_iri=f"{base_iri}{relative}",
                    )
                )
            else:
                sources.append(
                    SourceFile(path=path, format=rdf_format, graph=None, base_iri=resolved.as_uri())
                )
    return sources


_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_ROOT_ELEMENT = re.compile(rb"<[A-Za-z_]")


def guard_rdfxml(data: bytes, where: Path | str) -> None:
    """Refuse RDF/XML that declares entities, before any parser sees it.

    pyoxigraph's RDF/XML parser expands internal entities without a bound, so a "billion laughs"
    document exhausts memory and aborts the process; external entities are an exfiltration risk.
    RDF/XML has no need for either, so any entity declaration in the prologue is refused.
    """
    root = _ROOT_ELEMENT.search(data)
    prologue = data[: root.start()] if root else data
    declaration = _ENTITY_DECLARATION.search(prologue)
    if declaration:
        line = prologue[: declaration.start()].count(b"\n") + 1
        raise RDFSyntaxError(
            where,
            line,
            None,
            "XML entity declarations are refused: they allow entity-expansion and external-entity "
            "attacks, and RDF/XML does not need them",
        )


def check_source(source: SourceFile) -> None:
    """Safety checks a file must pass before it is parsed."""
    if source.format == ox.RdfFormat.RDF_XML:
        with open(source.path, "rb") as handle:
            # The prologue comes first; 1 MB is far more than any legitimate one.
            guard_rdfxml(handle.read(1_000_000), source.path)


def syntax_error(exc: SyntaxError, path: Path | str) -> RDFSyntaxError:
    """Turn a parser's SyntaxError into our error carrying file:line:col."""
    message = exc.msg if exc.msg else str(exc)
    # The location is reported as file:line:col already; keep only the parser's explanation.
    message = _LOCATION_PREFIX.sub("", message)
    return RDFSyntaxError(path, exc.lineno, exc.offset, message)


def parse_quads(source: SourceFile) -> Iterator[ox.Quad]:
    """Parse one file into quads, its triples placed in ``source.graph``."""
    target = source.graph if source.graph is not None else ox.DefaultGraph()
    check_source(source)
    try:
        # Blank-node labels are scoped to their document: renamed, two files never share one.
        quads = ox.parse(
            path=source.path,
            format=source.format,
            base_iri=source.base_iri,
            rename_blank_nodes=True,
        )
        for quad in quads:
            if isinstance(quad.graph_name, ox.DefaultGraph) and source.graph is not None:
                yield ox.Quad(quad.subject, quad.predicate, quad.object, target)
            else:
                yield quad
    except SyntaxError as exc:
        raise syntax_error(exc, source.path) from None
    except (OSError, ValueError) as exc:
        raise LoadError(f"{source.path}: {exc}") from None
