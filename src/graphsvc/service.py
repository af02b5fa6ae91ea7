"""The graph service: a loaded store, its named queries, and how queries run against it.

This is the core object the web layer and the CLI share. It knows nothing of HTTP.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from graphsvc.cache import ResultCache, cache_key
from graphsvc.entailment import entailed_graph_iri, materialise
from graphsvc.errors import GraphsvcError
from graphsvc.execution.base import Executor, ExecutorKind, Job
from graphsvc.execution.factory import make_executor
from graphsvc.load import SourceFile, discover
from graphsvc.namespaces import data_prefixes
from graphsvc.queries import QueryCatalog
from graphsvc.serialize import Serialised, serialise
from graphsvc.sparql import (
    Classified,
    Operation,
    check_policy,
    classify,
    refuse_update,
    with_base,
)
from graphsvc.store import GraphInfo, QueryRequest, Store, Term, open_store
from graphsvc.store.oxigraph import OxigraphStore

log = logging.getLogger(__name__)
PREFIXED_FORMATS = frozenset({"text/turtle", "application/rdf+xml"})


@dataclass(frozen=True)
class ServiceOptions:
    """The settings the core needs, as plain values (see ``config.Settings`` for the docs)."""

    base_iri: str
    union_default_graph: bool = True
    query_timeout: float = 30.0
    max_rows: int = 100_000
    query_workers: int = 4
    max_queued: int = 64
    allowed_service_iris: Sequence[str] = ()
    result_cache_bytes: int = 0
    """Bytes of serialised results to keep (see cache.py); 0: no cache."""
    executor: ExecutorKind = "processes"
    """How queries run (see ``config.resolve_execution``, which decides it)."""
    entailment: bool = False
    """Materialise the RDFS closure into ``<base>graph/entailed`` after loading (entailment.py)."""
    memory_budget: int = 0
    """Bytes the server's processes may hold together; 0: no bound (execution/memory.py)."""


@dataclass
class GraphService:
    store: Store
    options: ServiceOptions
    sources: list[SourceFile]
    catalog: QueryCatalog
    graphs: list[GraphInfo] = field(default_factory=list)
    version: str = ""
    loaded_at: float = field(default_factory=time.time)
    executor: Executor | None = None
    on_start: list[Callable[[], None]] = field(default_factory=list)
    """Run by ``start()`` before the workers fork: the last moment the parent may read the store."""
    on_stop: list[Callable[[], None]] = field(default_factory=list)
    extensions: dict[str, object] = field(default_factory=dict)
    """What other layers compute once per loaded version and keep with it (Linked Data facts)."""
    cache: ResultCache | None = None
    on_runaway: Callable[[], None] | None = None
    """With query threads: called when a query outlives its limit (see execution/threads.py)."""
    _prepared: dict[str, Classified] = field(default_factory=dict, repr=False)
    _hooks_ran: bool = field(default=False, repr=False)

    @property
    def triple_count(self) -> int:
        """Every triple a query of the union default graph sees, entailed ones included."""
        return sum(g.triples for g in self.graphs)

    @property
    def entailed_graph(self) -> GraphInfo | None:
        """The graph of RDFS-entailed triples (entailment.py), when there is one."""
        name = entailed_graph_iri(self.options.base_iri)
        return next((g for g in self.graphs if g.name == name), None)

    @property
    def asserted_graphs(self) -> list[GraphInfo]:
        """The graphs the sources give: what is published, dumped and counted as the data."""
        entailed = self.entailed_graph
        return [g for g in self.graphs if g is not entailed]

    @property
    def prefixes(self) -> dict[str, str]:
        return data_prefixes(self.options.base_iri)

    def run_start_hooks(self) -> None:
        """Run the start hooks, once: ``start`` runs them unless this already did (a loader runs
        them before it forks the server processes, which then start without them)."""
        if not self._hooks_ran:
            self._hooks_ran = True
            for hook in self.on_start:
                hook()

    def start(self) -> None:
        """Run the start hooks, then fork the workers: from now on only they read the store."""
        self.run_start_hooks()
        self.executor = make_executor(
            self.options.executor,
            self.store,
            workers=self.options.query_workers,
            timeout=self.options.query_timeout,
            max_queued=self.options.max_queued,
            on_runaway=self.on_runaway,
            memory_budget=self.options.memory_budget,
        )
        self.executor.start()

    def stop(self) -> None:
        for hook in self.on_stop:
            hook()
        if self.executor is not None:
            self.executor.stop()
            self.executor = None

    @property
    def ready(self) -> bool:
        return self.executor is not None and self.executor.started

    @property
    def busy(self) -> bool:
        """Whether a query is running (a replaced service is stopped once it is not)."""
        return self.executor is not None and self.executor.admission.in_use > 0

    def prepare(self, text: str) -> Classified:
        """Classify a query and apply the policy; updates are refused (403 or 400).

        A query that passed is remembered (clients repeat theirs): classifying it again costs as
        much as a point lookup. Callers must not change what this returns."""
        known = self._prepared.get(text)
        if known is not None:
            return known
        classified = classify(text)
        check_policy(classified, self.options.allowed_service_iris)
        if classified.operation is Operation.UPDATE:
            refuse_update(text)
        if len(self._prepared) >= 1024:
            self._prepared.clear()
        self._prepared[text] = classified
        return classified

    def _classify(self, text: str) -> Classified:
        """``classify``, remembered with the prepared queries (named queries and the pages'
        own queries come back with every request)."""
        known = self._prepared.get(text)
        return known if known is not None else classify(text)

    def _union_for(self, classified: Classified) -> bool:
        # A query's own FROM / FROM NAMED defines its dataset: the union mode must not hide it.
        return self.options.union_default_graph and not classified.has_dataset_clause

    async def run(
        self,
        text: str,
        media_type: str,
        *,
        default_graph_uris: Sequence[str] = (),
        named_graph_uris: Sequence[str] = (),
        bindings: Mapping[str, Term] | None = None,
        classified: Classified | None = None,
        union_default_graph: bool | None = None,
    ) -> Serialised:
        """Evaluate a query in a worker. ``union_default_graph`` overrides the service's mode, for
        internal queries (Linked Data pages) that must see every graph whatever the setting."""
        if self.executor is None:
            raise GraphsvcError("the service is not started")
        request = QueryRequest(
            text=with_base(text, self.options.base_iri),
            union_default_graph=(
                self._union_for(classified or self._classify(text))
                if union_default_graph is None
                else union_default_graph
            ),
            default_graph_uris=tuple(default_graph_uris),
            named_graph_uris=tuple(named_graph_uris),
            bindings=dict(bindings or {}),
            media_type=media_type,
        )
        if self.options.result_cache_bytes and self.cache is None:
            self.cache = ResultCache(self.options.result_cache_bytes)
        key = cache_key(self.version, request, media_type) if self.cache is not None else None
        if self.cache is not None and key is not None:
            cached = self.cache.get(key)
            if cached is not None:
                return cached
        # Only Turtle and RDF/XML use the prefix map: the other formats need not carry it over.
        prefixes = self.prefixes if media_type in PREFIXED_FORMATS else {}
        job = Job(request, media_type, self.options.max_rows, prefixes)
        result = await self.executor.run(job)
        if self.cache is not None and key is not None:
            self.cache.put(key, result)
        return result

    def run_in_process(
        self, text: str, media_type: str, *, bindings: Mapping[str, Term] | None = None
    ) -> Serialised:
        """Evaluate a query here, without workers or time limit: for the command line."""
        classified = self.prepare(text)
        request = QueryRequest(
            text=with_base(text, self.options.base_iri),
            union_default_graph=self._union_for(classified),
            bindings=dict(bindings or {}),
            media_type=media_type,
        )
        result = self.store.query(request)
        return serialise(
            result,
            media_type,
            max_rows=self.options.max_rows,
            prefixes=self.prefixes,
            rerun=lambda: self.store.query(request),
        )


def attach_service(
    store: Store, *, options: ServiceOptions, queries_dir: Path | None, version: str | None = None
) -> GraphService:
    """A service over a store that already holds its data (the remote engine): nothing is loaded.

    Its graphs and counts are read now, once; the version is the published release's, or else a
    digest of the graph list, so it changes when the data does.
    """
    graphs = store.graphs()
    if not version:
        listing = repr([(g.name, g.triples) for g in graphs]).encode()
        version = hashlib.sha256(listing).hexdigest()[:16]
    service = GraphService(
        store=store,
        options=options,
        sources=[],
        catalog=QueryCatalog.from_folder(queries_dir),
        graphs=graphs,
        version=version,
    )
    log.info("serving %d triples held by the %s engine", service.triple_count, store.engine)
    return service


def sources_digest(sources: Sequence[SourceFile]) -> str:
    """The data version: a hash of the files' bytes, read in chunks (files of any size).

    Validation computes the same digest; ``assemble.build_validated`` compares the two, so the
    data served is the data validated.
    """
    digest = hashlib.sha256()
    for source in sources:
        with source.path.open("rb") as data:
            while chunk := data.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()[:16]


def build_service(
    paths: Sequence[Path],
    *,
    engine: str,
    options: ServiceOptions,
    project_root: Path | None,
    store_path: Path | None = None,
    queries_dir: Path | None = None,
) -> GraphService:
    """Load the files into a new store. Any error stops here: nothing half-loaded is served."""
    started = time.perf_counter()
    sources = discover(paths, base_iri=options.base_iri, project_root=project_root)
    # An on-disk store that already holds exactly these files is served as it is (start-up
    # then costs an open, not a load), read-only; any other content is replaced, never added
    # to. Which graph each file goes to is part of what the store holds, not only the bytes.
    layout = repr(
        ([(str(s.path.resolve()), str(s.graph), s.base_iri) for s in sources], options.entailment)
    )
    layout_digest = hashlib.sha256(layout.encode()).hexdigest()[:16]
    store: Store
    graphs = None
    # The version digest reads every file once more. The engine's loader and hashlib both
    # release the GIL, so it is computed while the files load, unless a stored load may be
    # served: whether it may depends on the digest.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="graphsvc-digest") as pool:
        digest = pool.submit(sources_digest, sources)
        if engine == "oxigraph" and store_path is not None and OxigraphStore.recorded(store_path):
            stored = f"{digest.result()}-{layout_digest}"
            graphs = OxigraphStore.recorded_graphs(store_path, stored)
        if graphs is not None:
            store = OxigraphStore(store_path, read_only=True)
        else:
            store = open_store(engine, store_path=store_path)
            if isinstance(store, OxigraphStore):
                store.clear()
            for source in sources:
                count = store.load(source)
                log.info("loaded %s: %d quads", source.path, count)
            if options.entailment:
                materialise(store, entailed_graph_iri(options.base_iri))
            graphs = store.graphs()
            if isinstance(store, OxigraphStore) and store_path is not None:
                store.mark_loaded(f"{digest.result()}-{layout_digest}", graphs)
                # Served read-only from now on, like by any other process that opens it: a
                # writer's background compaction deletes files that readers (the dump writer,
                # more server processes) may still be opening.
                del store
                store = OxigraphStore(store_path, read_only=True)
        version = digest.result()
    catalog = QueryCatalog.from_folder(queries_dir)
    service = GraphService(
        store=store,
        options=options,
        sources=sources,
        catalog=catalog,
        graphs=graphs,
        version=version,
    )
    log.info(
        "loaded %d files, %d triples in %.2f s (engine %s)",
        len(sources),
        service.triple_count,
        time.perf_counter() - started,
        engine,
    )
    return service
