"""Query results → bytes in the negotiated format, with the row cap applied.

Graphs are written by pyoxigraph's serialisers. SELECT results of the oxigraph engine are too
(``_select_native``): several times faster than any Python loop over the rows. Those serialisers
cannot stop after N rows, so the row cap is checked on their output: one too short to hold more
rows than the cap (every format spends a few bytes per row) is sent as it is; a longer one is
counted by reading it back, and cut if it must be. The output is written into a buffer bounded
at ``NATIVE_MAX_BYTES``; past that the query runs again and is written in Python, which stops at
the cap. Memory stays bounded either way, and the cap is always announced.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from graphsvc.store.base import (
    AskResult,
    GraphResult,
    QueryResult,
    SelectResult,
    Term,
    Verbatim,
)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

GRAPH_SERIALISERS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}
DATASET_SERIALISERS = {
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
}
NATIVE_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
# What the engine's serialiser may write before the rows are written in Python instead.
NATIVE_MAX_BYTES = 64 << 20
# The fewest bytes one row takes in each format (an empty row: `{},` `<result></result>` CRLF
# LF), so an output shorter than (cap + 1) times this cannot hold more rows than the cap.
MIN_ROW_BYTES = {
    "application/sparql-results+json": 3,
    "application/sparql-results+xml": 17,
    "text/csv": 2,
    "text/tab-separated-values": 1,
}


@dataclass
class Serialised:
    body: bytes
    media_type: str
    row_count: int | None
    """Rows (or triples) in the body; None until asked for, when the engine wrote it."""
    truncated: bool

    @property
    def rows(self) -> int:
        if self.row_count is None:
            self.row_count = count_rows(self.body, self.media_type)
        return self.row_count


def count_rows(body: bytes, media_type: str) -> int:
    """The solutions in a SELECT result written in ``media_type`` (or the triples of a graph)."""
    if media_type == "application/n-triples":
        lines = (line.strip() for line in body.splitlines())
        return sum(1 for line in lines if line and not line.startswith(b"#"))
    if media_type == "application/sparql-results+json":
        return len(json.loads(body).get("results", {}).get("bindings", []))
    if media_type == "application/sparql-results+xml":
        # Markup in values is escaped, so this tag only appears as markup.
        return body.count(b"<result>")
    if media_type == "text/tab-separated-values":
        # TSV writes terms in N-Triples syntax: a newline inside a value is escaped.
        return max(body.count(b"\n") - 1, 0)
    return max(sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8")))) - 1, 0)


class _OutputTooLarge(Exception):
    pass


@dataclass
class _BoundedBuffer:
    """A file-like sink for pyoxigraph's serialisers that refuses to grow to ``limit`` bytes."""

    limit: int
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        if self.size >= self.limit:
            raise _OutputTooLarge
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _select_native(
    solutions: ox.QuerySolutions, variables: list[str], media_type: str, max_rows: int
) -> Serialised | None:
    """The engine's own serialiser; None when the output passed ``NATIVE_MAX_BYTES``.

    An output too short to hold more rows than the cap is done. A longer one is counted by
    reading it back with pyoxigraph's parser (one row at a time): within the cap it is done too,
    past it the first ``max_rows`` rows read back are written again here, truncated.
    """
    sink = _BoundedBuffer(NATIVE_MAX_BYTES)
    try:
        solutions.serialize(sink, format=NATIVE_RESULT_FORMATS[media_type])  # type: ignore[arg-type]
    except _OutputTooLarge:
        return None
    except OSError:
        # pyoxigraph may wrap what the sink raised in an I/O error.
        if sink.size >= NATIVE_MAX_BYTES:
            return None
        raise
    body = b"".join(sink.chunks)
    if not max_rows or len(body) < MIN_ROW_BYTES[media_type] * (max_rows + 1):
        return Serialised(body, media_type, None, False)
    if media_type == "text/csv":
        return None  # CSV cannot be read back without loss: run it again
    fmt = NATIVE_RESULT_FORMATS[media_type]
    counted = ox.parse_query_results(body, format=fmt)
    assert isinstance(counted, ox.QuerySolutions)
    rows = sum(1 for _ in counted)
    if rows <= max_rows:
        return Serialised(body, media_type, rows, False)
    again = ox.parse_query_results(body, format=fmt)
    assert isinstance(again, ox.QuerySolutions)
    return _select(SelectResult(variables, (tuple(s) for s in again)), media_type, max_rows)


def _json_term(term: Term) -> dict[str, object]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, object] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _xml_term(term: Term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return (
                f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
            )
        return f"<literal>{escape(term.value)}</literal>"
    return (
        f"<triple><subject>{_xml_term(term.subject)}</subject>"
        f"<predicate>{_xml_term(term.predicate)}</predicate>"
        f"<object>{_xml_term(term.object)}</object></triple>"
    )


def _csv_field(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        value = f"_:{term.value}"
    elif isinstance(term, ox.NamedNode | ox.Literal):
        value = term.value
    else:
        value = str(term)
    if any(c in value for c in ',"\r\n'):
        value = '"' + value.replace('"', '""') + '"'
    return value


def _tsv_field(term: Term | None) -> str:
    # pyoxigraph's str() of a term is its N-Triples form, which is what TSV results use.
    return "" if term is None else str(term)


def _select(result: SelectResult, media_type: str, max_rows: int) -> Serialised:
    rows: list[Sequence[Term | None]] = list(
        itertools.islice(result.rows, max_rows + 1) if max_rows else result.rows
    )
    truncated = bool(max_rows) and len(rows) > max_rows
    if truncated:
        rows = rows[:max_rows]
    variables = result.variables
    out = io.StringIO()
    if media_type == "application/sparql-results+json":
        bindings = [
            {
                var: _json_term(term)
                for var, term in zip(variables, row, strict=True)
                if term is not None
            }
            for row in rows
        ]
        document: dict[str, object] = {
            "head": {"vars": variables},
            "results": {"bindings": bindings},
        }
        if truncated:
            # Not part of the W3C format; clients that do not know it ignore it.
            document["truncated"] = True
            document["maxRows"] = max_rows
        out.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")))
    elif media_type == "application/sparql-results+xml":
        out.write('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">')
        out.write("<head>")
        for var in variables:
            out.write(f"<variable name={quoteattr(var)}/>")
        if truncated:
            out.write(f'<link href="urn:graphsvc:truncated:max-rows:{max_rows}"/>')
        out.write("</head><results>")
        for row in rows:
            out.write("<result>")
            for var, term in zip(variables, row, strict=True):
                if term is not None:
                    out.write(f"<binding name={quoteattr(var)}>{_xml_term(term)}</binding>")
            out.write("</result>")
        out.write("</results></sparql>\n")
    elif media_type == "text/csv":
        out.write(",".join(variables) + "\r\n")
        for row in rows:
            out.write(",".join(_csv_field(term) for term in row) + "\r\n")
    elif media_type == "text/tab-separated-values":
        out.write("\t".join(f"?{var}" for var in variables) + "\n")
        for row in rows:
            out.write("\t".join(_tsv_field(term) for term in row) + "\n")
    else:
        raise ValueError(f"no SELECT serialiser for {media_type}")
    return Serialised(out.getvalue().encode("utf-8"), media_type, len(rows), truncated)


def _ask(result: AskResult, media_type: str) -> Serialised:
    value = "true" if result.value else "false"
    if media_type == "application/sparql-results+json":
        body = json.dumps({"head": {}, "boolean": result.value})
    elif media_type == "application/sparql-results+xml":
        body = (
            '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"<head/><boolean>{value}</boolean></sparql>\n"
        )
    elif media_type == "text/csv":
        body = f"_askResult\r\n{value}\r\n"
    elif media_type == "text/tab-separated-values":
        body = f"?_askResult\n{value}\n"
    else:
        raise ValueError(f"no ASK serialiser for {media_type}")
    return Serialised(body.encode("utf-8"), media_type, 1, False)


def _graph(
    result: GraphResult, media_type: str, max_rows: int, prefixes: dict[str, str]
) -> Serialised:
    triples = list(itertools.islice(result.triples, max_rows + 1) if max_rows else result.triples)
    truncated = bool(max_rows) and len(triples) > max_rows
    if truncated:
        triples = triples[:max_rows]
    rdf_format = GRAPH_SERIALISERS[media_type]
    use_prefixes = prefixes if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML) else None
    body = ox.serialize(triples, format=rdf_format, prefixes=use_prefixes)
    assert body is not None
    return Serialised(body, media_type, len(triples), truncated)


# The fewest bytes a triple takes in N-Triples: `_:a<a:>_:b.` and a line end.
MIN_TRIPLE_BYTES = 12


def _verbatim(result: QueryResult, media_type: str, max_rows: int) -> Serialised | None:
    """The answer as a remote store wrote it, when that is the format asked for and it is too
    short to hold more rows than the cap (as for ``_select_native``); else None."""
    if result.verbatim is None:
        return None
    kind = (
        "ask" if isinstance(result, AskResult)
        else "graph" if isinstance(result, GraphResult) else "select"
    )  # fmt: skip
    return passthrough(result.verbatim, kind, media_type, max_rows)


def passthrough(
    verbatim: Verbatim, kind: str, media_type: str, max_rows: int
) -> Serialised | None:
    """``verbatim`` sent as it is, if it can be: the format asked for, and too short to hold more
    rows than the cap. ``kind``: what the query returns (ask, select or graph)."""
    if verbatim.media_type != media_type:
        return None
    if kind == "ask":
        return Serialised(verbatim.body, media_type, 1, False)
    least = MIN_TRIPLE_BYTES if kind == "graph" else MIN_ROW_BYTES.get(media_type)
    if least is None or (max_rows and len(verbatim.body) >= least * (max_rows + 1)):
        return None
    return Serialised(verbatim.body, media_type, None, False)


def serialise(
    result: QueryResult,
    media_type: str,
    *,
    max_rows: int,
    prefixes: dict[str, str],
    rerun: Callable[[], QueryResult] | None = None,
) -> Serialised:
    """Write a query result in ``media_type``, stopping after ``max_rows`` rows (0: no cap).

    ``rerun`` evaluates the query again: given it, the engine's own serialiser is tried first.
    """
    verbatim = _verbatim(result, media_type, max_rows)
    if verbatim is not None:
        return verbatim
    if isinstance(result, SelectResult):
        if result.native is not None and rerun is not None and media_type in MIN_ROW_BYTES:
            written = _select_native(result.native, result.variables, media_type, max_rows)
            if written is not None:
                return written
            result = rerun()
            assert isinstance(result, SelectResult)
        return _select(result, media_type, max_rows)
    if isinstance(result, AskResult):
        return _ask(result, media_type)
    return _graph(result, media_type, max_rows, prefixes)
