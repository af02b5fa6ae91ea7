"""The query mix: twelve queries, one per kind the issue names, over the generated graph.

Each query is fixed by the data's layout (which claim, document or state it starts from), so that
every system answers exactly the same question and result counts can be compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.generate import ID, Layout

QUERIES_DIR = Path(__file__).parent / "queries"
PREFIXES = """PREFIX gs: <https://w3id.org/graphsvc/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"


@dataclass(frozen=True)
class Query:
    name: str
    kind: str
    text: str
    """The SPARQL sent to /sparql (a named query's parameter is substituted in it)."""
    accept: str
    named: str | None = None
    """For the named query: its name in ``bench/queries`` and its parameters."""
    params: tuple[tuple[str, str], ...] = ()

    @property
    def returns_graph(self) -> bool:
        return self.accept == NTRIPLES


def _named(name: str, params: dict[str, str]) -> str:
    """The named query's text with its parameters bound by VALUES (for systems without them)."""
    lines = (QUERIES_DIR / f"{name}.rq").read_text().splitlines()
    text = "\n".join(line for line in lines if not line.startswith("#+"))
    values = " ".join(f"VALUES ?{key} {{ <{value}> }}" for key, value in params.items())
    head, sep, body = text.partition("WHERE {")
    return f"{head}{sep} {values}{body}"


def mix(layout: Layout) -> list[Query]:
    claim = f"{ID}claim/c{layout.claims // 2:08d}"
    described = f"{ID}claim/c{layout.claims // 3:08d}"
    doc = f"{ID}source/d{layout.documents // 2:07d}"
    original = f"{ID}source/d{3:07d}"
    state = f"{ID}state/s{7:03d}"
    other = f"{ID}state/s{11:03d}"
    named_params = {"claimant": state}
    queries = [
        Query("point", "point lookup", f"SELECT ?p ?o WHERE {{ <{claim}> ?p ?o }}", JSON),
        Query(
            "label",
            "label search",
            PREFIXES + "SELECT ?person ?label WHERE { ?person a gs:Person ; rdfs:label ?label "
            'FILTER(CONTAINS(LCASE(STR(?label)), "kalo")) }',
            JSON,
        ),
        Query(
            "join3",
            "3-way join",
            PREFIXES + "SELECT ?claim ?person ?post WHERE { ?claim gs:claimant ?person . "
            f"?holding gs:holder ?person ; gs:post ?post . ?post gs:postIn <{other}> }}",
            JSON,
        ),
        Query(
            "optional",
            "OPTIONAL",
            PREFIXES + f"SELECT ?claim ?status ?value WHERE {{ ?claim gs:subject <{state}> ; "
            "gs:status ?status OPTIONAL { ?claim gs:quantity ?q . ?q gs:value ?value } }",
            JSON,
        ),
        Query(
            "group",
            "GROUP BY + COUNT",
            PREFIXES + "SELECT ?status (COUNT(?claim) AS ?n) WHERE { ?claim a gs:Claim ; "
            "gs:status ?status } GROUP BY ?status",
            JSON,
        ),
        Query(
            "orderlimit",
            "ORDER BY + LIMIT",
            PREFIXES + "SELECT ?doc ?date WHERE { ?doc a gs:SourceDocument ; "
            "gs:publishedEarliest ?date } ORDER BY DESC(?date) ?doc LIMIT 20",
            JSON,
        ),
        Query(
            "path",
            "property path",
            PREFIXES + f"SELECT ?claim WHERE {{ ?claim gs:reportedIn/gs:copyOf* <{original}> }}",
            JSON,
        ),
        Query(
            "daterange",
            "date-range FILTER",
            PREFIXES + "SELECT ?claim ?date WHERE { ?claim gs:earliestDate ?date "
            'FILTER(?date >= "2022-03-01"^^xsd:date && ?date < "2022-03-15"^^xsd:date) }',
            JSON,
        ),
        Query(
            "construct",
            "CONSTRUCT",
            PREFIXES + "CONSTRUCT { ?claim gs:claimant ?who ; gs:quote ?quote } WHERE { "
            f"?claim gs:reportedIn <{doc}> ; gs:claimant ?who ; gs:quote ?quote }}",
            NTRIPLES,
        ),
        Query("describe", "DESCRIBE", f"DESCRIBE <{described}>", NTRIPLES),
        Query(
            "ask",
            "ASK",
            PREFIXES + f"ASK {{ ?claim gs:claimant <{state}> ; gs:status gs:Denied }}",
            JSON,
        ),
        Query(
            "named",
            "named query with a parameter",
            _named("claims-by-claimant", named_params),
            JSON,
            named="claims-by-claimant",
            params=tuple(named_params.items()),
        ),
    ]
    return queries


# The three queries whose throughput the issue compares with the HTTP ceiling.
THROUGHPUT_QUERIES = ("point", "describe", "ask")

# The analytic queries (joins, aggregates, paths, filters over many triples) the report shows for
# Virtuoso, graphsvc in front of it and graphsvc on its own store: the scale-out path.
ANALYTIC_QUERIES = (
    "label",
    "join3",
    "optional",
    "group",
    "orderlimit",
    "path",
    "daterange",
    "named",
)
