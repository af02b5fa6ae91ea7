"""Chunking a graph for upload: every blank node's triples travel in one request."""

from __future__ import annotations

import pyoxigraph as ox

from graphsvc.store.remote.uploads import chunks

EX = "http://example.org/"


def iri(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


def test_triples_without_blank_nodes_go_in_chunks_of_the_size_given() -> None:
    triples = [ox.Triple(iri(f"s{i}"), iri("p"), ox.Literal(str(i))) for i in range(10)]
    parts = list(chunks(triples, 4))
    assert [len(part) for part in parts] == [4, 4, 2]
    assert [t for part in parts for t in part] == triples


def test_linked_blank_nodes_stay_in_one_chunk() -> None:
    a, b, c, lone = ox.BlankNode("a"), ox.BlankNode("b"), ox.BlankNode("c"), ox.BlankNode("z")
    linked = [
        ox.Triple(iri("x"), iri("p"), a),
        ox.Triple(a, iri("q"), b),  # a and b are linked through this triple...
        ox.Triple(c, iri("r"), ox.Literal("c")),
        ox.Triple(b, iri("s"), c),  # ... and b and c through this one, seen last
        ox.Triple(lone, iri("p"), ox.Literal("alone")),
    ]
    plain = [ox.Triple(iri(f"s{i}"), iri("p"), iri("o")) for i in range(5)]
    parts = list(chunks(plain[:3] + linked + plain[3:], 2))
    assert sorted(map(len, parts)) == [1, 1, 2, 2, 4]
    by_label: dict[str, set[int]] = {}
    for number, part in enumerate(parts):
        for triple in part:
            for term in (triple.subject, triple.object):
                if isinstance(term, ox.BlankNode):
                    by_label.setdefault(term.value, set()).add(number)
    assert all(len(where) == 1 for where in by_label.values()), by_label
    assert by_label["a"] == by_label["b"] == by_label["c"] != by_label["z"]
    assert sorted(map(str, (t for part in parts for t in part))) == sorted(
        map(str, plain + linked)
    )


def test_a_component_larger_than_a_chunk_goes_whole() -> None:
    chain = [ox.BlankNode(f"n{i}") for i in range(7)]
    linked = [ox.Triple(chain[i], iri("next"), chain[i + 1]) for i in range(6)]
    parts = list(chunks(linked, 2))
    assert [len(part) for part in parts] == [6]


def test_blank_nodes_inside_triple_terms_count() -> None:
    inner = ox.Triple(ox.BlankNode("q"), iri("p"), iri("o"))
    triples = [
        ox.Triple(iri("claim"), iri("reifies"), inner),
        ox.Triple(ox.BlankNode("q"), iri("label"), ox.Literal("q")),
    ]
    assert [len(part) for part in chunks(triples, 1)] == [2]
