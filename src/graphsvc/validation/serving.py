"""What ``graphsvc serve`` validates before it serves, and the fingerprint of those bytes.

The rule (docs/validate.md, "Serving only valid data", says the same to users):

* **The project** (``graphsvc serve`` with no path: ``ontology/`` and ``data/``) is validated as
  ``graphsvc validate`` validates it: ``ontology/shapes.ttl`` and the lints, over the ontology and
  the data. Those shapes are the project's curation rules, written for those files.
* **Given files** are validated only if they carry SHACL shapes themselves, and then against
  those shapes only. A file *declares shapes* if one of its triples types a node
  ``sh:NodeShape`` or ``sh:PropertyShape``, or gives it a target (``sh:targetClass``,
  ``sh:targetNode``, ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``). Those files make the
  shapes graph; every given file (those included: SHACL lets one graph hold shapes and data, and
  they are served) makes the data graph. The project's lints are not run: they encode this
  project's conventions (its vocabulary, English labels, links under ``<base>id/``), which other
  data never agreed to. ``graphsvc validate FILES`` still checks any files against the project's
  shapes and lints, on request.
* Given files without shapes are served without SHACL, with one line in the log saying so.
  Before, they were checked against the project's shapes, which say nothing about other data
  (at a million generated triples that took eight minutes, to refuse data that was never meant
  to meet them).

Only a file whose bytes spell the SHACL namespace IRI (``http://www.w3.org/ns/shacl#``) can
declare shapes in practice; ``fingerprint`` finds that with a byte search while it hashes, so a
large file without shapes is never parsed for this. (A namespace written only through escapes
or a relative IRI is not looked for.)

The fingerprint is the cache key of a validation result: the digest of every byte validated
(which, under this rule, are the served files' bytes, in serving order, each with its path), the
mode, the base IRI, the options, and the versions of graphsvc, pyshacl, rdflib and pyoxigraph.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pyoxigraph as ox

from graphsvc import __version__
from graphsvc.errors import LoadError
from graphsvc.load import SourceFile, discover, guard_rdfxml
from graphsvc.validation.inputs import Inputs, project_inputs
from graphsvc.validation.lints import RULES
from graphsvc.validation.validator import ValidationOptions

SHACL = "http://www.w3.org/ns/shacl#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SHAPE_CLASSES = frozenset({SHACL + "NodeShape", SHACL + "PropertyShape"})
TARGETS = frozenset(
    SHACL + name for name in ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
)
CHUNK = 1 << 20
KEY_SCHEMA = "graphsvc-serve-validation-1"


@dataclass(frozen=True)
class ServeCheck:
    """What to validate before serving: plain values, sent as they are to the validation process."""

    paths: tuple[str, ...]
    """The files or folders given; empty: the project."""
    project_root: str
    base_iri: str

    @property
    def serves_project(self) -> bool:
        return not self.paths

    def served(self) -> list[SourceFile]:
        """The files ``build_service`` loads, in its order."""
        if self.serves_project:
            root = Path(self.project_root)
            return discover(
                [root / "ontology", root / "data"], base_iri=self.base_iri, project_root=root
            )
        return discover([Path(p) for p in self.paths], base_iri=self.base_iri)

    def options(self) -> ValidationOptions:
        if self.serves_project:
            return ValidationOptions(base_iri=self.base_iri)
        return ValidationOptions(base_iri=self.base_iri, disabled=frozenset(RULES))


@dataclass(frozen=True)
class Fingerprint:
    key: str
    """The cache key: everything a validation result depends on."""
    digest: str
    """The served files' digest, as ``service.sources_digest`` computes it."""
    files: int
    mentions_shacl: bool
    """Some file spells the SHACL namespace (only such a file can declare shapes)."""


def _versions() -> str:
    found = []
    for package in ("pyshacl", "rdflib", "pyoxigraph"):
        try:
            found.append(f"{package}={metadata.version(package)}")
        except metadata.PackageNotFoundError:
            found.append(f"{package}=?")
    return ",".join(found)


def fingerprint(check: ServeCheck, sources: Sequence[SourceFile]) -> Fingerprint:
    """Read each file once: the served digest, the cache key and the SHACL namespace search."""
    needle = SHACL.encode()
    served = hashlib.sha256()
    key = hashlib.sha256()
    options = check.options()
    header = (
        KEY_SCHEMA, __version__, _versions(), check.serves_project, check.base_iri,
        options.vocab_namespaces, sorted(options.disabled), options.fail_on.value,
    )  # fmt: skip
    key.update(repr(header).encode())
    mentions = False
    for source in sources:
        one = hashlib.sha256()
        size = 0
        tail = b""
        with source.path.open("rb") as data:
            while chunk := data.read(CHUNK):
                served.update(chunk)
                one.update(chunk)
                size += len(chunk)
                if not mentions:
                    mentions = needle in tail + chunk
                    tail = chunk[-len(needle) :]
        key.update(f"\n{source.path.resolve()}\t{size}\t{one.hexdigest()}".encode())
    return Fingerprint(
        key=key.hexdigest()[:32],
        digest=served.hexdigest()[:16],
        files=len(sources),
        mentions_shacl=mentions,
    )


def mentions_shacl(path: Path) -> bool:
    """Whether the file holds the SHACL namespace IRI anywhere: a byte search, so that a large
    file without shapes is never parsed, nor hashed, for validation (0.1 s at a million
    triples). Chunks are searched in place; only their seams are copied."""
    needle = SHACL.encode()
    tail = b""
    with path.open("rb") as data:
        while chunk := data.read(CHUNK):
            if needle in chunk or needle in tail + chunk[: len(needle) - 1]:
                return True
            tail = chunk[1 - len(needle) :]
    return False


def any_shacl(check: ServeCheck, sources: Sequence[SourceFile]) -> bool:
    """Whether validation can mean anything: the project always, given files only when one
    of them mentions SHACL (``declares_shapes`` then tells shapes from a passing mention)."""
    return check.serves_project or any(mentions_shacl(source.path) for source in sources)


def declares_shapes(source: SourceFile) -> bool:
    """Whether the file declares a SHACL shape (see the module's docstring); stops at the first.

    A file that cannot be read or parsed declares what it declares before the error: then the
    validation reports the error with its line (exit code 2); else the loader does.
    """
    try:
        if not mentions_shacl(source.path):
            return False
        if source.format == ox.RdfFormat.RDF_XML:
            raw = source.path.read_bytes()
            guard_rdfxml(raw, source.path)  # no entity expansion, before any parser
            quads = ox.parse(input=raw, format=source.format, base_iri=source.base_iri)
        else:
            quads = ox.parse(path=source.path, format=source.format, base_iri=source.base_iri)
        for quad in quads:
            predicate = quad.predicate.value
            if predicate in TARGETS:
                return True
            if predicate == RDF_TYPE and getattr(quad.object, "value", None) in SHAPE_CLASSES:
                return True
    except (LoadError, SyntaxError, ValueError, OSError):
        return False
    return False


def serving_inputs(check: ServeCheck) -> Inputs | None:
    """The files to validate and their roles; None when the given files declare no shapes."""
    if check.serves_project:
        return project_inputs(Path(check.project_root), check.base_iri)
    served = check.served()
    shapes = [source for source in served if declares_shapes(source)]
    if not shapes:
        return None
    return Inputs(data=served, ontology=[], shapes=shapes, served=served)


NO_SHAPES = (
    "none of them declares SHACL shapes (sh:NodeShape, sh:PropertyShape or a target), and the "
    "project's shapes are the project's curation rules, not theirs; `graphsvc validate PATH` "
    "checks files against the project's shapes on request"
)
