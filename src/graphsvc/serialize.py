"""Query results → bytes in the negotiated format, with the row cap applied.

SELECT and ASK results are written here (JSON, XML, CSV, TSV) so that the row cap can stop a
result early and say so; graphs are written by pyoxigraph's serialisers.
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from graphsvc.store.base import AskResult, GraphResult, QueryResult, SelectResult, Term

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


@dataclass
class Serialised:
    body: bytes
    media_type: str
    rows: int
    truncated: bool


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
        json.dump(document, out, ensure_ascii=False, separators=(",", ":"))
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


def serialise(
    result: QueryResult, media_type: str, *, max_rows: int, prefixes: dict[str, str]
) -> Serialised:
    """Write a query result in ``media_type``, stopping after ``max_rows`` rows (0: no cap)."""
    if isinstance(result, SelectResult):
        return _select(result, media_type, max_rows)
    if isinstance(result, AskResult):
        return _ask(result, media_type)
    return _graph(result, media_type, max_rows, prefixes)
