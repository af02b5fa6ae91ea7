"""Media types, their serialisers, and HTTP Accept negotiation. Pure functions, no I/O.

>>> negotiate("text/csv;q=0.5, application/sparql-results+json", RESULT_TYPES)
'application/sparql-results+json'
>>> negotiate("*/*", GRAPH_TYPES)
'text/turtle'
>>> negotiate("image/png", RESULT_TYPES) is None
True
"""

from __future__ import annotations

from dataclasses import dataclass

# Canonical types first: the first entry of each list is the default for "*/*" and no Accept.
RESULT_TYPES = [
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
]
GRAPH_TYPES = [
    "text/turtle",
    "application/n-triples",
    "application/ld+json",
    "application/rdf+xml",
    "application/n-quads",
    "application/trig",
]
DATASET_TYPES = ["application/n-quads", "application/trig"]

# Types clients send that mean one of ours. SPARQLWrapper, for example, asks for JSON results with
# "application/sparql-results+json,application/json,text/javascript,application/javascript".
ALIASES = {
    "application/json": "application/sparql-results+json",
    "text/javascript": "application/sparql-results+json",
    "application/javascript": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/turtle": "text/turtle",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "text/n-triples": "application/n-triples",
    "application/json+ld": "application/ld+json",
    "application/x-json+ld": "application/ld+json",
    "application/x-trig": "application/trig",
    "text/x-nquads": "application/n-quads",
}
GRAPH_ALIASES = {
    **{k: v for k, v in ALIASES.items() if v in GRAPH_TYPES},
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
}

# Short names for the `format` parameter and for file suffixes.
FORMAT_NAMES = {
    "json": "application/sparql-results+json",
    "srj": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "srx": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "ttl": "text/turtle",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "ntriples": "application/n-triples",
    "n-triples": "application/n-triples",
    "jsonld": "application/ld+json",
    "json-ld": "application/ld+json",
    "rdf": "application/rdf+xml",
    "rdfxml": "application/rdf+xml",
    "rdf+xml": "application/rdf+xml",
    "owl": "application/rdf+xml",
    "nq": "application/n-quads",
    "nquads": "application/n-quads",
    "trig": "application/trig",
    "html": "text/html",
}

SUFFIXES = {
    "text/turtle": "ttl",
    "application/n-triples": "nt",
    "application/ld+json": "jsonld",
    "application/rdf+xml": "rdf",
    "application/n-quads": "nq",
    "application/trig": "trig",
    "text/html": "html",
}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    params: tuple[tuple[str, str], ...]

    @property
    def specificity(self) -> int:
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 2 + len(self.params)

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return (self.type in ("*", main)) and (self.subtype in ("*", sub))


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header leniently: malformed entries are skipped, bad q-values count as 1.

    >>> [(r.type, r.subtype, r.q) for r in parse_accept("text/html, */*;q=0.1")]
    [('text', 'html', 1.0), ('*', '*', 0.1)]
    """
    if not header or not header.strip():
        return [MediaRange("*", "*", 1.0, ())]
    ranges = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        main, sep, sub = fields[0].lower().partition("/")
        if not sep or not main or not sub:
            continue
        q = 1.0
        params = []
        for param in fields[1:]:
            key, _, value = param.partition("=")
            key = key.strip().lower()
            value = value.strip().strip('"')
            if key == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 1.0
            elif key:
                params.append((key, value))
        ranges.append(MediaRange(main, sub, q, tuple(params)))
    # A header with nothing usable in it is treated like no header at all.
    return ranges or [MediaRange("*", "*", 1.0, ())]


def _quality(ranges: list[MediaRange], media_type: str) -> tuple[float, int]:
    """The q-value the most specific matching range gives a type, and that range's specificity."""
    best: MediaRange | None = None
    for candidate in ranges:
        if candidate.matches(media_type) and (
            best is None or candidate.specificity > best.specificity
        ):
            best = candidate
    if best is None:
        return 0.0, -1
    return best.q, best.specificity


# Clients send the same few Accept headers again and again; the answer depends on nothing else.
_NEGOTIATED: dict[tuple[str | None, tuple[str, ...], int], str | None] = {}
_NEGOTIATED_MAX = 512


def negotiate(
    accept: str | None, offered: list[str], aliases: dict[str, str] | None = None
) -> str | None:
    """Pick the offered type the client prefers most, or None if it accepts none of them.

    Ties on q-value go to the more specific match, then to the server's order. An alias the client
    names explicitly (``application/json``) counts for the canonical type it stands for.

    >>> negotiate("application/json", RESULT_TYPES, ALIASES)
    'application/sparql-results+json'
    >>> negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    ...           GRAPH_TYPES, GRAPH_ALIASES)
    'application/rdf+xml'
    """
    if aliases is not None and aliases is not ALIASES and aliases is not GRAPH_ALIASES:
        return _negotiate(accept, offered, aliases)  # a caller's own table: not remembered
    # Only this module's constant tables are remembered: their identity tells them apart.
    key = (accept, tuple(offered), id(aliases))
    if key in _NEGOTIATED:
        return _NEGOTIATED[key]
    chosen = _negotiate(accept, offered, aliases or {})
    if len(_NEGOTIATED) >= _NEGOTIATED_MAX:
        _NEGOTIATED.clear()
    _NEGOTIATED[key] = chosen
    return chosen


def _negotiate(accept: str | None, offered: list[str], aliases: dict[str, str]) -> str | None:
    ranges = parse_accept(accept)
    scored: list[tuple[float, int, int, str]] = []
    for position, media_type in enumerate(offered):
        q, specificity = _quality(ranges, media_type)
        for alias, canonical in aliases.items():
            if canonical == media_type:
                alias_q, alias_spec = _quality(ranges, alias)
                if alias_spec >= 2 and (alias_spec, alias_q) > (specificity, q):
                    q, specificity = alias_q, alias_spec
        if q > 0:
            scored.append((q, specificity, -position, media_type))
    if not scored:
        return None
    return max(scored)[3]


def resolve_format_name(name: str) -> str | None:
    """Map a `format` parameter value (a short name or a media type) to a media type."""
    value = name.strip().lower()
    if "/" in value:
        return ALIASES.get(value, value)
    return FORMAT_NAMES.get(value)
