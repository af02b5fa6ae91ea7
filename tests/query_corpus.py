"""Queries over the small fixture dataset that the tests use; the differential test runs them all
on every engine."""

from __future__ import annotations

EX = "http://example.org/"
FOAF = "http://xmlns.com/foaf/0.1/"

# Sorted by STR(): SPARQL leaves the order of a plain and a language-tagged literal open.
NAMES = f"PREFIX foaf: <{FOAF}> SELECT ?name WHERE {{ ?p foaf:name ?name }} ORDER BY STR(?name)"

CORPUS: list[str] = [
    NAMES,
    "SELECT * WHERE { ?s ?p ?o }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    f"SELECT ?o WHERE {{ <{EX}alice> ?p ?o FILTER(isLiteral(?o)) }} ORDER BY STR(?o)",
    f"ASK {{ <{EX}alice> ?p ?o }}",
    f"ASK {{ <{EX}nobody> ?p ?o }}",
    f"CONSTRUCT {{ ?s <{EX}name> ?n }} WHERE {{ ?s <{FOAF}name> ?n }}",
    "CONSTRUCT WHERE { ?s ?p ?o }",
    f"DESCRIBE <{EX}bob>",
    "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
    f"SELECT ?a ?c WHERE {{ ?a <{FOAF}knows>/<{FOAF}knows> ?c }}",
    f"SELECT ?p (AVG(?age) AS ?avg) WHERE {{ ?p <{FOAF}age> ?age }} GROUP BY ?p",
    f"SELECT ?p ?b WHERE {{ ?p a <{FOAF}Person> OPTIONAL {{ ?p <{FOAF}birthday> ?b }} }}",
    f"PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT ?p WHERE "
    f'{{ ?p <{FOAF}birthday> ?d FILTER(?d >= "1990-01-01"^^xsd:date) }}',
    f"SELECT ?n WHERE {{ ?p <{FOAF}name> ?n FILTER(LANG(?n) = 'en') }}",
    f"SELECT ?s WHERE {{ ?s <{EX}memberOf> ?club . ?club <{EX}label> ?l }} "
    "ORDER BY DESC(?s) LIMIT 1",
    f"SELECT ?x WHERE {{ VALUES ?x {{ <{EX}alice> <{EX}zed> }} FILTER EXISTS {{ ?x ?p ?o }} }}",
]
