"""``graphsvc.review``: what a change does to the graph, on fixture pairs and on this repository's
own history (tests/fixtures/diff/README.md lists the pairs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph

from graphsvc.namespaces import DEFAULT_BASE_IRI
from graphsvc.review import Review, build_review, compare, materialise, read_snapshot
from graphsvc.review.compare import canonical_triples
from graphsvc.review.describe import Vocabulary
from graphsvc.review.patch import render_patch
from graphsvc.review.render import render
from graphsvc.review.revision import Tree, is_shallow
from tests.support import FIXTURES, ROOT

DIFF = FIXTURES / "diff"
CASES = ["value-changed", "claim-added", "resource-renamed", "link-removed", "shapes-changed"]

# Two commits of this repository: the one before any data, and the one that added the ontology,
# shapes and data; then that commit and the reorganisation of the package, which left data alone.
BEFORE_DATA, DATA_ADDED, LAYOUT = "2d9031b", "02a6bcb", "69bc2f6"


def review_of(case: str, old: str = "base") -> Review:
    before = read_snapshot(Tree(DIFF / old, old), base_iri=DEFAULT_BASE_IRI)
    after = read_snapshot(Tree(DIFF / case, case), base_iri=DEFAULT_BASE_IRI)
    return build_review(compare(before, after), base_iri=DEFAULT_BASE_IRI)


def entries(review: Review) -> list[tuple[str, str, str, str]]:
    """Every reported entry as (file, section, change, what)."""
    found = []
    for graph in review.graphs:
        for section in ("claims", "resources", "terms"):
            for entry in getattr(graph, section):
                found.append((graph.file, section, entry.change, entry.iri))
        for link in graph.links:
            what = f"{link.subject} {link.property} {link.object}"
            found.append((graph.file, "links", link.change, what))
    return found


def test_a_claims_value_and_status_changed() -> None:
    review = review_of("value-changed")
    assert entries(review) == [
        ("data/article.ttl", "claims", "changed", "claim:f36-south-korea-300-killed")
    ]
    changes = review.graphs[0].claims[0].changes
    assert [(c.label, c.old, c.new) for c in changes] == [
        ("status", ("asserted",), ("estimated",)),
        ("quantity", ("300",), ("about 300",)),
    ]


def test_a_claim_added_is_told_in_words() -> None:
    review = review_of("claim-added")
    assert entries(review) == [
        ("data/article.ttl", "claims", "added", "claim:f37-ukraine-3000-killed"),
        ("data/reference.ttl", "resources", "added", "state:ukraine"),
    ]
    claim = review.graphs[0].claims[0]
    assert claim.sentence == (
        "Ukraine (estimated): Casualties among North Korean troops — killed count — about 3000; "
        "earliest date 2025-01-13, latest date 2025-01-13"
    )
    # The new blank-node quantity leaves the other claim's blank node (and its labels) alone.
    assert review.counts()["triplesRemoved"] == 0


def test_a_renamed_resource_is_one_rename_not_a_removal_and_an_addition() -> None:
    review = review_of("resource-renamed")
    assert entries(review) == [
        ("data/reference.ttl", "resources", "renamed", "person:kim-jong-un")
    ]
    assert review.graphs[0].resources[0].renamed_to == "person:kim-jong-un-1984"
    # The patch still moves every triple, the reference from the other file included.
    patch = render_patch(review.comparison).splitlines()
    assert sum(line.startswith("D ") for line in patch) == 4
    assert sum(line.startswith("A ") for line in patch) == 4
    assert any("graph/data/article>" in line for line in patch if line.startswith("A "))


def test_a_link_removed() -> None:
    review = review_of("link-removed")
    assert entries(review) == [
        ("data/article.ttl", "links", "removed", "event:deployment gs:participant state:russia")
    ]
    link = review.graphs[0].links[0]
    assert (link.subject_label, link.property_label, link.object_label) == (
        "Deployment of North Korean troops to Russia", "participant", "Russia"
    )


def test_reordering_prefixes_and_blank_node_labels_are_no_change() -> None:
    review = review_of("reordered")
    assert not review.changed
    assert review.graphs == []
    assert render(review, "text").endswith(": no change\n")
    assert render_patch(review.comparison).splitlines()[1:] == ["TX .", "TC ."]


def test_ontology_terms_and_shapes_changed() -> None:
    review = review_of("shapes-changed")
    assert entries(review) == [
        ("ontology/graphsvc.ttl", "terms", "added", "gs:statedOn"),
        ("ontology/shapes.ttl", "terms", "changed", "gsh:ClaimShape"),
    ]


def test_no_change_against_itself() -> None:
    assert not review_of("base").changed


@pytest.mark.parametrize("case", [*CASES, "reordered"])
def test_markdown_is_the_committed_expected_file(case: str) -> None:
    expected = (DIFF / "expected" / f"{case}.md").read_text(encoding="utf-8")
    assert render(review_of(case), "markdown") == expected


@pytest.mark.parametrize("case", CASES)
def test_the_patch_turns_the_old_graph_into_the_new(case: str) -> None:
    review = review_of(case)
    old, new = review.comparison.old, review.comparison.new
    quads = {(t, g) for g, graph in old.graphs.items() for t in canonical_triples(graph)}
    for line in render_patch(review.comparison).splitlines():
        if line[:2] in ("A ", "D "):
            # A patch row is an N-Quads statement after its code letter.
            [quad] = ox.parse(line[2:], format=ox.RdfFormat.N_QUADS)
            s, p, o, g = _quad(quad)
            if line[0] == "A":
                quads.add(((s, p, o), g))
            else:
                quads.remove(((s, p, o), g))
    expected = {(t, g) for g, graph in new.graphs.items() for t in canonical_triples(graph)}
    assert quads == expected


def _quad(quad: ox.Quad) -> tuple[object, object, object, object]:
    from rdflib import URIRef

    from graphsvc.store.rdflib import to_rdflib

    return (
        to_rdflib(quad.subject),
        to_rdflib(quad.predicate),
        to_rdflib(quad.object),
        URIRef(quad.graph_name.value),  # type: ignore[union-attr]
    )


def test_json_has_the_documented_fields() -> None:
    import json

    body = json.loads(render(review_of("value-changed"), "json"))
    assert body["schema"] == 1 and body["changed"] is True
    assert body["summary"]["claimsChanged"] == 1
    [graph] = body["graphs"]
    assert set(graph) == {
        "graph", "file", "status", "triplesAdded", "triplesRemoved",
        "claims", "resources", "links", "terms",
    }
    [claim] = graph["claims"]
    assert claim["changes"][1] == {
        "property": "gs:quantity", "label": "quantity", "old": ["300"], "new": ["about 300"]
    }
    assert body["prefixes"]["claim"] == "https://w3id.org/graphsvc/id/claim/"


# -- descriptions come from the ontology and the data, not from a list of today's properties --

ONTOLOGY = """
@prefix gs: <https://w3id.org/graphsvc/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
gs:Claim rdfs:label "claim"@en .
gs:NegativeClaim rdfs:subClassOf gs:Claim .
gs:statedOn rdfs:label "stated on"@en ; rdfs:range xsd:date .
gs:saidBy rdfs:label "said by"@en ; rdfs:subPropertyOf <http://www.w3.org/ns/prov#wasAttributedTo> .
"""
DATA = """
@prefix gs: <https://w3id.org/graphsvc/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/graphsvc/id/claim/c1> a gs:NegativeClaim ;
    gs:saidBy <https://w3id.org/graphsvc/id/state/russia> ;
    gs:statedOn "2025-01-13"^^xsd:date ;
    gs:lowerBound 5 .
<https://w3id.org/graphsvc/id/state/russia> rdfs:label "Russia"@en .
"""


def test_claims_are_found_and_told_through_the_ontology() -> None:
    ontology = Graph().parse(data=ONTOLOGY, format="turtle")
    data = Graph().parse(data=DATA, format="turtle")
    vocabulary = Vocabulary([ontology, data], DEFAULT_BASE_IRI)
    claim = next(s for s in data.subjects() if "claim" in str(s))
    described = vocabulary.describe(claim, data, "data/x.ttl")
    assert described is not None and described.kind == "claim"
    labels = {part.label: part.values for part in described.parts.values()}
    # A property the ontology labels is named by its label; one it does not, by its local name.
    assert labels["said by"] == ("Russia",)
    assert labels["lowerBound"] == ("5",)
    assert described.sentence == "Russia: claim:c1; stated on 2025-01-13"


# -- this repository's own history ------------------------------------------------------------


@pytest.fixture(scope="module")
def full_history() -> Iterator[None]:
    if is_shallow(ROOT):
        pytest.skip("a shallow clone has not got the commits compared here (git fetch --unshallow)")
    yield


def _review_revisions(old: str, new: str) -> Review:
    with materialise(old, ROOT) as before_tree, materialise(new, ROOT) as after_tree:
        before = read_snapshot(before_tree, base_iri=DEFAULT_BASE_IRI)
        after = read_snapshot(after_tree, base_iri=DEFAULT_BASE_IRI)
    return build_review(compare(before, after), base_iri=DEFAULT_BASE_IRI)


def test_the_commit_that_added_the_data(full_history: None) -> None:
    review = _review_revisions(BEFORE_DATA, DATA_ADDED)
    counts = review.counts()
    assert {g.file for g in review.graphs} == {
        "ontology/graphsvc.ttl", "ontology/shapes.ttl",
        "data/afp-2025-01-north-korean-troops.ttl", "data/reference.ttl", "data/sources.ttl",
    }
    assert all(g.status == "added" for g in review.graphs)
    assert counts["claimsAdded"] == 79  # data/README.md: 79 claim nodes
    assert counts["triplesRemoved"] == counts["claimsRemoved"] == 0
    claims = {c.iri: c for g in review.graphs for c in g.claims}
    f36 = claims["claim:f36-south-korea-300-killed"]
    assert f36.sentence is not None
    assert f36.sentence.startswith("South Korea (asserted): ")
    assert "killed count — 300;" in f36.sentence and "2025-01-19" in f36.sentence


def test_the_reorganisation_left_the_data_alone(full_history: None) -> None:
    assert not _review_revisions(DATA_ADDED, LAYOUT).changed


def test_a_revision_that_is_not_there_is_refused(tmp_path: Path) -> None:
    from graphsvc.review import RevisionError

    with pytest.raises(RevisionError), materialise("no-such-revision-anywhere", ROOT):
        pass
    with pytest.raises(RevisionError), materialise("--output=x", ROOT):
        pass


def test_a_value_that_other_claims_share_is_a_resource_of_its_own() -> None:
    data = Graph().parse(
        data="""
        @prefix gs: <https://w3id.org/graphsvc/ontology#> .
        @prefix id: <https://w3id.org/graphsvc/id/> .
        id:c1 a gs:Claim ; gs:object id:e ; gs:quantity id:q .
        id:c2 a gs:Claim ; gs:aboutEvent id:e .
        id:e a gs:Event ; gs:note "an event" .
        id:q a gs:QuantityEstimate ; gs:value 3 .
        """,
        format="turtle",
    )
    vocabulary = Vocabulary([data], DEFAULT_BASE_IRI)
    gs = "https://w3id.org/graphsvc/ontology#"
    ids = "https://w3id.org/graphsvc/id/"
    from rdflib import URIRef

    claim = URIRef(f"{ids}c1")
    assert not vocabulary.dependent(URIRef(f"{ids}e"), data, True, URIRef(f"{gs}object"))
    assert vocabulary.dependent(URIRef(f"{ids}q"), data, True, URIRef(f"{gs}quantity"))
    described = vocabulary.describe(claim, data, "data/x.ttl")
    assert described is not None
    assert described.parts["gs:quantity"].values == ("3",)


def test_the_review_package_imports_no_web_or_cli_code() -> None:
    import subprocess
    import sys

    code = (
        "import sys, graphsvc.review, graphsvc.review.render, graphsvc.review.patch;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'typer', 'starlette')"
        " or m.startswith(('graphsvc.web', 'graphsvc.cli'))];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
