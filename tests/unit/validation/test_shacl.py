"""pyshacl through graphsvc: the same results as pyshacl on a plain graph, and nothing fetched."""

from __future__ import annotations

import pyshacl
import pytest
from rdflib import RDF, Graph
from rdflib.namespace import SH

from graphsvc.errors import LoadError
from graphsvc.validation.shacl import ShaclResult, new_data_graph, run_shacl
from tests.support import FIXTURES

PREFIXES = """
@prefix gs:   <https://w3id.org/graphsvc/ontology#> .
@prefix gsh:  <https://w3id.org/graphsvc/shapes#> .
@prefix sh:   <http://www.w3.org/ns/shacl#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix ex:   <https://w3id.org/graphsvc/id/> .
"""
SHAPES = (
    PREFIXES
    + """
<https://w3id.org/graphsvc/shapes> sh:declare [ sh:prefix "gs" ;
    sh:namespace "https://w3id.org/graphsvc/ontology#"^^xsd:anyURI ] .

# Targets a class (with a subclass), projects extra variables into its message.
gsh:Dates a sh:NodeShape ;
    sh:targetClass gs:Temporal ;
    sh:message "{$this}: {?earliest} > {?latest}"@en , "{$this} : date"@fr ;
    sh:sparql [
        sh:prefixes <https://w3id.org/graphsvc/shapes> ;
        sh:message "Dates out of order on {?this}"@en ;
        sh:select '''SELECT $this ?earliest ?latest WHERE {
            $this gs:earliest ?earliest ; gs:latest ?latest . FILTER (?earliest > ?latest) }'''
    ] .

# ?value and ?path bound by the query, and a warning severity.
gsh:Links a sh:NodeShape ;
    sh:targetSubjectsOf gs:link ;
    sh:severity sh:Warning ;
    sh:sparql [
        sh:prefixes <https://w3id.org/graphsvc/shapes> ;
        sh:message "{?value} is linked from {$this} but has no label"@en ;
        sh:select '''SELECT $this ?value (gs:link AS ?path) WHERE {
            $this gs:link ?value . FILTER NOT EXISTS { ?value gs:name ?n } }'''
    ] .

# $this only inside FILTER NOT EXISTS.
gsh:Numbered a sh:NodeShape ;
    sh:targetClass gs:Quantity ;
    sh:sparql [
        sh:prefixes <https://w3id.org/graphsvc/shapes> ;
        sh:message "no number"@en ;
        sh:select '''SELECT $this WHERE {
            FILTER NOT EXISTS { $this gs:value ?v } FILTER NOT EXISTS { $this gs:min ?m } }'''
    ] .

# LIMIT applies per focus node.
gsh:Limited a sh:NodeShape ;
    sh:targetClass gs:Thing ;
    sh:sparql [
        sh:prefixes <https://w3id.org/graphsvc/shapes> ;
        sh:message "links"@en ;
        sh:select '''SELECT $this ?value WHERE { $this gs:link ?value } LIMIT 1'''
    ] .

# $currentShape is pre-bound by pyshacl.
gsh:Named a sh:NodeShape ;
    sh:targetClass gs:Thing ;
    sh:sparql [
        sh:prefixes <https://w3id.org/graphsvc/shapes> ;
        sh:message "unnamed"@en ;
        sh:select '''SELECT $this WHERE { $this a gs:Thing . FILTER (bound($currentShape))
            FILTER NOT EXISTS { $this gs:name ?n } }'''
    ] .
"""
)
DATA = (
    PREFIXES
    + """
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
gs:Event rdfs:subClassOf gs:Temporal .
ex:a a gs:Event ; gs:earliest "2024-05-01"^^xsd:date ; gs:latest "2024-01-01"^^xsd:date .
ex:b a gs:Temporal ; gs:earliest "2024-01-01"^^xsd:date ; gs:latest "2024-05-01"^^xsd:date .
ex:c gs:earliest "2024-05-01"^^xsd:date ; gs:latest "2024-01-01"^^xsd:date .
ex:d a gs:Temporal ; gs:earliest "2024-09-01"^^xsd:date , "2024-08-01"^^xsd:date ;
    gs:latest "2024-01-01"^^xsd:date .
ex:e a gs:Thing ; gs:link ex:f , ex:g .
ex:g gs:name "g" .
ex:h a gs:Thing ; gs:name "h" .
ex:q1 a gs:Quantity .
ex:q2 a gs:Quantity ; gs:value 3 .
ex:q3 a gs:Quantity ; gs:min 3 .
"""
)


def _graphs(data_text: str, shapes_text: str) -> tuple[Graph, Graph]:
    data = new_data_graph()
    data.parse(data=data_text, format="turtle")
    return data, Graph().parse(data=shapes_text, format="turtle")


def texts(result: ShaclResult) -> frozenset[str]:
    return frozenset(str(m) for m in result.messages)


def _plain_pyshacl(data_text: str, shapes: Graph) -> set[tuple[object, ...]]:
    plain = Graph().parse(data=data_text, format="turtle")
    _, report, _ = pyshacl.validate(plain, shacl_graph=shapes, inference="none")
    assert isinstance(report, Graph)
    found = set()
    for result in report.subjects(RDF.type, SH.ValidationResult):
        found.add(
            (
                report.value(result, SH.focusNode),
                report.value(result, SH.sourceShape),
                report.value(result, SH.value),
                report.value(result, SH.resultPath),
                frozenset(str(m) for m in report.objects(result, SH.resultMessage)),
            )
        )
    return found


def _comparable(results: list[ShaclResult]) -> set[tuple[object, ...]]:
    return {(r.focus, r.shape, r.value, r.path, texts(r)) for r in results}


def test_results_are_exactly_pyshacl_results() -> None:
    data, shapes = _graphs(DATA, SHAPES)
    results = run_shacl(data, shapes)
    assert _comparable(results) == _plain_pyshacl(DATA, shapes)
    focus = sorted(str(r.focus).rsplit("/", 1)[1] for r in results)
    # a and d (twice: two earliest dates) are out of order, c is no gs:Temporal; e links f, is
    # unnamed and has a link; q1 has no number.
    assert focus == ["a", "d", "d", "e", "e", "e", "q1"]


def test_the_most_specific_message_comes_first() -> None:
    data, shapes = _graphs(DATA, SHAPES)
    dates = [r for r in run_shacl(data, shapes) if str(r.focus).endswith("/a")]
    (result,) = dates
    assert str(result.messages[0]) == "Dates out of order on https://w3id.org/graphsvc/id/a"
    assert {str(m) for m in result.messages[1:]} == {
        "https://w3id.org/graphsvc/id/a: 2024-05-01 > 2024-01-01",
        "https://w3id.org/graphsvc/id/a : date",
    }


def test_fixture_shapes_give_pyshacl_results() -> None:
    shapes_text = (FIXTURES / "validate/project/ontology/shapes.ttl").read_text()
    data_text = (FIXTURES / "validate/broken/shape-sparql.ttl").read_text()
    data_text += (FIXTURES / "validate/broken/shape-min-count.nt").read_text()
    data, shapes = _graphs(data_text, shapes_text)
    results = run_shacl(data, shapes)
    assert _comparable(results) == _plain_pyshacl(data_text, shapes)
    assert len(results) == 2


def test_shapes_that_would_query_another_endpoint_are_refused() -> None:
    shapes_text = (
        PREFIXES
        + """
    gsh:Remote a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [
        sh:select "SELECT $this WHERE { SERVICE <http://127.0.0.1:9/sparql> { $this ?p ?o } }" ] .
    """
    )
    data, shapes = _graphs(DATA, shapes_text)
    with pytest.raises(LoadError, match="SERVICE"):
        run_shacl(data, shapes)


def test_shapes_pyshacl_cannot_use_are_a_load_error() -> None:
    shapes_text = (
        PREFIXES
        + """
    gsh:Minus a sh:NodeShape ; sh:targetNode ex:a ; sh:sparql [
        sh:select "SELECT $this WHERE { $this ?p ?o MINUS { $this gs:name ?n } }" ] .
    """
    )
    data, shapes = _graphs(DATA, shapes_text)
    with pytest.raises(LoadError, match="MINUS"):
        run_shacl(data, shapes)
