"""Source positions and literal checks, the two pieces validation adds to the parsers."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from graphsvc.load import discover
from graphsvc.validation import literals
from graphsvc.validation.sourcemap import Position, build_sourcemap, term_key
from tests.support import FIXTURES, ROOT

XSD = literals.XSD
TURTLE = """@prefix ex: <http://example.org/> .
@base <http://example.org/base/> .
PREFIX x: <http://example.org/x#>

ex:a ex:p "one" , "two ; not a separator" ;
    ex:q [ ex:r ex:b ] ;   # a comment with "quotes" and ex:fake
    ex:s ( 1 2.5 ex:c ) .
<rel> x:t \"\"\"multi
line\"\"\"@en .
_:n1 ex:p ex:a.
ex:d.e ex:p 'single' .
"""


def test_turtle_subjects_triples_and_anonymous_nodes() -> None:
    smap = build_sourcemap(TURTLE, ox.RdfFormat.TURTLE, "http://example.org/doc")
    ex = "http://example.org/"
    assert smap.subject(ex + "a") == Position(5, 1)
    assert smap.subject("http://example.org/base/rel") == Position(8, 1)
    assert smap.subject("_:n1") == Position(10, 1)
    assert smap.subject(ex + "d.e") == Position(11, 1)
    assert smap.triple(ex + "a", ex + "p", '"two ; not a separator') == Position(5, 19)
    assert smap.triple("http://example.org/base/rel", "http://example.org/x#t", '"multi\nline')
    assert smap.anonymous[(ex + "a", ex + "q")] == [Position(6, 10)]
    assert smap.prefixes == {"ex": ex, "x": "http://example.org/x#"}
    assert smap.subject(ex + "fake") is None


@pytest.mark.project
def test_every_subject_and_triple_of_the_project_files_is_found() -> None:
    sources = discover(
        [ROOT / "ontology", ROOT / "data", FIXTURES / "validate"],
        base_iri="https://w3id.org/graphsvc/",
    )
    assert sources
    for source in sources:
        if source.format not in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES):
            continue
        try:
            quads = list(ox.parse(path=source.path, format=source.format, base_iri=source.base_iri))
        except SyntaxError:
            continue  # the broken fixtures
        smap = build_sourcemap(source.path.read_text(), source.format, source.base_iri)
        for quad in quads:
            key = term_key(quad.subject)
            if isinstance(quad.subject, ox.BlankNode) and key not in smap.subjects:
                continue  # an anonymous [ ] node: found through its parent
            assert key in smap.subjects, (source.path, key)
            triple = (key, term_key(quad.predicate), term_key(quad.object))
            if not isinstance(quad.object, ox.BlankNode):
                assert smap.triple(*triple) is not None, (source.path, triple)


def test_jsonld_and_rdfxml_positions(tmp_path: Path) -> None:
    jsonld = '{\n "@context": {"ex": "http://example.org/", "id": "@id"},\n "id": "ex:a"\n}\n'
    smap = build_sourcemap(jsonld, ox.RdfFormat.JSON_LD, None)
    assert smap.subject("http://example.org/a") == Position(3, 2)
    rdfxml = (
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
        '  xml:base="http://example.org/">\n'
        '  <rdf:Description rdf:about="a&amp;b"/>\n'
        '  <rdf:Description rdf:ID="c"/>\n'
        "</rdf:RDF>\n"
    )
    smap = build_sourcemap(rdfxml, ox.RdfFormat.RDF_XML, "http://example.org/doc")
    assert smap.subject("http://example.org/a&b") == Position(3, 20)
    assert smap.subject("http://example.org/#c") == Position(4, 20)


def test_search_is_the_last_resort() -> None:
    smap = build_sourcemap("x\n  <urn:a> <urn:b> <urn:c> .\n", ox.RdfFormat.N_TRIPLES, None)
    assert smap.search("urn:c") == Position(2, 20)
    assert smap.search("urn:zzz") is None


@pytest.mark.parametrize(
    ("lexical", "datatype", "valid"),
    [
        ("2024-02-29", "date", True),
        ("2023-02-29", "date", False),
        ("2024-13-01", "date", False),
        ("2024-01-01Z", "date", True),
        ("2024", "gYear", True),
        ("24", "gYear", False),
        ("2024-07", "gYearMonth", True),
        ("2024-07-01T10:00:00+02:00", "dateTime", True),
        ("2024-07-01 10:00", "dateTime", False),
        ("-12", "integer", True),
        ("1.5", "integer", False),
        ("300", "byte", False),
        ("-1", "nonNegativeInteger", False),
        ("0", "positiveInteger", False),
        ("1e5", "decimal", False),
        ("1e5", "double", True),
        ("INF", "float", True),
        ("yes", "boolean", False),
        ("1", "boolean", True),
        ("P1Y2M", "duration", True),
        ("P", "duration", False),
        ("0FB8", "hexBinary", True),
        ("0FB", "hexBinary", False),
        ("en-GB", "language", True),
        ("anything at all", "string", True),
    ],
)
def test_literal_lexical_forms(lexical: str, datatype: str, valid: bool) -> None:
    assert (literals.problem(lexical, XSD + datatype) is None) is valid


def test_unknown_datatypes_are_not_judged() -> None:
    assert literals.problem("whatever", "http://example.org/myType") is None
    assert literals.problem("whatever", XSD + "NOTATION") is None
