"""The remote engine: a Store that forwards queries to any SPARQL 1.1 Protocol endpoint.

Virtuoso, Fuseki, GraphDB, QLever, Neptune... hold the data; graphsvc keeps its own endpoint,
policy, limits, named queries and pages in front of them, and keeps no state of its own. What a
query sees is the store's *release* (``release``); what is sent for it is planned here first
(``plan``: parsed locally, so errors and extensions are graphsvc's); what comes back is handed
on or parsed (``results``).

Queries from clients are sent from the server's event loop (``fetch``, with ``aio``'s client;
see ``graphsvc.execution.loop``); graphsvc's own reads, forked query workers and publishing use
``query`` and ``http``'s client. Each client is created lazily where it is used (one per event
loop; one per process, as query workers are forked and a connection must never be shared
across a fork).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator, Sequence

import pyoxigraph as ox

from graphsvc.errors import LoadError
from graphsvc.load import SourceFile
from graphsvc.sparql import Operation
from graphsvc.store.base import GraphInfo, QueryRequest, QueryResult, SelectResult, Term
from graphsvc.store.remote.aio import AsyncClient
from graphsvc.store.remote.answers import VERBATIM_BYTES, checked, failure, refuse_partial
from graphsvc.store.remote.config import RemoteConfig
from graphsvc.store.remote.http import Answer, Client
from graphsvc.store.remote.plan import Planner, http_request
from graphsvc.store.remote.release import Release, manifest_query, release_from
from graphsvc.store.remote.results import (
    GRAPH_FORMATS,
    RESULT_FORMATS,
    RESULTS_ACCEPT,
    RemoteFetched,
    graph_of,
    known,
    results_of,
)


class RemoteStore:
    """A Store over a remote SPARQL 1.1 Protocol endpoint."""

    engine = "remote"

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self._client: Client | None = None
        self._client_pid = 0
        self._release: Release | None = None
        self._release_read = False
        self._planner = Planner(config, lambda: self.release)
        self._lock = threading.Lock()
        self._credentials = config.credentials()
        self._aio: AsyncClient | None = None
        self._aio_loop: asyncio.AbstractEventLoop | None = None

    # -- the clients ------------------------------------------------------------------------

    def http(self) -> Client:
        """This process's client: one made before a fork is never used after it. Query threads
        share it (it hands each request a connection of its own)."""
        client = self._client
        if client is None or self._client_pid != os.getpid():
            with self._lock:
                if self._client is None or self._client_pid != os.getpid():
                    if self._client_pid != os.getpid():
                        self._credentials = self.config.credentials()  # its lock: not forked
                    self._client = self.config.client(credentials=self._credentials)
                    self._client_pid = os.getpid()
                client = self._client
        return client

    def aio(self) -> AsyncClient:
        """The running event loop's client (one per loop: a connection belongs to its loop)."""
        loop = asyncio.get_running_loop()
        if self._aio is None or self._aio_loop is not loop:
            self._aio = AsyncClient(
                self._credentials,
                timeout=self.config.timeout,
                connect_timeout=self.config.connect_timeout,
            )
            self._aio_loop = loop
        return self._aio

    def close_connections(self) -> None:
        aio, loop = self._aio, self._aio_loop
        self._aio = self._aio_loop = None
        if aio is None or loop is None or loop.is_closed():
            return
        try:
            running: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            aio.close()
        else:
            loop.call_soon_threadsafe(aio.close)

    def close(self) -> None:
        self.close_connections()
        if self._client is not None and self._client_pid == os.getpid():
            self._client.close()
        self._client = None

    def prepare_for_worker(self) -> RemoteStore:
        worker = RemoteStore(self.config)
        worker._release, worker._release_read = self._release, self._release_read
        return worker

    # -- sending ----------------------------------------------------------------------------

    def _send(self, method: str, url: str, body: bytes | None, headers: dict[str, str]) -> Answer:
        """A query's answer from the blocking client, refused unless complete and successful."""
        answer = checked(self.http().request(method, url, body, headers))
        refuse_partial(answer)
        return answer

    def select(
        self, text: str, dataset: Sequence[tuple[str, str]] = ()
    ) -> Iterator[tuple[Term | None, ...]]:
        """Rows of a SELECT query of our own (metadata; sent as it is, not parsed here), read
        whole."""
        answer = self._send(*http_request(self.config, text, RESULTS_ACCEPT, dataset))
        result = results_of(answer, None)
        assert isinstance(result, SelectResult)
        return iter([tuple(row) for row in result.rows])

    # -- the release ------------------------------------------------------------------------

    @property
    def release(self) -> Release | None:
        if not self._release_read:
            self._release = self.read_release()
            self._release_read = True
        return self._release

    def read_release(self) -> Release | None:
        """The manifest ``graphsvc load --to`` wrote, or None when there is none."""
        iri = self.config.release
        if iri is None:
            return None
        return release_from(iri, self.select(manifest_query(iri)))

    # -- the Store protocol -----------------------------------------------------------------

    def load(self, source: SourceFile) -> int:
        raise LoadError(
            f"{source.path}: the remote engine serves what its store holds; "
            "publish files to it with `graphsvc load --to URL`"
        )

    def query(self, request: QueryRequest) -> QueryResult:
        form, method, url, body, headers = self._planner.request_for(request)
        answer = self._send(method, url, body, headers)
        if form.returns_graph:
            return graph_of(answer, request.media_type)
        return results_of(answer, request.media_type)

    async def fetch(self, request: QueryRequest) -> RemoteFetched:
        """The query sent from the event loop (``graphsvc.execution.loop``): its answer read
        whole when it is short enough, else its first part (the rest follows on demand)."""
        form, method, url, body, headers = self._planner.request_for(request)
        answer = await self.aio().request(method, url, body, headers)
        try:
            if answer.status >= 300:
                raise failure(answer, await answer.error_body())
            refuse_partial(answer)
            formats = GRAPH_FORMATS if form.returns_graph else RESULT_FORMATS
            media_type = known(answer.media_type, formats, "an answer", answer.close)
            head, whole = await answer.read(VERBATIM_BYTES)
        except BaseException:
            answer.close()
            raise
        kind = "graph" if form.returns_graph else "ask" if form is Operation.ASK else "select"
        return RemoteFetched(
            kind, media_type, head, whole, answer, asyncio.get_running_loop(),
            self.config.timeout, request.media_type,
        )  # fmt: skip

    def graphs(self) -> list[GraphInfo]:
        release = self.release
        count = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        dataset = [] if release is None else [("named-graph-uri", g) for g in release.all_graphs]
        counts: dict[str, int] = {}
        for graph, number in self.select(count, dataset):
            if isinstance(graph, ox.NamedNode) and isinstance(number, ox.Literal):
                counts[graph.value] = int(number.value)
        if release is not None:
            default = counts.pop(release.default_graph, 0)
            names = list(release.graphs)
        else:
            rows = list(self.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
            found = rows[0][0] if rows else None
            default = int(found.value) if isinstance(found, ox.Literal) else 0
            names = sorted(counts)
        return [GraphInfo(None, default)] + [GraphInfo(n, counts.get(n, 0)) for n in names]

    def __len__(self) -> int:
        return sum(info.triples for info in self.graphs())


__all__ = ["RemoteStore"]
