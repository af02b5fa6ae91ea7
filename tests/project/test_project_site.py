"""The project's own data, served as a project (one named graph per file): its pages render and
its ontology is documented, through the app in process."""

from __future__ import annotations

from httpx import Client
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from graphsvc.config import project_root
from tests.ldsupport import GS, SK, check_page
from tests.web.test_linkeddata_site import html


def test_the_project_data_renders(project_app: Client) -> None:
    """Every state of the project's data has a page; South Korea's lists its claims."""
    home = check_page(html(project_app, "/"))
    states = [href for href, _ in home.links if href.startswith("/id/state/")]
    page = check_page(html(project_app, "/doc/state/south-korea.html"))
    assert "Claims made by South Korea" in page.visible_text
    assert " says " in page.visible_text and "status: " in page.visible_text
    claims = [href for href, _ in page.links if href.startswith("/id/claim/")]
    assert claims
    claim = check_page(html(project_app, claims[0]))
    assert "reported in" in claim.visible_text and "status:" in claim.visible_text
    for state in states:
        assert project_app.get(state, follow_redirects=True).status_code == 200


def test_the_project_ontology_is_documented_and_graphs_dereference(project_app: Client) -> None:
    source = Graph().parse(project_root() / "ontology" / "graphsvc.ttl", format="turtle")
    text = html(project_app, "/ontology")
    check_page(text)
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    for kind in kinds:
        for term in source.subjects(RDF.type, kind):
            assert f'id="{str(term).removeprefix(GS)}"' in text, term
    served = Graph().parse(
        data=project_app.get("/ontology", headers={"Accept": "text/turtle"}).text,
        format="turtle",
    )
    assert len(served) == len(source)
    graph = project_app.get("/graph/data/reference", headers={"Accept": "text/turtle"})
    assert graph.status_code == 200
    assert (URIRef(SK), RDFS.label, Literal("South Korea", lang="en")) in Graph().parse(
        data=graph.text, format="turtle"
    )
    check_page(html(project_app, "/graph/data/reference"))
