"""build_service: the version is the digest of the files (computed while they load), the graph
list is the engine's, and an on-disk store that holds these files is served without a load."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphsvc.errors import RDFSyntaxError
from graphsvc.service import ServiceOptions, build_service, sources_digest
from graphsvc.store.oxigraph import OxigraphStore

BASE = "https://example.org/"
OPTIONS = ServiceOptions(base_iri=BASE)


def _project(root: Path) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "one.ttl").write_text("<https://example.org/a> <https://example.org/p> 1 .\n")
    (root / "data" / "two.nt").write_text(
        "<https://example.org/b> <https://example.org/p> <https://example.org/a> .\n"
    )
    return root / "data"


def test_version_and_graphs(tmp_path: Path) -> None:
    data = _project(tmp_path)
    service = build_service([data], engine="oxigraph", options=OPTIONS, project_root=tmp_path)
    assert service.version == sources_digest(service.sources)
    assert [(g.name, g.triples) for g in service.graphs] == [
        (None, 0),
        (f"{BASE}graph/data/one", 1),
        (f"{BASE}graph/data/two", 1),
    ]
    assert isinstance(service.store, OxigraphStore)
    assert service.graphs == service.store.graphs() != []
    counted = service.store._counted()
    assert {g.name: g.triples for g in service.graphs} == {None: 0, **counted}


def test_a_syntax_error_stops_the_build(tmp_path: Path) -> None:
    data = _project(tmp_path)
    (data / "three.ttl").write_text("<https://example.org/a> <https://example.org/p> .\n")
    with pytest.raises(RDFSyntaxError, match=r"three\.ttl:1:"):
        build_service([data], engine="oxigraph", options=OPTIONS, project_root=tmp_path)


def test_a_stored_load_is_served_again_without_loading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _project(tmp_path / "project")
    store = tmp_path / "store"

    def build():  # type: ignore[no-untyped-def]
        return build_service(
            [data],
            engine="oxigraph",
            options=OPTIONS,
            project_root=tmp_path / "project",
            store_path=store,
        )

    first = build()
    assert first.store.path == store  # type: ignore[attr-defined]
    graphs, version = first.graphs, first.version
    del first

    def no_load(self: OxigraphStore, source: object) -> int:
        raise AssertionError("loaded again")

    with monkeypatch.context() as patch:
        patch.setattr(OxigraphStore, "load", no_load)
        again = build()
    assert (again.graphs, again.version) == (graphs, version)
    del again
    # Other bytes: loaded again, into the same folder.
    (data / "two.nt").write_text("")
    changed = build()
    assert changed.version != version
    assert [(g.name, g.triples) for g in changed.graphs][-1] == (f"{BASE}graph/data/one", 1)
