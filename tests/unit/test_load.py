"""Files → named graphs, in every supported format, and parse errors with file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphsvc.errors import LoadError, RDFSyntaxError
from graphsvc.load import discover, graph_iri_for, parse_quads
from graphsvc.store import GraphInfo, QueryRequest, SelectResult, open_store
from graphsvc.store.oxigraph import OxigraphStore

FIXTURES = Path(__file__).parents[1] / "fixtures"
BASE = "https://w3id.org/graphsvc/"


def test_discover_lists_every_format_in_a_stable_order() -> None:
    sources = discover([FIXTURES / "formats"], base_iri=BASE)
    assert [s.path.name for s in sources] == [
        "one.jsonld",
        "one.nq",
        "one.nt",
        "one.rdf",
        "one.trig",
        "one.ttl",
    ]
    assert all(s.graph is None for s in sources)


def test_project_mode_gives_each_file_its_own_graph() -> None:
    sources = discover([FIXTURES / "formats"], base_iri=BASE, project_root=FIXTURES.parent)
    by_name = {s.path.name: s for s in sources}
    assert by_name["one.ttl"].graph is not None
    assert by_name["one.ttl"].graph.value == f"{BASE}graph/fixtures/formats/one"
    assert by_name["one.ttl"].base_iri == f"{BASE}fixtures/formats/one.ttl"


def test_graph_iri_rule() -> None:
    root = Path("/project")
    assert graph_iri_for(root / "data" / "reference.ttl", root, BASE) == (
        "https://w3id.org/graphsvc/graph/data/reference"
    )


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_quads_keep_their_graphs_and_triples_go_to_the_default_graph(engine: str) -> None:
    store = open_store(engine)
    for source in discover([FIXTURES / "formats"], base_iri=BASE):
        store.load(source)
    query = "SELECT ?g ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
    result = store.query(QueryRequest(query, union_default_graph=False))
    assert isinstance(result, SelectResult)
    rows = {(None if g is None else g.value, o.value) for g, o in result.rows}  # type: ignore[union-attr]
    assert rows == {
        (None, "turtle"),
        (None, "ntriples"),
        (None, "jsonld"),
        (None, "rdfxml"),
        ("http://example.org/nq-graph", "nquads"),
        ("http://example.org/trig-graph", "trig"),
    }


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_syntax_error_names_file_line_and_column(engine: str) -> None:
    store = open_store(engine)
    (source,) = discover([FIXTURES / "broken" / "bad.ttl"], base_iri=BASE)
    with pytest.raises(RDFSyntaxError) as caught:
        store.load(source)
    error = caught.value
    assert error.path.endswith("bad.ttl")
    assert error.line == 3
    assert error.column is not None
    assert str(error).startswith(f"{source.path}:3:")


def test_missing_path_is_a_load_error() -> None:
    with pytest.raises(LoadError, match="no such file"):
        discover([FIXTURES / "nowhere"], base_iri=BASE)


def test_unknown_suffix_given_explicitly_is_refused(tmp_path: Path) -> None:
    odd = tmp_path / "data.txt"
    odd.write_text("hello")
    with pytest.raises(LoadError, match="unknown RDF format"):
        discover([odd], base_iri=BASE)


def test_parse_quads_places_triples_in_the_file_graph() -> None:
    (source,) = discover(
        [FIXTURES / "formats" / "one.ttl"], base_iri=BASE, project_root=FIXTURES.parent
    )
    quads = list(parse_quads(source))
    assert len(quads) == 1
    assert quads[0].graph_name == source.graph


@pytest.mark.parametrize("project", [True, False], ids=["named-graphs", "default-graph"])
def test_graph_counts_kept_while_loading_are_the_engines_counts(
    tmp_path: Path, project: bool
) -> None:
    """oxigraph counts each graph as files load into it (no query afterwards); a file that may
    name graphs of its own (TriG, N-Quads, JSON-LD) makes it count by query instead."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.ttl").write_text("<http://a> <http://p> 1, 2 .\n")
    # the same graph as a.ttl in a project, and a triple a.ttl has: counted once
    (tmp_path / "data" / "a.nt").write_text(
        '<http://a> <http://p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
        "<http://a> <http://p> <http://b> .\n"
    )
    (tmp_path / "data" / "empty.ttl").write_text("")
    root = tmp_path if project else None
    store = OxigraphStore()
    for source in discover([tmp_path / "data"], base_iri=BASE, project_root=root):
        store.load(source)
    assert store._counts is not None
    assert store.graphs() == [GraphInfo(n, c) for n, c in sorted_counts(store)]
    for source in discover(
        [FIXTURES / "formats"], base_iri=BASE, project_root=root and FIXTURES.parent
    ):
        store.load(source)
    assert store._counts is None  # a quad file was loaded
    assert store.graphs() == [GraphInfo(n, c) for n, c in sorted_counts(store)]


def sorted_counts(store: OxigraphStore) -> list[tuple[str | None, int]]:
    counts = store._counted()
    named = sorted((name, n) for name, n in counts.items() if name is not None)
    return [(None, counts.get(None, 0)), *named]
