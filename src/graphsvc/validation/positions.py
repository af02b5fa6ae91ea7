"""Positions in a source file, and the map of where each subject and triple is written.

Shared by the readers of every syntax (sourcemap.py for the Turtle family, sourcemap_markup.py
for JSON-LD and RDF/XML) and by the findings that point into files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import pyoxigraph as ox


@dataclass(frozen=True)
class Position:
    line: int
    column: int


@dataclass
class SourceMap:
    """Positions found in one file. ``subjects`` and ``triples`` keep the first occurrence."""

    subjects: dict[str, Position] = field(default_factory=dict)
    triples: dict[tuple[str, str, str], Position] = field(default_factory=dict)
    anonymous: dict[tuple[str, str], list[Position]] = field(default_factory=dict)
    text: str = ""
    prefixes: dict[str, str] = field(default_factory=dict)
    """Prefixes the file declares (Turtle family): reports write IRIs the way the file does."""

    def subject(self, key: str) -> Position | None:
        return self.subjects.get(key)

    def triple(self, s: str, p: str, o: str) -> Position | None:
        return self.triples.get((s, p, o))

    def search(self, needle: str) -> Position | None:
        """The first place the text mentions ``needle`` (a last resort for IRIs)."""
        if not needle:
            return None
        offset = self.text.find(needle)
        if offset < 0:
            return None
        line = self.text.count("\n", 0, offset) + 1
        return Position(line, offset - (self.text.rfind("\n", 0, offset) + 1) + 1)


def term_key(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | ox.DefaultGraph) -> str:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        return f'"{term.value}'
    return str(term)


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def resolve(base: str | None, raw: str) -> str:
    """An IRI reference resolved against ``base`` (an absolute IRI is kept exactly as written)."""
    if not base or _SCHEME.match(raw):
        return raw
    if raw.endswith("#"):  # urljoin drops an empty fragment; RDF keeps it
        return urljoin(base, raw[:-1]) + "#"
    return urljoin(base, raw)
