"""Linked Data other data sets can use (issue 14), tried from outside with real clients:
every IRI under the base dereferences, JSON-LD documents name a context of short keys and mean
the same triples to rdflib and to jsonld.js, pages embed their description as JSON-LD, and the
ontology answers at its version IRI."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from rdflib import OWL, RDF, VOID, Graph
from rdflib.compare import isomorphic

from tests.support import free_port, small_settings, thread_server

pytestmark = pytest.mark.e2e

JSONLD_JS = Path(__file__).parent / "jsonld_js"
GS = "https://w3id.org/graphsvc/ontology#"


@pytest.fixture(scope="module")
def project() -> Iterator[str]:
    """The project's own graph, served as `make serve` serves it."""
    from graphsvc.config import Settings

    with thread_server(Settings(query_workers=2)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def own_files(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A user's files whose resources are `<base>resource/...` and `<base>people/...`, served
    with the base set to the server's own URL (as a deployer publishing under their domain)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    folder = tmp_path_factory.mktemp("own")
    (folder / "people.ttl").write_text(
        f"@prefix ex: <{base}resource/> .\n"
        "@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        f"ex:ada a foaf:Person ; rdfs:label \"Ada\"@en ; foaf:knows <{base}people/grace> .\n"
        f"<{base}people/grace> rdfs:label \"Grace\"@en .\n"
    )
    settings = small_settings(paths=[folder], base_iri=base, validate_on_load=False)
    with thread_server(settings, port=port) as base_url:
        yield base_url


def _graph(body: bytes | str, rdf_format: str, base: str | None = None) -> Graph:
    return Graph().parse(data=body, format=rdf_format, publicID=base)


@pytest.mark.parametrize(
    ("accept", "suffix", "rdf_format"),
    [("text/turtle", "ttl", "turtle"), ("application/ld+json", "jsonld", "json-ld"),
     ("text/html", "html", None)],
)  # fmt: skip
@pytest.mark.parametrize("path", ["resource/ada", "people/grace"])
def test_every_iri_under_the_base_dereferences(
    own_files: str, path: str, accept: str, suffix: str, rdf_format: str | None
) -> None:
    seen = httpx.get(f"{own_files}/{path}", headers={"Accept": accept})
    assert seen.status_code == 303
    assert seen.headers["location"] == f"/about/{path}.{suffix}"
    assert "Accept" in seen.headers["vary"]
    document = httpx.get(f"{own_files}{seen.headers['location']}")
    assert document.status_code == 200
    iri = f"{own_files}/{path}"
    if rdf_format is None:
        assert "text/html" in document.headers["content-type"]
        assert ("Ada" if path.endswith("ada") else "Grace") in document.text
    else:
        graph = _graph(document.text, rdf_format, base=str(document.url))
        assert any(str(s) == iri for s in graph.subjects()) or any(
            str(o) == iri for o in graph.objects()
        )


def test_an_iri_the_data_does_not_use_is_404_and_routes_still_win(own_files: str) -> None:
    assert httpx.get(f"{own_files}/resource/nobody").status_code == 404
    assert httpx.get(f"{own_files}/health").json()["status"] == "ok"
    assert httpx.get(f"{own_files}/sparql", params={"query": "ASK {}"}).status_code == 200


def _a_claim(base_url: str) -> str:
    answer = httpx.get(
        f"{base_url}/sparql",
        params={"query": f"SELECT ?c WHERE {{ ?c a <{GS}Claim> }} ORDER BY ?c LIMIT 1"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    iri: str = answer["results"]["bindings"][0]["c"]["value"]
    return iri


def _document_url(base_url: str, iri: str, suffix: str) -> str:
    seen = httpx.get(
        f"{base_url}/id/{iri.split('/id/', 1)[1]}",
        headers={"Accept": {"ttl": "text/turtle", "jsonld": "application/ld+json"}[suffix]},
    )
    assert seen.status_code == 303
    return f"{base_url}{seen.headers['location']}"


def test_a_claims_json_ld_has_short_keys_and_round_trips_with_rdflib(project: str) -> None:
    claim = _a_claim(project)
    jsonld_url = _document_url(project, claim, "jsonld")
    document = httpx.get(jsonld_url)
    body = document.json()
    assert body["@context"] == f"{project}/context.jsonld"
    assert "claimant" in json.dumps(body) and GS + "claimant" not in json.dumps(body)
    turtle = _graph(httpx.get(_document_url(project, claim, "ttl")).text, "turtle")
    # rdflib fetches the remote context from the server, as any JSON-LD client would.
    from_jsonld = Graph().parse(jsonld_url, format="json-ld")
    assert isomorphic(from_jsonld, turtle)


def test_jsonld_js_reads_the_same_triples(project: str) -> None:
    if shutil.which("node") is None or not (JSONLD_JS / "node_modules" / "jsonld").is_dir():
        pytest.fail("jsonld.js is not installed: run `make jsonld-js` (npm) first")
    claim = _a_claim(project)
    jsonld_url = _document_url(project, claim, "jsonld")
    done = subprocess.run(
        ["node", str(JSONLD_JS / "to_nquads.mjs"), jsonld_url],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    turtle = _graph(httpx.get(_document_url(project, claim, "ttl")).text, "turtle")
    assert len(turtle) > 5
    assert isomorphic(_graph(done.stdout, "nquads"), turtle)


def test_the_context_is_served_with_short_names_for_the_ontology(project: str) -> None:
    answer = httpx.get(f"{project}/context.jsonld")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/ld+json")
    context = answer.json()["@context"]
    assert context["Claim"] == GS + "Claim"
    assert context["claimant"] == {"@id": GS + "claimant", "@type": "@id"}
    assert context["schema"] == "https://schema.org/" or context["schema"].startswith("http")


def test_a_page_embeds_its_description_as_json_ld(project: str) -> None:
    claim = _a_claim(project)
    page = httpx.get(_document_url(project, claim, "ttl").replace(".ttl", ".html")).text
    found = re.search(r'<script type="application/ld\+json">\s*(.*?)\s*</script>', page, re.S)
    assert found is not None
    embedded = _graph(found.group(1), "json-ld")
    turtle = _graph(httpx.get(_document_url(project, claim, "ttl")).text, "turtle")
    assert isomorphic(embedded, turtle)


def test_the_ontology_answers_at_its_version_iri(project: str) -> None:
    ontology = Graph().parse(
        data=httpx.get(f"{project}/ontology", headers={"Accept": "text/turtle"}).text,
        format="turtle",
    )
    versions = [str(o) for o in ontology.objects(predicate=OWL.versionIRI)]
    assert versions, "the ontology names no owl:versionIRI"
    path = versions[0].removeprefix("https://w3id.org/graphsvc/")
    answer = httpx.get(f"{project}/{path}", headers={"Accept": "text/turtle"})
    assert answer.status_code == 200
    assert isomorphic(_graph(answer.text, "turtle"), ontology)
    assert httpx.get(f"{project}/ontology/9.9.9").status_code == 404


def _count(base_url: str, where: str, of: str = "*") -> int:
    what = "*" if of == "*" else f"DISTINCT {of}"
    answer = httpx.get(
        f"{base_url}/sparql",
        params={"query": f"SELECT (COUNT({what}) AS ?n) WHERE {{ {where} }}"},
        headers={"Accept": "application/sparql-results+json"},
    ).json()
    return int(answer["results"]["bindings"][0]["n"]["value"])


def test_general_terms_find_what_specific_ones_assert(project: str) -> None:
    """With the defaults, the RDFS closure answers in schema.org, PROV and the ontology's own
    superclasses; the entailed triples live in their own graph."""
    rdfs = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    events = _count(project, f"?x a ?c . ?c {rdfs}* <{GS}Event>", of="?x")
    assert events > 1 and _count(project, f"?x a <{GS}Event>", of="?x") == events
    places = _count(project, f"?x a ?c . ?c {rdfs}* <{GS}Place>", of="?x")
    assert places > 1 and _count(project, "?x a <http://schema.org/Place>", of="?x") >= places
    claims = _count(project, f"?c <{GS}claimant> ?who")
    attributed = _count(project, "?c <http://www.w3.org/ns/prov#wasAttributedTo> ?who")
    assert claims > 0 and attributed >= claims
    entailed = "<https://w3id.org/graphsvc/graph/entailed>"
    assert _count(project, f"GRAPH {entailed} {{ ?x a <{GS}Event> }}") > 0
    description = httpx.get(f"{project}/sparql", headers={"Accept": "text/turtle"}).text
    assert "https://w3id.org/graphsvc/graph/entailed" in description
    assert "http://www.w3.org/ns/entailment/RDFS" in description
    void = httpx.get(f"{project}/.well-known/void", headers={"Accept": "text/turtle"}).text
    assert "Entailed, not asserted" in void


def test_no_entailment_serves_the_asserted_triples_alone() -> None:
    from graphsvc.config import Settings

    with thread_server(Settings(query_workers=1, entailment=False)) as base_url:
        assert _count(base_url, "GRAPH <https://w3id.org/graphsvc/graph/entailed> {}") == 0
        assert _count(base_url, "?x a <http://schema.org/Place>") == 0


def test_links_are_published_in_the_terms_linkers_follow(project: str) -> None:
    """Every verified Wikidata link is a skos:exactMatch; GeoNames ids are IRIs; VoID lists a
    linkset per target with its predicate and count."""
    skos = "http://www.w3.org/2004/02/skos/core#exactMatch"
    wikidata = 'FILTER(STRSTARTS(STR(?wd), "http://www.wikidata.org/entity/"))'
    verified = _count(
        project,
        f"?x <{GS}wikidata> ?wd ; <{GS}linkStatus> <{GS}Verified> {wikidata}",
    )
    assert verified > 10
    assert _count(project, f"?x <{skos}> ?wd {wikidata}") == verified
    geonames = _count(
        project,
        f'?x <{skos}> ?g FILTER(STRSTARTS(STR(?g), "https://sws.geonames.org/"))',
    )
    assert geonames == _count(project, f"?x <{GS}geonamesId> ?id") > 0
    assert _count(project, "?x <http://www.w3.org/2002/07/owl#sameAs> ?y") == 0
    void = Graph().parse(
        data=httpx.get(f"{project}/.well-known/void", headers={"Accept": "text/turtle"}).text,
        format="turtle",
    )
    linksets = {}
    for linkset in void.subjects(RDF.type, VOID.Linkset):
        target = str(void.value(linkset, VOID.objectsTarget)).rsplit("#", 1)[1]
        predicate = str(void.value(linkset, VOID.linkPredicate))
        linksets[target, predicate] = int(void.value(linkset, VOID.triples))  # type: ignore[arg-type]
    assert linksets[("Wikidata", skos)] == verified
    assert linksets[("GeoNames", skos)] == geonames
