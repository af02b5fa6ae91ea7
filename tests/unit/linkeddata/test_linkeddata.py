"""The Linked Data core: IRI ↔ URL mapping, negotiation, descriptions as pages (labels, claim
sentences), dumps, validators; and rdflib dereferencing a served IRI."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from graphsvc.errors import NotAcceptable, NotFound
from graphsvc.linkeddata.describe import Description, used_prefixes
from graphsvc.linkeddata.dumps import write_dumps
from graphsvc.linkeddata.iris import IriMap, choose_document_type, link_header, split_suffix
from graphsvc.linkeddata.views import Labeller, ViewBuilder
from graphsvc.load import discover
from graphsvc.namespaces import data_prefixes
from graphsvc.store.oxigraph import OxigraphStore
from graphsvc.web.middleware.conditional import etag_matches, not_modified_since
from tests.ldsupport import CANONICAL_BASE, GS, LD, ld_settings, rebased_copy
from tests.support import free_port, thread_server

MAP = IriMap(CANONICAL_BASE)
ID = CANONICAL_BASE + "id/"
PREFIXES = data_prefixes(CANONICAL_BASE)
G = Namespace(GS)


def test_iris_map_to_paths_on_this_server_and_back() -> None:
    assert MAP.iri_for("id/state/south-korea") == ID + "state/south-korea"
    assert MAP.local_path(ID + "state/south-korea") == "/id/state/south-korea"
    assert MAP.local_path(ID + "place/jeju-도") == "/id/place/jeju-%EB%8F%84"
    assert MAP.local_path(CANONICAL_BASE + "graph/data/reference") == "/graph/data/reference"
    assert MAP.local_path(GS + "State") == "/ontology#State"
    assert MAP.local_path("https://w3id.org/graphsvc/shapes#ClaimShape") == "/shapes#ClaimShape"
    assert MAP.local_path("http://www.wikidata.org/entity/Q884") is None
    assert MAP.href("http://www.wikidata.org/entity/Q884") == "http://www.wikidata.org/entity/Q884"
    assert MAP.document_path(ID + "state/x", "ttl") == "/doc/state/x.ttl"
    with pytest.raises(NotFound):
        MAP.iri_for("id/a>b")  # not an IRI: nothing can be named by it, and no query sees it


def test_the_ontology_is_served_here_whatever_the_base() -> None:
    local = IriMap("http://127.0.0.1:8000/")
    assert local.local_path(GS + "Claim") == "/ontology#Claim"
    assert local.local_path("http://127.0.0.1:8000/id/state/x") == "/id/state/x"
    assert local.local_path(ID + "state/x") is None


def test_suffixes_and_negotiation() -> None:
    assert split_suffix("state/x.ttl") == ("state/x", "text/turtle")
    assert split_suffix("state/x.jsonld") == ("state/x", "application/ld+json")
    assert split_suffix("state/x") == ("state/x", None)
    assert split_suffix("state/v1.2") == ("state/v1.2", None)
    assert choose_document_type("text/html,application/xhtml+xml,*/*;q=0.8") == "text/html"
    assert choose_document_type("*/*") == "text/turtle"
    assert choose_document_type(None) == "text/turtle"
    assert choose_document_type("application/json") == "application/ld+json"
    with pytest.raises(NotAcceptable):
        choose_document_type("image/png")
    header = link_header(MAP, ID + "state/x")
    assert '</doc/state/x.rdf>; rel="alternate"; type="application/rdf+xml"' in header


def _triples(turtle: str) -> list[ox.Triple]:
    prefixes = "".join(f"@prefix {k}: <{v}> .\n" for k, v in PREFIXES.items())
    return [q.triple for q in ox.parse((prefixes + turtle).encode(), format=ox.RdfFormat.TURTLE)]


def test_labels_prefer_english_then_plain_then_a_prefixed_name() -> None:
    labeller = Labeller(
        _triples(
            'id:a rdfs:label "A"@de, "A-en"@en . id:b skos:prefLabel "B" ; rdfs:label "b"@en .'
        ),
        PREFIXES,
    )
    assert labeller.label(ID + "a") == "A-en"
    assert labeller.label(ID + "b") == "B"  # skos:prefLabel before rdfs:label
    assert labeller.label(ID + "state/c") == "id:state/c"
    assert labeller.label("http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == "type"
    assert labeller.label("http://example.org/x") == "http://example.org/x"


CLAIMS = """
id:sk rdfs:label "South Korea"@en . id:afp rdfs:label "AFP"@en .
id:doc rdfs:label "The Daily Test"@en . gs:Estimated rdfs:label "estimated"@en .
gs:killedCount rdfs:label "killed count"@en . id:ev rdfs:label "Casualties"@en .
gs:Soldier rdfs:label "soldiers"@en .
id:c1 a gs:Claim ; rdfs:label "Seoul: 300 were killed"@en ; gs:claimant id:sk ;
  gs:claimantNamedAs "Seoul"@en ; gs:status gs:Estimated ; gs:reportedIn id:doc ;
  gs:quote "300 were killed"@en .
id:c2 a gs:Claim ; rdfs:label "The war goes on"@en ; gs:claimant id:afp ; gs:subject id:sk .
id:c3 a gs:Claim ; gs:claimant id:sk ; gs:subject id:ev ; gs:property gs:killedCount ;
  gs:quantity id:q3 .
id:q3 gs:minExclusive 10000 ; gs:approximate true ; gs:countedThing gs:Soldier .
"""


def test_claims_read_as_sentences() -> None:
    builder = ViewBuilder(Description(ID + "sk", _triples(CLAIMS)), MAP, PREFIXES)
    said = builder.claim(ox.NamedNode(ID + "c1"))
    assert said.proposition == "300 were killed"
    assert said.claimant is not None and said.claimant.label == "South Korea"
    assert said.named_differently
    assert said.status is not None and said.status.label == "estimated"
    assert [s.label for s in said.sources] == ["The Daily Test"]
    assert said.quote == "300 were killed"
    other = builder.claim(ox.NamedNode(ID + "c2"))
    assert other.proposition is None and other.statement == "The war goes on"
    structural = builder.claim(ox.NamedNode(ID + "c3"))
    assert structural.statement == "Casualties killed count about more than 10000 soldiers"
    view = builder.build()
    assert [c.node.value for g in view.claims_made for c in g.claims] == [ID + "c1", ID + "c3"]
    assert [c.node.value for g in view.claims_about for c in g.claims] == [ID + "c2"]
    assert view.claims_made[0].source is not None  # grouped by source, "not recorded" last
    assert view.claims_made[-1].source is None


def test_a_description_is_written_subject_first_with_the_prefixes_it_uses() -> None:
    triples = _triples(
        f'<{ID}claim/c1> gs:subject <{ID}state/sk> . <{ID}state/sk> rdfs:label "SK"@en .'
    )
    body = Description(ID + "state/sk", triples).serialise("text/turtle", PREFIXES).decode()
    statements = [line for line in body.splitlines() if not line.startswith("@prefix")]
    assert statements[0].startswith("state:sk ")
    assert "@prefix state: <https://w3id.org/graphsvc/id/state/>" in body
    assert "@prefix owl:" not in body
    used = used_prefixes(triples, PREFIXES)
    assert used["claim"] == ID + "claim/" and "id" not in used


def test_if_none_match_and_if_modified_since() -> None:
    assert etag_matches('"a", W/"b"', '"b"')
    assert etag_matches("*", '"x"')
    assert not etag_matches('"a"', '"b"')
    assert not_modified_since("Wed, 25 Nov 2026 12:00:00 GMT", 1795608000.5)
    assert not not_modified_since("Wed, 25 Nov 2026 11:59:59 GMT", 1795608000.0)
    assert not not_modified_since("not a date", 0)


def test_dumps_are_the_same_bytes_for_the_same_data(tmp_path: Path) -> None:
    store = OxigraphStore()
    for source in discover([LD / "data"], base_iri=CANONICAL_BASE, project_root=LD):
        store.load(source)
    graphs = [g.name for g in store.graphs()]
    hashes = []
    for run in ("one", "two"):
        folder = tmp_path / run
        folder.mkdir()
        files = write_dumps(store, folder, graphs, {"gs": GS})
        for entry in files:
            assert hashlib.sha256((folder / entry.name).read_bytes()).hexdigest() == entry.sha256
        hashes.append([f.sha256 for f in files])
    assert hashes[0] == hashes[1]
    # One named graph per file: the TriG names each graph once.
    trig = (tmp_path / "one" / "graphsvc.trig").read_text()
    assert trig.count("<https://w3id.org/graphsvc/graph/data/data> {") == 1


@pytest.mark.e2e
def test_rdflib_dereferences_a_served_iri(tmp_path: Path) -> None:
    """With the base IRI set to the server's own URL, the data's IRIs are real URLs: rdflib
    fetches one (303, then the negotiated document) and gets its description."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    data = rebased_copy(tmp_path, base)
    with thread_server(ld_settings(paths=[data], base_iri=base), port=port):
        iri = URIRef(base + "id/state/south-korea")
        graph = Graph().parse(str(iri))
        assert (iri, RDF.type, G.State) in graph
        assert (iri, RDFS.label, Literal("South Korea", lang="en")) in graph
        claim = URIRef(base + "id/claim/sk-300-killed")
        assert (claim, G.claimant, iri) in graph
        assert (claim, G.status, G.Estimated) in graph
        # A linked IRI of the same dataset dereferences in turn.
        source = graph.value(claim, G.reportedIn)
        assert isinstance(source, URIRef) and str(source).startswith(base)
        followed = Graph().parse(str(source))
        assert followed.value(source, RDFS.label) == Literal(
            "The Daily Test, 13 January 2025", lang="en"
        )
