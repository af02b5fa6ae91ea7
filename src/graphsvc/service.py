"""The graph service: a loaded store, its named queries, and how queries run against it.

This is the core object the web layer and the CLI share. It knows nothing of HTTP.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graphsvc.errors import GraphsvcError
from graphsvc.load import SourceFile, discover
from graphsvc.namespaces import data_prefixes
from graphsvc.queries import QueryCatalog
from graphsvc.serialize import Serialised, serialise
from graphsvc.sparql import Classified, Operation, check_policy, classify, refuse_update
from graphsvc.store import GraphInfo, QueryRequest, Store, Term, open_store
from graphsvc.workers import Job, QueryExecutor

log = logging.getLogger(__name__)


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


@dataclass
class GraphService:
    store: Store
    options: ServiceOptions
    sources: list[SourceFile]
    catalog: QueryCatalog
    graphs: list[GraphInfo] = field(default_factory=list)
    version: str = ""
    loaded_at: float = field(default_factory=time.time)
    executor: QueryExecutor | None = None

    @property
    def triple_count(self) -> int:
        return sum(g.triples for g in self.graphs)

    @property
    def prefixes(self) -> dict[str, str]:
        return data_prefixes(self.options.base_iri)

    def start(self) -> None:
        """Fork the query workers; from now on only they touch the store."""
        self.executor = QueryExecutor(
            self.store,
            workers=self.options.query_workers,
            timeout=self.options.query_timeout,
            max_queued=self.options.max_queued,
        )
        self.executor.start()

    def stop(self) -> None:
        if self.executor is not None:
            self.executor.stop()
            self.executor = None

    @property
    def ready(self) -> bool:
        return self.executor is not None and self.executor.started

    def prepare(self, text: str) -> Classified:
        """Classify a query and apply the policy; updates are refused (403 or 400)."""
        classified = classify(text)
        check_policy(classified, self.options.allowed_service_iris)
        if classified.operation is Operation.UPDATE:
            refuse_update(text)
        return classified

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
    ) -> Serialised:
        if self.executor is None:
            raise GraphsvcError("the service is not started")
        request = QueryRequest(
            text=text,
            union_default_graph=self._union_for(classified or classify(text)),
            default_graph_uris=tuple(default_graph_uris),
            named_graph_uris=tuple(named_graph_uris),
            bindings=dict(bindings or {}),
        )
        job = Job(request, media_type, self.options.max_rows, self.prefixes)
        return await self.executor.run(job)

    def run_in_process(
        self, text: str, media_type: str, *, bindings: Mapping[str, Term] | None = None
    ) -> Serialised:
        """Evaluate a query here, without workers or time limit: for the command line."""
        classified = self.prepare(text)
        request = QueryRequest(
            text=text,
            union_default_graph=self._union_for(classified),
            bindings=dict(bindings or {}),
        )
        result = self.store.query(request)
        return serialise(result, media_type, max_rows=self.options.max_rows, prefixes=self.prefixes)


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
    store = open_store(engine, store_path=store_path)
    digest = hashlib.sha256()
    for source in sources:
        count = store.load(source)
        digest.update(source.path.read_bytes())
        log.info("loaded %s: %d quads", source.path, count)
    flush = getattr(store, "flush", None)
    if callable(flush):
        flush()
    catalog = QueryCatalog.from_folder(queries_dir)
    service = GraphService(
        store=store,
        options=options,
        sources=sources,
        catalog=catalog,
        graphs=store.graphs(),
        version=digest.hexdigest()[:16],
    )
    log.info(
        "loaded %d files, %d triples in %.2f s (engine %s)",
        len(sources),
        service.triple_count,
        time.perf_counter() - started,
        engine,
    )
    return service
