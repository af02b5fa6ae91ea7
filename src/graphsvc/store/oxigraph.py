"""The default engine: a pyoxigraph Store, in memory or on disk."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import IO, Protocol, cast

import pyoxigraph as ox

from graphsvc.errors import LoadError, QuerySyntaxError
from graphsvc.load import SourceFile, check_source, syntax_error
from graphsvc.store.base import (
    AskResult,
    GraphInfo,
    GraphResult,
    QueryRequest,
    QueryResult,
    SelectResult,
)

_POSITION = re.compile(r"(?:at |line )(\d+)[:, ](?:column )?(\d+)")


def query_syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    """Our error for an oxigraph query parse failure, with the line and column it names."""
    message = str(exc)
    found = _POSITION.search(message)
    if found:
        return QuerySyntaxError(message, int(found.group(1)), int(found.group(2)))
    return QuerySyntaxError(message)


class Writer(Protocol):
    """Where bytes are written: a binary file, or anything with its ``write``."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class OxigraphStore:
    engine = "oxigraph"

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        if path is None:
            self._store = ox.Store()
        elif read_only:
            # Several server processes may serve one store: only a loading one opens it for
            # writing (RocksDB allows one writer; readers need no lock).
            self._store = ox.Store.read_only(str(path))
        else:
            self._store = ox.Store(str(path))
        # Each graph's triples, counted as they are added (graphs()); None: not known (a store
        # opened on disk holds what it holds), counted by query when asked.
        self._counts: dict[str | None, int] | None = {} if path is None else None
        self._size: int | None = 0 if path is None else None

    def load(self, source: SourceFile) -> int:
        check_source(source)
        if self._size is None:
            self._size = len(self._store)
        # In memory, the transactional loader is as fast as the bulk one and peaks lower (by
        # 200 MB at 1M triples: the bulk loader's parse buffers); on disk, the bulk loader
        # writes sorted files instead of holding the whole file in one transaction.
        loader = self._store.load if self.path is None else self._store.bulk_load
        try:
            loader(
                path=source.path,
                format=source.format,
                base_iri=source.base_iri,
                to_graph=source.graph if source.graph is not None else ox.DefaultGraph(),
            )
        except SyntaxError as exc:
            self._counts = self._size = None
            raise syntax_error(exc, source.path) from None
        except (OSError, ValueError) as exc:
            self._counts = self._size = None
            raise LoadError(f"{source.path}: {exc}") from None
        # A file of triples adds to its one graph only; a dataset (TriG, N-Quads, JSON-LD with
        # named graphs) may add to any.
        graph = source.graph.value if source.graph is not None else None
        return self._grew(graph, only_there=not source.format.supports_datasets)

    def insert(self, update: str, graph: str) -> int:
        """Run a SPARQL update that adds to ``graph`` and nowhere else, inside the engine (no
        Python object per triple); return how many triples it added."""
        if self._size is None:
            self._size = len(self._store)
        try:
            self._store.update(update)
        except BaseException:
            self._counts = self._size = None
            raise
        return self._grew(graph, only_there=True)

    def _grew(self, graph: str | None, *, only_there: bool) -> int:
        """How many triples the last write added; they went to ``graph`` if ``only_there``.

        ``len()`` walks the store (60 ms at 1M triples): a fifth of counting graphs by query."""
        size = len(self._store)
        added = size - (self._size if self._size is not None else size)
        self._size = size
        if self._counts is not None and only_there:
            self._counts[graph] = self._counts.get(graph, 0) + added
        else:
            self._counts = None
        return added

    def query(self, request: QueryRequest) -> QueryResult:
        kwargs: dict[str, object] = {}
        if request.has_protocol_dataset:
            kwargs["default_graph"] = [ox.NamedNode(iri) for iri in request.default_graph_uris]
            kwargs["named_graphs"] = [ox.NamedNode(iri) for iri in request.named_graph_uris]
        else:
            kwargs["use_default_graph_as_union"] = request.union_default_graph
        if request.bindings:
            kwargs["substitutions"] = {
                ox.Variable(name): term for name, term in request.bindings.items()
            }
        try:
            result = self._store.query(request.text, **kwargs)  # type: ignore[arg-type]
        except SyntaxError as exc:
            raise query_syntax_error(exc) from None
        if isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            return SelectResult(variables, (tuple(solution) for solution in result), result)
        if isinstance(result, ox.QueryBoolean):
            return AskResult(bool(result))
        return GraphResult(iter(result))

    def dump(
        self,
        output: Writer,
        graph: str | None,
        rdf_format: ox.RdfFormat,
        prefixes: dict[str, str] | None = None,
    ) -> None:
        """Write one graph's triples with the engine's own serialiser (no Python per triple)."""
        self._store.dump(
            cast(IO[bytes], output),
            rdf_format,
            from_graph=ox.NamedNode(graph) if graph is not None else ox.DefaultGraph(),
            prefixes=prefixes,
        )

    def graphs(self) -> list[GraphInfo]:
        if self._counts is None:
            counts = self._counted()
        else:
            # Counted while loading; a named graph left empty is listed as the engine lists it.
            counts = {name: n for name, n in self._counts.items() if n}
            for graph in self._store.named_graphs():
                if isinstance(graph, ox.NamedNode):
                    counts.setdefault(graph.value, 0)
        return [GraphInfo(None, counts.get(None, 0))] + [
            GraphInfo(name, counts[name]) for name in sorted(n for n in counts if n is not None)
        ]

    def _counted(self) -> dict[str | None, int]:
        # Counted by the engine itself: a Python loop over every quad would not scale.
        named = self._store.query(
            "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        )
        counts: dict[str | None, int] = {}
        assert isinstance(named, ox.QuerySolutions)
        for graph, count in named:
            if isinstance(graph, ox.NamedNode) and isinstance(count, ox.Literal):
                counts[graph.value] = int(count.value)
        for graph in self._store.named_graphs():
            if isinstance(graph, ox.NamedNode):
                counts.setdefault(graph.value, 0)
        default = self._store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        assert isinstance(default, ox.QuerySolutions)
        for (count,) in default:
            assert isinstance(count, ox.Literal)
            counts[None] = int(count.value)
        return counts

    def __len__(self) -> int:
        return len(self._store)

    def prepare_for_worker(self) -> OxigraphStore:
        if self.path is None:
            # An in-memory store is inherited by the forked worker, copy-on-write.
            return self
        # A RocksDB handle must not cross a fork: the worker opens its own, read-only.
        worker = OxigraphStore.__new__(OxigraphStore)
        worker.path = self.path
        worker._store = ox.Store.read_only(str(self.path))
        return worker

    def flush(self) -> None:
        if self.path is not None:
            self._store.flush()
            self._store.optimize()

    def clear(self) -> None:
        if self.path is not None:
            (self.path / self._LOADED).unlink(missing_ok=True)
        self._store.clear()
        self._counts, self._size = {}, 0

    # An on-disk store records which data it holds in this file, written only once a load is
    # complete (and flushed): a load that died half-way leaves no record and is redone. RocksDB
    # leaves files it does not own alone.
    _LOADED = "graphsvc-loaded.json"

    @classmethod
    def recorded(cls, path: Path) -> bool:
        """Whether the store at ``path`` records holding a complete load (of some data)."""
        return (path / cls._LOADED).is_file()

    @classmethod
    def recorded_graphs(cls, path: Path, version: str) -> list[GraphInfo] | None:
        """What the store at ``path`` records holding, if it is data ``version``; else None."""
        try:
            record = json.loads((path / cls._LOADED).read_text())
        except (OSError, ValueError):
            return None
        if record.get("version") != version:
            return None
        return [GraphInfo(name, int(triples)) for name, triples in record["graphs"]]

    def mark_loaded(self, version: str, graphs: list[GraphInfo]) -> None:
        if self.path is None:
            return
        self.flush()
        record = {"version": version, "graphs": [[g.name, g.triples] for g in graphs]}
        tmp = self.path / f"{self._LOADED}.tmp"
        tmp.write_text(json.dumps(record))
        tmp.replace(self.path / self._LOADED)
