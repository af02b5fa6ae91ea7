"""Best-effort positions in JSON-LD and RDF/XML (see ``graphsvc.validation.sourcemap``).

JSON-LD: the first ``"@id"`` (or an alias of it from an inline context) whose value expands to the
node. RDF/XML: the first ``rdf:about`` / ``rdf:ID`` / ``rdf:nodeID`` naming it. Neither format has
a statement structure a line-based reader can follow further.
"""

from __future__ import annotations

import json
import re

from graphsvc.validation.positions import Position, SourceMap, resolve


def _jsonld_id_keys(value: object, aliases: set[str], prefixes: dict[str, str]) -> None:
    """Collect ``@id`` aliases and string term definitions from every inline context."""
    if isinstance(value, dict):
        context = value.get("@context")
        for ctx in context if isinstance(context, list) else [context]:
            if isinstance(ctx, dict):
                for term, definition in ctx.items():
                    if definition == "@id":
                        aliases.add(term)
                    elif isinstance(definition, str) and not term.startswith("@"):
                        prefixes[term] = definition
                    elif isinstance(definition, dict) and isinstance(definition.get("@id"), str):
                        prefixes[term] = definition["@id"]
        for item in value.values():
            _jsonld_id_keys(item, aliases, prefixes)
    elif isinstance(value, list):
        for item in value:
            _jsonld_id_keys(item, aliases, prefixes)


def jsonld_map(text: str, base_iri: str | None) -> SourceMap:
    smap = SourceMap(text=text)
    aliases = {"@id"}
    prefixes: dict[str, str] = {}
    try:
        _jsonld_id_keys(json.loads(text), aliases, prefixes)
    except ValueError:
        return smap
    keys = "|".join(re.escape(alias) for alias in sorted(aliases))
    pattern = re.compile(rf'"(?:{keys})"\s*:\s*"((?:[^"\\]|\\.)*)"')
    for found in pattern.finditer(text):
        try:
            raw = json.loads(f'"{found.group(1)}"')
        except ValueError:
            continue
        prefix, sep, local = raw.partition(":")
        if raw.startswith("_:"):
            key = raw
        elif sep and prefix in prefixes and not local.startswith("//"):
            key = prefixes[prefix] + local
        elif base_iri and not sep:
            key = resolve(base_iri, raw)
        else:
            key = raw
        offset = found.start()
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        smap.subjects.setdefault(key, Position(line, column))
    return smap


_XML_ATTRIBUTE = re.compile(
    r"""\b(?:[A-Za-z_][\w.-]*:)?(?P<name>about|ID|nodeID)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)')"""
)
_XML_BASE = re.compile(r"""\bxml:base\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_XML_REFERENCE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|[A-Za-z_][\w.-]*);")
_XML_PREDEFINED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}


def xml_map(text: str, base_iri: str | None) -> SourceMap:
    smap = SourceMap(text=text)
    declared_base = _XML_BASE.search(text)
    base = base_iri or ""
    if declared_base:
        base = resolve(base, declared_base.group(1) or declared_base.group(2) or "")

    def expand(found: re.Match[str]) -> str:
        ref = found.group(1)
        if ref.startswith("#x"):
            return chr(int(ref[2:], 16))
        if ref.startswith("#"):
            return chr(int(ref[1:]))
        return _XML_PREDEFINED.get(ref, found.group())

    for found in _XML_ATTRIBUTE.finditer(text):
        value = _XML_REFERENCE.sub(expand, found.group("dq") or found.group("sq") or "")
        name = found.group("name")
        if name == "nodeID":
            key = f"_:{value}"
        elif name == "ID":
            key = resolve(base, f"#{value}")
        else:
            key = resolve(base, value)
        offset = found.start()
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        smap.subjects.setdefault(key, Position(line, column))
    return smap
