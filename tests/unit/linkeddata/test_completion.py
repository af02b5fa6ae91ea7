"""The query editor's completion data, as pure functions (linkeddata/completion.py)."""

from __future__ import annotations

from graphsvc.linkeddata.completion import (
    Completions,
    Term,
    fold,
    prefixed_name,
    used_prefixes,
)
from graphsvc.namespaces import data_prefixes

BASE = "https://example.org/kg/"
PREFIXES = data_prefixes(BASE)
GS = PREFIXES["gs"]


def test_a_prefixed_name_only_when_sparql_accepts_the_local_part_as_it_is() -> None:
    assert prefixed_name(GS + "Claim", PREFIXES) == "gs:Claim"
    assert prefixed_name(GS + "killed-count_2", PREFIXES) == "gs:killed-count_2"
    # A '/', a trailing '.', a non-ASCII letter or nothing at all: written as <IRI> instead.
    for local in ("state/south-korea", "x.", "Zürich", ""):
        assert prefixed_name(GS + local, PREFIXES) is None
    assert prefixed_name("http://unknown.example/x", PREFIXES) is None


def test_the_longest_namespace_wins() -> None:
    prefixes = {"a": "http://x.org/", "b": "http://x.org/vocab#"}
    assert prefixed_name("http://x.org/vocab#Thing", prefixes) == "b:Thing"


def test_used_prefixes_are_those_of_the_terms_and_the_usual_few() -> None:
    used = used_prefixes([GS + "Claim", "http://schema.org/name", "urn:x"], PREFIXES)
    assert set(used) == {"gs", "schema", "rdf", "rdfs", "xsd", "owl"}
    assert used["gs"] == GS
    assert list(used) == sorted(used)


def test_fold_ignores_case_accents_and_punctuation() -> None:
    assert fold("  Côte-d'Ivoire ") == "cote d ivoire"
    assert fold("SOUTH  korea") == "south korea"


def _resources(*labels: str) -> Completions:
    terms = [Term(f"{BASE}id/{i}", label, "resource", None) for i, label in enumerate(labels)]
    return Completions({}, [], [], terms, False)


def test_search_ranks_whole_label_prefix_then_word_prefix_then_anywhere() -> None:
    found = _resources("Korean War", "North Korea", "Korea", "Ankora", "Ukraine").search("kor")
    assert [t.label for t in found] == ["Korea", "Korean War", "North Korea", "Ankora"]


def test_search_matches_accents_and_caps_its_answers() -> None:
    completions = _resources("Zürich", "Zurich airport", *[f"Zug {i}" for i in range(50)])
    assert [t.label for t in completions.search("zur")] == ["Zürich", "Zurich airport"]
    assert len(completions.search("zug", limit=7)) == 7
    assert completions.search("  ") == []


def test_the_vocabulary_json_counts_resources_without_listing_them() -> None:
    klass = Term(GS + "Claim", "claim", "class", "gs:Claim")
    body = Completions({"gs": GS}, [klass], [], [], True).vocabulary_json()
    as_json = {"iri": GS + "Claim", "label": "claim", "kind": "class", "prefixed": "gs:Claim"}
    assert body == {
        "prefixes": {"gs": GS},
        "classes": [as_json],
        "properties": [],
        "resources": 0,
        "resources_truncated": True,
    }
