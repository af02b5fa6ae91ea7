"""The dataset-level pages and documents: home, class lists, query page, VoID, dumps, ontology
and shapes, against the app in process; the accessibility check on every HTML page. (The
project's own data as a site is in tests/project/test_project_site.py.)"""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from httpx import Client
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from tests.ldsupport import GS, LD, SK, check_page, ld_settings, wait_for_dumps
from tests.support import APP_URL, app_client

VOID = Namespace("http://rdfs.org/ns/void#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SH = Namespace("http://www.w3.org/ns/shacl#")
G = Namespace(GS)
STATE_CLASS = urlencode({"class": GS + "State"})


@pytest.fixture(scope="module")
def app() -> Iterator[Client]:
    with app_client(ld_settings()) as client:
        yield client


def html(app: Client, url: str) -> str:
    """A page as a browser asks for it (a client that accepts anything gets Turtle)."""
    response = app.get(url, headers={"Accept": "text/html"}, follow_redirects=True)
    assert response.status_code == 200, response.text
    return response.text


def fixture_graph() -> Graph:
    """What the server loaded, read independently with rdflib."""
    graph = Graph()
    for path in sorted((LD / "data").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def test_home_page_tells_what_the_dataset_is_and_links_everything(app: Client) -> None:
    page = check_page(html(app, "/"))
    text = page.visible_text
    expected = fixture_graph()
    assert f"It holds {len(expected):,} triples" in text
    assert "of which 3 are claims" in text
    assert "South Korea: 1 claim" in text and "Ukraine: 1 claim" in text
    hrefs = dict(page.links)
    assert hrefs[f"/browse?{STATE_CLASS}"] == "state"
    assert "state 3" in text  # the class and its instance count
    assert hrefs["/query?name=claims-by"] == "Claims by a claimant"
    for target in ("/sparql", "/.well-known/void", "/dumps/", "/ontology", "/query"):
        assert target in hrefs, target
    assert hrefs["/id/state/south-korea"] == "South Korea"


def test_a_class_lists_its_members_by_label(app: Client) -> None:
    page = check_page(html(app, f"/browse?{STATE_CLASS}"))
    members = [text for href, text in page.links if href.startswith("/id/state/")]
    assert members == ["North Korea", "South Korea", "Ukraine"]
    assert app.get("/browse", params={"class": "not an iri"}).status_code == 400
    missing = app.get("/browse", params={"class": "http://example.org/Nothing"})
    assert missing.status_code == 404


def test_the_query_page_runs_a_query_into_a_table_with_downloads(app: Client) -> None:
    query = (
        f"PREFIX gs: <{GS}> SELECT ?claim ?quote WHERE {{ ?claim gs:quote ?quote }} ORDER BY ?claim"
    )
    response = app.get("/query", params={"query": query})
    assert response.status_code == 200
    page = check_page(response.text)
    assert "2 rows." in page.visible_text
    assert (
        "/id/claim/sk-300-killed",
        "South Korea: 300 North Korean soldiers have been killed",
    ) in (page.links)
    downloads = {text: href for href, text in page.links if href.startswith("/sparql?")}
    assert set(downloads) == {"SPARQL JSON", "SPARQL XML", "CSV", "TSV"}
    csv = app.get(downloads["CSV"])
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "claim,quote"
    assert len(csv.text.splitlines()) == 3


def test_the_query_page_shows_graphs_errors_and_named_queries(app: Client) -> None:
    construct = f"CONSTRUCT {{ <{SK}> ?p ?o }} WHERE {{ <{SK}> ?p ?o }}"
    page = check_page(app.get("/query", params={"query": construct}).text)
    assert "subject predicate object" in page.visible_text
    assert {text for href, text in page.links if "format=" in href} == {
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF/XML",
    }
    broken = app.get("/query", params={"query": "SELECT ?x WHERE {"})
    assert broken.status_code == 400
    assert "Error" in check_page(broken.text).visible_text
    assert "SELECT ?x WHERE {" in broken.text  # the query is kept in the form
    named = check_page(app.get("/query", params={"name": "claims-by"}).text)
    assert "1 row." in named.visible_text
    assert any(href.startswith("/queries/claims-by?") for href, _ in named.links)


def test_void_has_statistics_partitions_access_and_shapes(app: Client) -> None:
    response = app.get("/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    void = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef(f"{APP_URL}/.well-known/void#dataset")
    expected = fixture_graph()

    def number(predicate: URIRef, subject: URIRef = dataset) -> int:
        value = void.value(subject, predicate)
        assert isinstance(value, Literal) and value.datatype == XSD.integer, predicate
        return int(value)

    assert (dataset, RDF.type, VOID.Dataset) in void
    assert number(VOID.triples) == len(expected)
    assert number(VOID.distinctSubjects) == len(set(expected.subjects()))
    assert number(VOID.distinctObjects) == len(set(expected.objects()))
    in_space = {
        s for s in expected.subjects() if str(s).startswith("https://w3id.org/graphsvc/id/")
    }
    assert number(VOID.entities) == len(in_space)
    partitions = {
        void.value(p, VOID["class"]): number(VOID.entities, p)
        for p in void.objects(dataset, VOID.classPartition)
    }
    assert partitions[G.State] == 3
    assert partitions[G.Claim] == 3
    properties = {
        void.value(p, VOID.property): number(VOID.triples, p)
        for p in void.objects(dataset, VOID.propertyPartition)
    }
    assert properties[G.claimant] == 3
    assert sum(properties.values()) == len(expected)
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(f"{APP_URL}/sparql")
    dumps = set(void.objects(dataset, VOID.dataDump))
    assert URIRef(f"{APP_URL}/dumps/graphsvc.nq.gz") in dumps and len(dumps) == 4
    assert str(void.value(dataset, VOID.uriSpace)) == "https://w3id.org/graphsvc/id/"
    assert URIRef(GS) in set(void.objects(dataset, VOID.vocabulary))
    assert void.value(dataset, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert void.value(dataset, DCTERMS.conformsTo) == URIRef("https://w3id.org/graphsvc/shapes")
    page = check_page(html(app, "/.well-known/void"))
    assert "Class partitions" in page.visible_text


def test_the_service_description_links_to_void(app: Client) -> None:
    response = app.get("/sparql", headers={"Accept": "text/turtle"})
    description = Graph().parse(data=response.text, format="turtle")
    assert URIRef(f"{APP_URL}/.well-known/void") in set(description.objects(None, RDFS.seeAlso))


def test_dumps_hold_the_release_with_content_hashes(app: Client) -> None:
    listing = wait_for_dumps(app)
    assert listing.status_code == 200
    files = {f["name"]: f for f in listing.json()["files"]}
    assert set(files) == {"graphsvc.nq", "graphsvc.nq.gz", "graphsvc.trig", "graphsvc.trig.gz"}
    bodies = {}
    for name, entry in files.items():
        response = app.get(f"/dumps/{name}")
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == entry["sha256"]
        assert len(response.content) == entry["size"]
        assert response.headers["repr-digest"].startswith("sha-256=:")
        assert response.headers["etag"]
        sidecar = app.get(f"/dumps/{name}.sha256").text
        assert sidecar == f"{entry['sha256']}  {name}\n"
        bodies[name] = response.content
    assert app.get("/dumps/graphsvc.nq.gz").headers["content-type"] == "application/gzip"
    assert gzip.decompress(bodies["graphsvc.nq.gz"]) == bodies["graphsvc.nq"]
    assert gzip.decompress(bodies["graphsvc.trig.gz"]) == bodies["graphsvc.trig"]
    expected = fixture_graph()
    for name, rdf_format in (("graphsvc.nq", "nquads"), ("graphsvc.trig", "trig")):
        dataset = Dataset()
        dataset.parse(io.BytesIO(bodies[name]), format=rdf_format)
        assert len(dataset) == len(expected), name
    assert app.get("/dumps/other.nq").status_code == 404
    assert "graphsvc.trig.gz" in check_page(html(app, "/dumps/")).visible_text


def test_the_ontology_documents_every_class_and_property(app: Client) -> None:
    source = Graph().parse(LD / "data" / "ontology.ttl", format="turtle")
    text = html(app, "/ontology")
    page = check_page(text)
    terms = (
        set(source.subjects(RDF.type, OWL.Class))
        | set(source.subjects(RDF.type, OWL.ObjectProperty))
        | set(source.subjects(RDF.type, OWL.DatatypeProperty))
    )
    assert len(terms) == 21
    for term in terms:
        anchor = str(term).removeprefix(GS)
        assert f'id="{anchor}"' in text, anchor
        assert str(source.value(term, RDFS.label)) in page.visible_text
        assert str(source.value(term, RDFS.comment)) in page.visible_text
    assert "Domain claim" in page.visible_text and "Range agent" in page.visible_text
    assert "close match wd:Q6256" in page.visible_text  # an alignment
    turtle = app.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    served = Graph().parse(data=turtle.text, format="turtle")
    assert len(source) == len(served) and all(t in served for t in source)


def test_the_shapes_are_served_with_their_blank_nodes(app: Client) -> None:
    response = app.get("/shapes", headers={"Accept": "text/turtle"})
    shapes = Graph().parse(data=response.text, format="turtle")
    shape = URIRef("https://w3id.org/graphsvc/shapes#ClaimShape")
    constraint = shapes.value(shape, SH.property)
    assert shapes.value(constraint, SH.minCount) == Literal(1)
    assert "claim shape" in check_page(html(app, "/shapes")).visible_text


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/doc/state/south-korea.html",
        "/doc/claim/sk-300-killed.html",
        "/doc/claim/unlabelled.html",
        "/doc/place/seoul.html",
        "/doc/source/report.html",
        f"/browse?{STATE_CLASS}",
        "/query",
        "/query?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"}),
        "/query?name=claims-by",
        "/ontology",
        "/shapes",
        "/.well-known/void",
        "/dumps/",
        "/sparql",
        "/queries",
    ],
)
def test_every_page_passes_the_basic_accessibility_check(app: Client, path: str) -> None:
    if path == "/dumps/":
        wait_for_dumps(app)
    response = app.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    check_page(response.text)
