"""The dataset-level pages and documents: home, class lists, query page, VoID, dumps, ontology
and shapes, against a real server; the accessibility check on every HTML page; and the project's
own data, served as a project (one named graph per file)."""

from __future__ import annotations

import gzip
import hashlib
import io
from collections.abc import Iterator
from urllib.parse import urlencode

import httpx
import pytest
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from graphsvc.config import Settings, project_root
from tests.ldsupport import GS, LD, SK, check_page, ld_settings, wait_for_dumps
from tests.support import thread_server

pytestmark = pytest.mark.e2e

VOID = Namespace("http://rdfs.org/ns/void#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SH = Namespace("http://www.w3.org/ns/shacl#")
G = Namespace(GS)
STATE_CLASS = urlencode({"class": GS + "State"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with thread_server(ld_settings()) as base_url:
        yield base_url


def html(url: str) -> str:
    """A page as a browser asks for it (a client that accepts anything gets Turtle)."""
    response = httpx.get(url, headers={"Accept": "text/html"}, follow_redirects=True)
    assert response.status_code == 200, response.text
    return response.text


def fixture_graph() -> Graph:
    """What the server loaded, read independently with rdflib."""
    graph = Graph()
    for path in sorted((LD / "data").glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def test_home_page_tells_what_the_dataset_is_and_links_everything(server: str) -> None:
    page = check_page(html(f"{server}/"))
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


def test_a_class_lists_its_members_by_label(server: str) -> None:
    page = check_page(html(f"{server}/browse?{STATE_CLASS}"))
    members = [text for href, text in page.links if href.startswith("/id/state/")]
    assert members == ["North Korea", "South Korea", "Ukraine"]
    assert httpx.get(f"{server}/browse", params={"class": "not an iri"}).status_code == 400
    missing = httpx.get(f"{server}/browse", params={"class": "http://example.org/Nothing"})
    assert missing.status_code == 404


def test_the_query_page_runs_a_query_into_a_table_with_downloads(server: str) -> None:
    query = (
        f"PREFIX gs: <{GS}> SELECT ?claim ?quote WHERE {{ ?claim gs:quote ?quote }} ORDER BY ?claim"
    )
    response = httpx.get(f"{server}/query", params={"query": query})
    assert response.status_code == 200
    page = check_page(response.text)
    assert "2 rows." in page.visible_text
    assert (
        "/id/claim/sk-300-killed",
        "South Korea: 300 North Korean soldiers have been killed",
    ) in (page.links)
    downloads = {text: href for href, text in page.links if href.startswith("/sparql?")}
    assert set(downloads) == {"SPARQL JSON", "SPARQL XML", "CSV", "TSV"}
    csv = httpx.get(server + downloads["CSV"])
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "claim,quote"
    assert len(csv.text.splitlines()) == 3


def test_the_query_page_shows_graphs_errors_and_named_queries(server: str) -> None:
    construct = f"CONSTRUCT {{ <{SK}> ?p ?o }} WHERE {{ <{SK}> ?p ?o }}"
    page = check_page(httpx.get(f"{server}/query", params={"query": construct}).text)
    assert "subject predicate object" in page.visible_text
    assert {text for href, text in page.links if "format=" in href} == {
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF/XML",
    }
    broken = httpx.get(f"{server}/query", params={"query": "SELECT ?x WHERE {"})
    assert broken.status_code == 400
    assert "Error" in check_page(broken.text).visible_text
    assert "SELECT ?x WHERE {" in broken.text  # the query is kept in the form
    named = check_page(httpx.get(f"{server}/query", params={"name": "claims-by"}).text)
    assert "1 row." in named.visible_text
    assert any(href.startswith("/queries/claims-by?") for href, _ in named.links)


def test_void_has_statistics_partitions_access_and_shapes(server: str) -> None:
    response = httpx.get(f"{server}/.well-known/void", headers={"Accept": "text/turtle"})
    assert response.status_code == 200
    void = Graph().parse(data=response.text, format="turtle")
    dataset = URIRef(f"{server}/.well-known/void#dataset")
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
    assert void.value(dataset, VOID.sparqlEndpoint) == URIRef(f"{server}/sparql")
    dumps = set(void.objects(dataset, VOID.dataDump))
    assert URIRef(f"{server}/dumps/graphsvc.nq.gz") in dumps and len(dumps) == 4
    assert str(void.value(dataset, VOID.uriSpace)) == "https://w3id.org/graphsvc/id/"
    assert URIRef(GS) in set(void.objects(dataset, VOID.vocabulary))
    assert void.value(dataset, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert void.value(dataset, DCTERMS.conformsTo) == URIRef("https://w3id.org/graphsvc/shapes")
    page = check_page(html(f"{server}/.well-known/void"))
    assert "Class partitions" in page.visible_text


def test_the_service_description_links_to_void(server: str) -> None:
    response = httpx.get(f"{server}/sparql", headers={"Accept": "text/turtle"})
    description = Graph().parse(data=response.text, format="turtle")
    assert URIRef(f"{server}/.well-known/void") in set(description.objects(None, RDFS.seeAlso))


def test_dumps_hold_the_release_with_content_hashes(server: str) -> None:
    listing = wait_for_dumps(server)
    assert listing.status_code == 200
    files = {f["name"]: f for f in listing.json()["files"]}
    assert set(files) == {"graphsvc.nq", "graphsvc.nq.gz", "graphsvc.trig", "graphsvc.trig.gz"}
    bodies = {}
    for name, entry in files.items():
        response = httpx.get(f"{server}/dumps/{name}")
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == entry["sha256"]
        assert len(response.content) == entry["size"]
        assert response.headers["repr-digest"].startswith("sha-256=:")
        assert response.headers["etag"]
        sidecar = httpx.get(f"{server}/dumps/{name}.sha256").text
        assert sidecar == f"{entry['sha256']}  {name}\n"
        bodies[name] = response.content
    assert httpx.get(f"{server}/dumps/graphsvc.nq.gz").headers["content-type"] == "application/gzip"
    assert gzip.decompress(bodies["graphsvc.nq.gz"]) == bodies["graphsvc.nq"]
    assert gzip.decompress(bodies["graphsvc.trig.gz"]) == bodies["graphsvc.trig"]
    expected = fixture_graph()
    for name, rdf_format in (("graphsvc.nq", "nquads"), ("graphsvc.trig", "trig")):
        dataset = Dataset()
        dataset.parse(io.BytesIO(bodies[name]), format=rdf_format)
        assert len(dataset) == len(expected), name
    assert httpx.get(f"{server}/dumps/other.nq").status_code == 404
    assert "graphsvc.trig.gz" in check_page(html(f"{server}/dumps/")).visible_text


def test_the_ontology_documents_every_class_and_property(server: str) -> None:
    source = Graph().parse(LD / "data" / "ontology.ttl", format="turtle")
    text = html(f"{server}/ontology")
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
    turtle = httpx.get(f"{server}/ontology", headers={"Accept": "text/turtle"})
    assert turtle.headers["content-type"].startswith("text/turtle")
    served = Graph().parse(data=turtle.text, format="turtle")
    assert len(source) == len(served) and all(t in served for t in source)


def test_the_shapes_are_served_with_their_blank_nodes(server: str) -> None:
    response = httpx.get(f"{server}/shapes", headers={"Accept": "text/turtle"})
    shapes = Graph().parse(data=response.text, format="turtle")
    shape = URIRef("https://w3id.org/graphsvc/shapes#ClaimShape")
    constraint = shapes.value(shape, SH.property)
    assert shapes.value(constraint, SH.minCount) == Literal(1)
    assert "claim shape" in check_page(html(f"{server}/shapes")).visible_text


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
def test_every_page_passes_the_basic_accessibility_check(server: str, path: str) -> None:
    if path == "/dumps/":
        wait_for_dumps(server)
    response = httpx.get(server + path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    check_page(response.text)


@pytest.fixture(scope="module")
def project_server() -> Iterator[str]:
    """The project's own ontology, shapes and data, one named graph per file."""
    if not (project_root() / "data").is_dir():
        pytest.fail("the project's data/ folder is missing")
    settings = Settings(query_workers=2, validate_on_load=False)  # type: ignore[call-arg]
    with thread_server(settings) as base_url:
        yield base_url


def test_the_project_data_renders(project_server: str) -> None:
    """Every state of the project's data has a page; South Korea's lists its claims."""
    home = check_page(html(f"{project_server}/"))
    states = [href for href, _ in home.links if href.startswith("/id/state/")]
    page = check_page(html(f"{project_server}/doc/state/south-korea.html"))
    assert "Claims made by South Korea" in page.visible_text
    assert " says " in page.visible_text and "status: " in page.visible_text
    claims = [href for href, _ in page.links if href.startswith("/id/claim/")]
    assert claims
    claim = check_page(html(project_server + claims[0]))
    assert "reported in" in claim.visible_text and "status:" in claim.visible_text
    for state in states:
        assert httpx.get(project_server + state, follow_redirects=True).status_code == 200


def test_the_project_ontology_is_documented_and_graphs_dereference(project_server: str) -> None:
    source = Graph().parse(project_root() / "ontology" / "graphsvc.ttl", format="turtle")
    text = html(f"{project_server}/ontology")
    check_page(text)
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    for kind in kinds:
        for term in source.subjects(RDF.type, kind):
            assert f'id="{str(term).removeprefix(GS)}"' in text, term
    served = Graph().parse(
        data=httpx.get(f"{project_server}/ontology", headers={"Accept": "text/turtle"}).text,
        format="turtle",
    )
    assert len(served) == len(source)
    graph = httpx.get(f"{project_server}/graph/data/reference", headers={"Accept": "text/turtle"})
    assert graph.status_code == 200
    assert (URIRef(SK), RDFS.label, Literal("South Korea", lang="en")) in Graph().parse(
        data=graph.text, format="turtle"
    )
    check_page(html(f"{project_server}/graph/data/reference"))
