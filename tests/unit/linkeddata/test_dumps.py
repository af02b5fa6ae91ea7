"""The dumps (linkeddata/dumps.py): oxigraph writes them itself, byte for byte what the generic
path writes for N-Quads and the same quads in the same order for TriG; and a process forked from
the one that started the writer never stops it or removes its files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from graphsvc.linkeddata.dumps import MANIFEST, DumpWriter, _quads, write_dumps
from graphsvc.load import discover
from graphsvc.store.base import GraphInfo, QueryRequest, QueryResult, Store
from graphsvc.store.oxigraph import OxigraphStore

EX = "http://example.org/"
DATA = f"""
@prefix ex: <{EX}> .
ex:a ex:p "in the default graph" .
<{EX}g2> {{
  ex:b ex:p "ends with a dot .", "two\\nlines .\\n", "quoted \\"x\\" ." , "Seoul"@ko-Kore .
  ex:b ex:q [ ex:r 1 ; ex:s ( ex:x ex:y ) ] .
}}
<{EX}g1> {{
  ex:c ex:p ex:d ; ex:n 1.5 , true .
  _:shared ex:p "a blank node in two graphs" .
}}
<{EX}g2> {{ _:shared ex:p "the same node" . }}
"""
GRAPHS = [None, f"{EX}g1", f"{EX}g2", f"{EX}empty"]
PREFIXES = {"ex": EX, "xsd": "http://www.w3.org/2001/XMLSchema#"}


class Generic:
    """The oxigraph store seen only through the Store protocol: the generic path."""

    engine = "generic"

    def __init__(self, store: OxigraphStore) -> None:
        self.store = store

    def load(self, source: object) -> int:
        raise NotImplementedError

    def query(self, request: QueryRequest) -> QueryResult:
        return self.store.query(request)

    def graphs(self) -> list[GraphInfo]:
        return self.store.graphs()

    def __len__(self) -> int:
        return len(self.store)

    def prepare_for_worker(self) -> Store:
        return self


@pytest.fixture
def store(tmp_path: Path) -> OxigraphStore:
    path = tmp_path / "data.trig"
    path.write_text(DATA)
    store = OxigraphStore()
    for source in discover([path], base_iri=EX):
        store.load(source)
    return store


def _parsed(path: Path) -> list[ox.Quad]:
    return list(ox.parse(path=path, format=ox.RdfFormat.from_extension(path.suffix[1:])))


def test_native_dumps_write_what_the_generic_path_writes(
    store: OxigraphStore, tmp_path: Path
) -> None:
    native, generic = tmp_path / "native", tmp_path / "generic"
    native.mkdir()
    generic.mkdir()
    write_dumps(store, native, GRAPHS, PREFIXES)
    write_dumps(Generic(store), generic, GRAPHS, PREFIXES)
    nquads = (native / "graphsvc.nq").read_bytes()
    assert nquads == (generic / "graphsvc.nq").read_bytes()
    quads = _parsed(native / "graphsvc.nq")
    assert quads == list(_quads(store, GRAPHS))
    # Default graph first, then the named graphs in the order given, each once.
    order = [q.graph_name for q in quads]
    assert order == sorted(order, key=lambda g: GRAPHS.index(getattr(g, "value", None)))
    # The TriG: the same quads in the same order, each graph one block, prefixes declared once.
    assert _parsed(native / "graphsvc.trig") == quads
    trig = (native / "graphsvc.trig").read_text()
    assert trig.count("@prefix ex:") == 1
    assert trig.count(f"<{EX}g1> {{") == trig.count(f"<{EX}g2> {{") == 1
    assert f"<{EX}empty>" not in trig


def test_an_empty_store_dumps_empty_but_valid_files(tmp_path: Path) -> None:
    write_dumps(OxigraphStore(), tmp_path, [None, f"{EX}g1"], PREFIXES)
    assert (tmp_path / "graphsvc.nq").read_bytes() == b""
    assert _parsed(tmp_path / "graphsvc.trig") == []


def _wait_for_files(writer: DumpWriter) -> None:
    deadline = time.monotonic() + 60
    while writer.files() is None:
        assert writer.failure() is None
        assert time.monotonic() < deadline, "the dump writer did not finish"
        time.sleep(0.02)


def test_only_the_process_that_started_the_writer_stops_it(store: OxigraphStore) -> None:
    writer = DumpWriter(store, GRAPHS, PREFIXES)
    writer.start()
    assert writer.folder is not None
    folder = writer.folder
    child = os.fork()
    if child == 0:  # a server process forked after the start hooks ran
        code = 1
        try:
            _wait_for_files(writer)  # reads the manifest, never waits for the writer
            writer.stop()
            code = 0 if folder.is_dir() and writer.files() is not None else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert (folder / MANIFEST).exists(), "a forked process removed the dumps"
    _wait_for_files(writer)
    assert writer.pid is None and writer.exit_code == 0  # the owner reaped it
    writer.stop()
    assert not folder.exists()


def test_a_writer_that_fails_says_why(tmp_path: Path) -> None:
    class Broken(Generic):
        def query(self, request: QueryRequest) -> QueryResult:
            raise RuntimeError("no store here")

    writer = DumpWriter(Broken(OxigraphStore()), [None], PREFIXES)
    writer.start()
    deadline = time.monotonic() + 30
    while (failure := writer.failure()) is None:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert failure == "RuntimeError: no store here"
    writer.stop()
