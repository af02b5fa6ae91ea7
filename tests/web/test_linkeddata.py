"""Linked Data through httpx against the app in process: IRIs that 303 to documents, content
negotiation, status codes, the description's contents, and the validators (ETag, 304, HEAD)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest
from httpx import Client
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from tests.ldsupport import CANONICAL_BASE, GS, SK, check_page, ld_settings, parse_document
from tests.support import app_client

ID = Namespace(CANONICAL_BASE + "id/")
G = Namespace(GS)
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
RDF_PARSERS = {
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
}


@pytest.fixture(scope="module")
def app() -> Iterator[Client]:
    with app_client(ld_settings()) as client:
        yield client


def get(app: Client, url: str, accept: str | None = None, **headers: str) -> httpx.Response:
    if accept is not None:
        headers["Accept"] = accept
    return app.get(url, headers=headers)


@pytest.mark.parametrize(
    ("accept", "suffix"),
    [
        ("text/turtle", "ttl"),
        ("application/ld+json", "jsonld"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "rdf"),
        ("text/html", "html"),
        (BROWSER, "html"),
        ("*/*", "ttl"),
        (None, "ttl"),
        ("application/json", "jsonld"),
        ("text/plain", "nt"),
        ("application/rdf+xml;q=0.5, text/turtle;q=0.9", "ttl"),
    ],
)
def test_an_iri_answers_303_to_the_negotiated_document(
    app: Client, accept: str | None, suffix: str
) -> None:
    response = get(app, "/id/state/south-korea", accept)
    assert response.status_code == 303
    assert response.headers["location"] == f"/doc/state/south-korea.{suffix}"
    assert "Accept" in response.headers["vary"]
    link = response.headers["link"]
    for other in ("ttl", "jsonld", "nt", "rdf", "html"):
        assert f'</doc/state/south-korea.{other}>; rel="alternate"' in link
    assert '</doc/state/south-korea>; rel="describedby"' in link


@pytest.mark.parametrize(
    ("path", "accept", "status"),
    [
        ("/id/state/atlantis", "text/turtle", 404),
        ("/id/state/atlantis", "text/html", 404),
        ("/id/state/south-korea", "image/png", 406),
        ("/id/state/south-korea", "text/turtle;q=0, text/html;q=0", 406),
        ("/id/state/a%20space", "text/turtle", 404),
        ("/doc/state/atlantis.ttl", "text/turtle", 404),
        ("/doc/state/atlantis", "text/turtle", 404),
        ("/doc/state/south-korea", "image/png", 406),
        ("/doc/state/south-korea.png", None, 404),
        ("/graph/data/nothing", "text/turtle", 404),
    ],
)
def test_unknown_iris_get_404_and_unsupported_types_406(
    app: Client, path: str, accept: str | None, status: int
) -> None:
    response = get(app, path, accept)
    assert response.status_code == status, response.text
    if accept and "turtle" in accept and status == 404:
        assert response.headers["content-type"].startswith("application/json")
        assert response.json()["error"]["status"] == 404
    if status == 406:
        assert "text/turtle" in response.json()["error"]["supported"]


@pytest.mark.parametrize("media_type", list(RDF_PARSERS))
def test_following_the_redirect_gives_the_description(app: Client, media_type: str) -> None:
    response = app.get(
        "/id/state/south-korea", headers={"Accept": media_type}, follow_redirects=True
    )
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == media_type
    graph = parse_document(app, response, RDF_PARSERS[media_type])
    sk = URIRef(SK)
    # Outgoing triples, a blank node's own triples, typed and language-tagged literals.
    assert (sk, RDF.type, G.State) in graph
    assert (sk, RDFS.label, Literal("대한민국", lang="ko")) in graph
    address = graph.value(sk, URIRef("http://schema.org/address"))
    assert graph.value(address, URIRef("http://schema.org/addressCountry")) == Literal("KR")
    # Incoming links and the claims it is involved in, with their status and quote.
    assert (ID["claim/ukraine-thanks-sk"], G.subject, sk) in graph
    assert (ID["claim/sk-300-killed"], G.claimant, sk) in graph
    assert (ID["claim/sk-300-killed"], G.status, G.Estimated) in graph
    assert graph.value(ID["claim/sk-300-killed"], G.quote) == Literal(
        "South Korea says that 300 North Korean soldiers have been killed", lang="en"
    )
    # The claim's quantity, and the labels of the IRIs it links to.
    assert graph.value(ID["quantity/q300"], G.quantityText) == Literal("300", lang="en")
    assert graph.value(ID["source/report"], RDFS.label) == Literal(
        "The Daily Test, 13 January 2025", lang="en"
    )
    assert graph.value(G.Estimated, RDFS.label) == Literal("estimated", lang="en")
    assert graph.value(G.claimant, RDFS.label) == Literal("claimant", lang="en")
    # Nothing unrelated: North Korea's own description is not in it.
    assert (ID["state/north-korea"], RDF.type, G.State) not in graph


def test_the_generic_document_negotiates_and_names_the_exact_one(app: Client) -> None:
    response = get(app, "/doc/state/south-korea", "application/ld+json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["content-location"] == "/doc/state/south-korea.jsonld"
    assert "Accept" in response.headers["vary"]
    assert isinstance(json.loads(response.content), list | dict)


def test_a_document_url_ignores_accept(app: Client) -> None:
    response = get(app, "/doc/state/south-korea.nt", "text/html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/n-triples")
    assert "content-location" not in response.headers


def test_an_iri_only_ever_an_object_still_has_a_description(app: Client) -> None:
    response = app.get(
        "/id/place/seoul", headers={"Accept": "text/turtle"}, follow_redirects=True
    )
    assert response.status_code == 200
    graph = Graph().parse(data=response.content, format="turtle")
    assert (URIRef(SK), G.capital, ID["place/seoul"]) in graph


def test_an_iri_with_a_non_ascii_character(app: Client) -> None:
    path = "/id/place/" + quote("jeju-도")
    response = get(app, path, "text/turtle")
    assert response.status_code == 303
    assert response.headers["location"] == "/doc/place/" + quote("jeju-도") + ".ttl"
    document = app.get(response.headers["location"])
    graph = Graph().parse(data=document.content, format="turtle")
    assert graph.value(ID["place/jeju-도"], RDFS.label) == Literal("Jeju Province", lang="en")


def test_the_page_shows_labels_and_links_within_the_site(app: Client) -> None:
    response = get(app, "/id/state/south-korea", BROWSER)
    page_response = app.get(response.headers["location"])
    assert page_response.headers["content-type"].startswith("text/html")
    page = check_page(page_response.text)
    text = page.visible_text
    assert "South Korea" in page.titles[0]
    assert "The Daily Test, 13 January 2025" in text
    assert "id/source/report" not in text  # a label, never the raw IRI
    assert "Claims made by South Korea" in text
    assert "Claims about South Korea" in text
    assert (
        "South Korea (as “Seoul”) says 300 North Korean soldiers have been killed, "
        "status: estimated." in text
    )
    assert "“South Korea says that 300 North Korean soldiers have been killed”" in text
    # Claims about it, by others, with their claimant; an unlabelled one told from its structure.
    assert (
        "Ukraine says South Korea deepened its security cooperation with Kyiv, status: asserted."
        in text
    )
    assert "South Korea capital id:place/seoul — claimed by North Korea" in text
    hrefs = {href for href, _ in page.links}
    assert "/id/claim/sk-300-killed" in hrefs
    assert "/id/source/report" in hrefs
    assert "/ontology#State" in hrefs
    assert not [h for h in hrefs if h.startswith(CANONICAL_BASE)], "links stay on this site"


def test_a_claim_page_reads_like_a_sentence(app: Client) -> None:
    page = check_page(app.get("/doc/claim/sk-300-killed.html").text)
    assert (
        "South Korea (as “Seoul”) says 300 North Korean soldiers have been killed — reported in "
        "The Daily Test, 13 January 2025, status: estimated." in page.visible_text
    )
    assert "Value 300" in page.visible_text
    assert "Property killed count" in page.visible_text


def test_validators_etag_last_modified_304_and_head(app: Client) -> None:
    url = "/doc/state/south-korea.ttl"
    first = app.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["last-modified"].endswith("GMT")
    again = app.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert app.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert app.get(url, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    since = app.get(url, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304
    head = app.head(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == etag
    assert head.headers["content-length"] == str(len(first.content))
    # Each negotiated variant has its own validator.
    generic = "/doc/state/south-korea"
    turtle = get(app, generic, "text/turtle").headers["etag"]
    html = get(app, generic, "text/html").headers["etag"]
    assert turtle != html
    assert get(app, generic, "text/html", **{"If-None-Match": turtle}).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/sparql?query=ASK%20%7B%7D",
        "/ontology",
        "/.well-known/void",
        "/query",
        "/queries",
        "/id/state/south-korea.missing",
    ],
)
def test_every_get_has_validators(app: Client, path: str) -> None:
    response = app.get(path)
    if response.status_code != 200:
        assert response.status_code == 404
        assert "etag" not in response.headers
        return
    assert response.headers["etag"].startswith('"')
    assert "last-modified" in response.headers
    assert (
        app.get(path, headers={"If-None-Match": response.headers["etag"]}).status_code
        == 304
    )


def test_readiness_is_validated_by_its_body(app: Client) -> None:
    first = app.get("/ready")
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert app.get("/ready", headers={"If-None-Match": etag}).status_code == 304


def test_head_works_on_every_get_route(app: Client) -> None:
    for path in ("/", "/id/state/south-korea", "/sparql", "/.well-known/void"):
        head = app.head(path)
        get_response = app.get(path)
        assert head.status_code == get_response.status_code, path
        assert head.content == b""


def test_a_query_with_rand_is_validated_by_its_body(app: Client) -> None:
    url = "/sparql"
    params = {"query": "SELECT (RAND() AS ?r) WHERE {}", "format": "json"}
    first = app.get(url, params=params)
    second = app.get(url, params=params)
    assert first.content != second.content
    assert first.headers["etag"] != second.headers["etag"]
    again = app.get(url, params=params, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200
