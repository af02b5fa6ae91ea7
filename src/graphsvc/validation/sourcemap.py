"""Where things are written: map subjects and triples back to file:line:column.

No RDF parser reports positions for the triples it produces, so this module reads the source text
again, after the real parser (pyoxigraph) has accepted it:

* Turtle, TriG, N-Triples, N-Quads: a tokenizer and a small recursive reader that follows the
  grammar's structure (directives, subjects, predicate-object lists, ``[ ]`` and ``( )``) without
  building terms beyond what it needs, and records the position of every subject and every
  triple. Anonymous ``[ ]`` nodes are recorded with the subject and predicate that hold them, so
  a blank node the parser named at random can still be found through its parent.
* JSON-LD and RDF/XML: best effort. The first ``"@id"`` (or its alias) whose value expands to
  the IRI, and the first ``rdf:about`` / ``rdf:ID`` / ``rdf:nodeID`` naming it.

Keys are plain strings: an IRI's text, ``_:label`` for a labelled blank node, ``"lexical`` for a
literal (quote prefix, lexical form only). Reading never fails: whatever the reader cannot follow
is simply not mapped, and the callers fall back to a search of the text or to the file alone.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

import pyoxigraph as ox

from graphsvc.validation.positions import Position, SourceMap, resolve, term_key
from graphsvc.validation.sourcemap_markup import jsonld_map, xml_map

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n\r]*)
  | (?P<iri><[^<>"{}|^`\s]*>)
  | (?P<str3>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*''')
  | (?P<str1>"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<at>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
  | (?P<hat>\^\^)
  | (?P<num>[+-]?(?:[0-9]+\.[0-9]+|\.[0-9]+|[0-9]+)(?:[eE][+-]?[0-9]+)?(?![A-Za-z0-9_:]))
  | (?P<word>(?:[^\s<>"'{}\[\]();,^\#\\.]|\\.|\.(?=[^\s<>"'{}\[\]();,^\#.]))+)
  | (?P<punct>[.;,\[\]\(\)\{\}])
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_STRING_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))", re.DOTALL)
_LOCAL_ESCAPE = re.compile(r"\\(.)")


def _unescape_string(body: str) -> str:
    def replace(found: re.Match[str]) -> str:
        code = found.group(1) or found.group(2)
        if code:
            return chr(int(code, 16))
        return _ESCAPES.get(found.group(3), found.group(3))

    return _STRING_ESCAPE.sub(replace, body)


@dataclass
class _Token:
    kind: str
    text: str
    offset: int


def _tokens(text: str) -> Iterator[_Token]:
    for found in _TOKEN.finditer(text):
        kind = found.lastgroup or "other"
        if kind in ("ws", "comment"):
            continue
        yield _Token(kind, found.group(), found.start())


class _TurtleReader:
    """Follows Turtle/TriG/N-Triples/N-Quads structure and records positions."""

    def __init__(self, text: str, base_iri: str | None, quads: bool) -> None:
        self.text = text
        self.tokens = list(_tokens(text))
        self.i = 0
        self.depth = 0
        self.base = base_iri or ""
        self.quads = quads
        self.map = SourceMap(text=text)
        self.prefixes = self.map.prefixes
        self._line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self._anon = 0

    def position(self, offset: int) -> Position:
        line = bisect.bisect_right(self._line_starts, offset)
        return Position(line, offset - self._line_starts[line - 1] + 1)

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def is_punct(self, value: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "punct" and token.text == value

    def iri(self, token: _Token) -> str:
        if token.kind == "iri":
            return resolve(self.base, _unescape_string(token.text[1:-1]))
        name = token.text
        if token.kind == "word" and name == "a":
            return RDF_TYPE
        if name.startswith("_:"):
            return name
        prefix, sep, local = name.partition(":")
        if sep and prefix in self.prefixes:
            return self.prefixes[prefix] + _LOCAL_ESCAPE.sub(r"\1", local)
        return name

    # -- grammar -------------------------------------------------------------------------------

    def read(self) -> SourceMap:
        self.block(closing=False)
        return self.map

    def block(self, closing: bool) -> None:
        while (token := self.peek()) is not None:
            if closing and token.kind == "punct" and token.text == "}":
                self.take()
                return
            start = self.i
            self.statement()
            if self.i == start:
                self.take()  # never loop on something unexpected

    def directive(self, token: _Token) -> bool:
        word = token.text.lower()
        if token.kind == "at" and word in ("@prefix", "@base"):
            self.take()
            self._directive_body(word[1:])
            if self.is_punct("."):
                self.take()
            return True
        if token.kind == "word" and word in ("prefix", "base"):
            self.take()
            self._directive_body(word)
            return True
        return False

    def _directive_body(self, which: str) -> None:
        if which == "prefix":
            name = self.take().text
            target = self.take()
            self.prefixes[name.rstrip(":")] = self.iri(target)
        else:
            self.base = self.iri(self.take())

    def statement(self) -> None:
        token = self.peek()
        if token is None or self.directive(token):
            return
        if token.kind == "word" and token.text.upper() == "GRAPH":
            self.take()
            self.take()  # the graph name
            if self.is_punct("{"):
                self.take()
                self.block(closing=True)
            return
        if token.kind == "punct" and token.text == "{":
            self.take()
            self.block(closing=True)
            return
        subject = self.subject()
        if subject is None:
            return
        if self.is_punct("{"):  # TriG: a graph name before its block
            self.take()
            self.block(closing=True)
            return
        self.predicate_objects(subject)
        if self.quads and (after := self.peek()) is not None and after.kind != "punct":
            self.take()  # N-Quads: the graph term
        if self.is_punct("."):
            self.take()

    def subject(self) -> str | None:
        token = self.peek()
        if token is None:
            return None
        if token.kind == "punct" and token.text == "[":
            self.take()
            key = self.anonymous_key(token)
            self.map.subjects.setdefault(key, self.position(token.offset))
            if not self.is_punct("]"):
                self.predicate_objects(key)
            if self.is_punct("]"):
                self.take()
            return key
        if token.kind == "punct" and token.text == "(":
            self.take()
            self.collection()
            return self.anonymous_key(token)
        if token.kind not in ("iri", "word"):
            return None
        self.take()
        key = self.iri(token)
        self.map.subjects.setdefault(key, self.position(token.offset))
        return key

    def anonymous_key(self, token: _Token) -> str:
        self._anon += 1
        return f"[{self._anon}@{token.offset}]"

    def predicate_objects(self, subject: str) -> None:
        while (token := self.peek()) is not None:
            if token.kind not in ("iri", "word"):
                return
            self.take()
            predicate = self.iri(token)
            self.objects(subject, predicate)
            if not self.is_punct(";"):
                return
            while self.is_punct(";"):
                self.take()

    def objects(self, subject: str, predicate: str) -> None:
        self.object(subject, predicate)
        while self.is_punct(","):
            self.take()
            self.object(subject, predicate)

    def object(self, subject: str | None, predicate: str | None) -> None:
        # Collections and blank nodes nest without bound in valid Turtle, and each level costs
        # a few Python frames here: past a depth no hand-written file reaches, stop mapping
        # (the parser, not this reader, decides whether the file is valid).
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep
            self._object(subject, predicate)
        finally:
            self.depth -= 1

    def _object(self, subject: str | None, predicate: str | None) -> None:
        token = self.peek()
        if token is None:
            return
        where = self.position(token.offset)
        key: str | None = None
        if token.kind == "punct" and token.text == "[":
            self.take()
            key = self.anonymous_key(token)
            if subject is not None and predicate is not None:
                self.map.anonymous.setdefault((subject, predicate), []).append(where)
            if not self.is_punct("]"):
                self.predicate_objects(key)
            if self.is_punct("]"):
                self.take()
        elif token.kind == "punct" and token.text == "(":
            self.take()
            self.collection()
            key = self.anonymous_key(token)
        elif token.kind in ("str1", "str3"):
            self.take()
            quote = 3 if token.kind == "str3" else 1
            key = '"' + _unescape_string(token.text[quote:-quote])
            after = self.peek()
            if after is not None and after.kind == "at":
                self.take()
            elif after is not None and after.kind == "hat":
                self.take()
                self.take()
        elif token.kind == "num":
            self.take()
            key = '"' + token.text
        elif token.kind in ("iri", "word"):
            self.take()
            key = self.iri(token)
            if token.kind == "word" and token.text in ("true", "false"):
                key = '"' + token.text
        else:
            return
        if subject is not None and predicate is not None:
            self.map.triples.setdefault((subject, predicate, key), where)

    def collection(self) -> None:
        while (token := self.peek()) is not None:
            if token.kind == "punct" and token.text == ")":
                self.take()
                return
            start = self.i
            self.object(None, None)
            if self.i == start:
                self.take()


MAX_DEPTH = 64


class _TooDeep(Exception):
    pass


def _turtle_map(text: str, base_iri: str | None, quads: bool) -> SourceMap:
    reader = _TurtleReader(text, base_iri, quads)
    try:
        return reader.read()
    except (IndexError, _TooDeep):
        # The reader ran off the end of something it could not follow, or nesting deeper than
        # it maps: keep what it found (what comes later has no position).
        return reader.map


def build_sourcemap(
    text: str,
    rdf_format: ox.RdfFormat,
    base_iri: str | None = None,
) -> SourceMap:
    """Positions of the subjects (and, for the Turtle family, triples) written in ``text``."""
    if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES):
        return _turtle_map(text, base_iri, quads=False)
    if rdf_format == ox.RdfFormat.N_QUADS:
        return _turtle_map(text, base_iri, quads=True)
    if rdf_format in (ox.RdfFormat.JSON_LD, ox.RdfFormat.RDF_XML):
        return (jsonld_map if rdf_format == ox.RdfFormat.JSON_LD else xml_map)(text, base_iri)
    return SourceMap(text=text)


__all__ = ["Position", "SourceMap", "build_sourcemap", "resolve", "term_key"]
