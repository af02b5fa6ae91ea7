"""The remote engine: a Store that forwards queries to any SPARQL 1.1 Protocol endpoint.

Virtuoso, Fuseki, GraphDB, QLever, Neptune... hold the data; graphsvc keeps its own endpoint,
policy, limits, named queries and pages in front of them, and keeps no state of its own.

What the remote store serves is a *release*: the graphs that ``graphsvc load --to`` published,
listed in a small manifest graph (see ``graphsvc.store.remote.publish``). Every query that does
not name its own dataset gets the release's graphs as its protocol dataset, so a store that
also holds other data (Virtuoso's system graphs, another project's release) answers exactly
as the local engines do, union default graph included. Without a manifest the store's own
default dataset is used as is.

Each query is parsed here first (by pyoxigraph, on an empty store), so a malformed query is refused
with the same message, line and column as on the local engines, and store-specific extensions
(Virtuoso's ``DEFINE`` pragmas, which can make it fetch URLs) never reach the store.

The store is asked for the client's own format when it is one a store writes in a standard way
(SPARQL JSON or XML results, N-Triples), and an answer in that format is handed back as it is
(``Verbatim``; ``serialise`` still applies the row cap): graphsvc then adds no parsing and no
writing to the store's own work. Other formats, and answers too long to be sure of the cap, are
parsed (as a stream, closed at the cap) and written by graphsvc.

Queries from clients are sent from the server's event loop (``fetch``, with ``remote_aio``'s
client; see ``graphsvc.execution.loop``); graphsvc's own reads, forked query workers and
publishing use ``query`` and ``remote_http``'s client. Each client is created lazily where it is
used (one per event loop; one per process, as query workers are forked and a connection must
never be shared across a fork).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import io
import os
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from graphsvc.errors import (
    LoadError,
    RemoteStoreError,
    Unavailable,
)
from graphsvc.load import SourceFile
from graphsvc.sparql import Operation, classify
from graphsvc.store.base import (
    AskResult,
    GraphInfo,
    GraphResult,
    QueryRequest,
    QueryResult,
    SelectResult,
    Term,
    Verbatim,
)
from graphsvc.store.oxigraph import query_syntax_error
from graphsvc.store.remote.aio import AsyncAnswer, AsyncClient
from graphsvc.store.remote.answers import (
    VERBATIM_BYTES,
    checked,
    describe_body,
    error_for,
    read_body,
    rows_of,
    standard_results,
    stream_of,
    triples_of,
)
from graphsvc.store.remote.bind import bind_parameters, values_clause
from graphsvc.store.remote.http import Answer, Client, Credentials

REL = "https://w3id.org/graphsvc/release#"
"""The manifest vocabulary: rel:Release, rel:version, rel:graph, rel:defaultGraph."""
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
FORM = "application/x-www-form-urlencoded"
JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
NTRIPLES = "application/n-triples"
RESULTS_ACCEPT = f"{JSON_RESULTS}, {XML_RESULTS};q=0.9"
XML_FIRST_ACCEPT = f"{XML_RESULTS}, {JSON_RESULTS};q=0.9"
GRAPH_ACCEPT = f"{NTRIPLES}, text/turtle;q=0.9, application/rdf+xml;q=0.5"
NO_GRAPH = "urn:graphsvc:no-graph"
"""A graph IRI that names nothing: an empty part of a protocol dataset (see ``dataset_for``)."""
GET_LIMIT = 2000
"""A query whose parameters encode to at most this many characters is sent by GET (URLs of a
few kilobytes pass every server and proxy), a longer one by POST."""
RESULT_FORMATS = {
    JSON_RESULTS: ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    XML_RESULTS: ox.QueryResultsFormat.XML,
    "application/xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    NTRIPLES: ox.RdfFormat.N_TRIPLES,
    "text/plain": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
    "application/trig": ox.RdfFormat.TRIG,
    "application/ld+json": ox.RdfFormat.JSON_LD,
}
_Prepared = tuple[Operation, str, str, bytes | None, dict[str, str]]
"""A query's form, and the method, URL, body and headers that ask the store for it."""


@dataclass(frozen=True)
class RemoteConfig:
    """Where the remote store is and how to talk to it (from ``config.Settings``)."""

    endpoint: str
    """The SPARQL 1.1 query endpoint."""
    update_endpoint: str | None = None
    """The SPARQL 1.1 Update endpoint (publishing only); None: the query endpoint."""
    graph_store: str | None = None
    """The Graph Store Protocol endpoint (publishing only); None: uploads use INSERT."""
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    """basic or digest (Virtuoso's /sparql-auth endpoints use digest)."""
    release: str | None = None
    """IRI of the release manifest graph; None: serve the store's own default dataset."""
    query_params: Mapping[str, str] = field(default_factory=dict)
    """Extra parameters sent with every query (a store's own time limit, for instance)."""
    timeout: float = 300.0
    """Seconds to wait for the next byte of the store's answer. A client's query is bounded by
    graphsvc's own time limit (its worker is stopped, which closes the connection); this bounds
    graphsvc's own reads: the counts at start-up, and the dumps, for which Virtuoso takes two
    minutes to start answering on a 1M-triple release."""
    connect_timeout: float = 5.0
    update_timeout: float = 3600.0
    """Seconds to wait for one upload or update while publishing (a large switch takes minutes)."""

    def __post_init__(self) -> None:
        for url in (self.endpoint, self.update_endpoint, self.graph_store):
            if url is None:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"a remote store URL must be an http(s) URL, got {url!r}")
            if parts.username or parts.password:
                raise ValueError(
                    "put the remote store's credentials in GRAPHSVC_REMOTE_USER and "
                    "GRAPHSVC_REMOTE_PASSWORD, not in its URL"
                )
        if self.auth not in ("basic", "digest"):
            raise ValueError(f"remote auth is basic or digest, got {self.auth!r}")

    @property
    def updates(self) -> str:
        return self.update_endpoint or self.endpoint

    def credentials(self) -> Credentials:
        return Credentials(self.user, self.password, self.auth)

    def client(
        self, timeout: float | None = None, credentials: Credentials | None = None
    ) -> Client:
        return Client(
            credentials or self.credentials(),
            timeout=timeout or self.timeout,
            connect_timeout=self.connect_timeout,
        )


@dataclass(frozen=True)
class Release:
    """What one ``graphsvc load --to`` published: the graphs a query sees."""

    iri: str
    version: str
    graphs: tuple[str, ...]
    """The named graphs, sorted."""
    default_graph: str
    """The remote named graph that holds the triples of the default graph."""

    @property
    def all_graphs(self) -> tuple[str, ...]:
        return (self.default_graph, *self.graphs)


def default_graph_iri(release: str) -> str:
    """Where a release keeps its default graph: stores differ on having one (Virtuoso has none)."""
    return f"{release}/default-graph"


class RemoteStore:
    """A Store over a remote SPARQL 1.1 Protocol endpoint."""

    engine = "remote"

    def __init__(self, config: RemoteConfig) -> None:
        self.config = config
        self._client: Client | None = None
        self._client_pid = 0
        self._release: Release | None = None
        self._release_read = False
        self._parser: ox.Store | None = None
        self._checked: dict[str, tuple[Operation, bool]] = {}
        self._requests: dict[tuple[object, ...], _Prepared] = {}
        self._lock = threading.Lock()
        self._credentials = config.credentials()
        self._aio: AsyncClient | None = None
        self._aio_loop: asyncio.AbstractEventLoop | None = None

    # -- plumbing ---------------------------------------------------------------------------

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

    def _http_request(
        self, text: str, accept: str, dataset: Sequence[tuple[str, str]]
    ) -> tuple[str, str, bytes | None, dict[str, str]]:
        """Method, URL, body and headers of a query request."""
        params = urlencode([("query", text), *dataset, *self.config.query_params.items()])
        endpoint = self.config.endpoint
        if len(params) <= GET_LIMIT:
            # GET when the URL stays short: Virtuoso answers it 0.3 ms sooner than a POST.
            url = f"{endpoint}{'&' if '?' in endpoint else '?'}{params}"
            return "GET", url, None, {"Accept": accept}
        return "POST", endpoint, params.encode(), {"Content-Type": FORM, "Accept": accept}

    def send_query(
        self, text: str, accept: str, dataset: Sequence[tuple[str, str]] = ()
    ) -> Answer:
        method, url, body, headers = self._http_request(text, accept, dataset)
        answer = checked(self.http().request(method, url, body, headers))
        if answer.header("x-sql-state") == STOPPED_AT_LIMIT:
            answer.close()
            raise _stopped_at_limit()
        return answer

    def select(
        self, text: str, dataset: Sequence[tuple[str, str]] = ()
    ) -> Iterator[tuple[Term | None, ...]]:
        """Rows of a SELECT query of our own (metadata), read whole."""
        result = self._results(self.send_query(text, RESULTS_ACCEPT, dataset), None)
        assert isinstance(result, SelectResult)
        return iter([tuple(row) for row in result.rows])

    def _results(self, answer: Answer, wanted: str | None) -> QueryResult:
        media_type = _known(answer.media_type, RESULT_FORMATS, "results", answer.close)
        body, whole = read_body(answer)
        return results_from(media_type, body, whole, answer.close, wanted)

    def _graph(self, answer: Answer, wanted: str | None) -> GraphResult:
        media_type = _known(answer.media_type, GRAPH_FORMATS, "a graph", answer.close)
        body, whole = read_body(answer)
        return graph_from(media_type, body, whole, answer.close, wanted)

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
        rows = self.select(f"SELECT ?p ?o WHERE {{ GRAPH <{iri}> {{ <{iri}> ?p ?o }} }}")
        version, default, graphs, typed = "", default_graph_iri(iri), [], False
        for predicate, value in rows:
            if not isinstance(predicate, ox.NamedNode) or value is None:
                continue
            if predicate.value == RDF_TYPE and getattr(value, "value", "") == REL + "Release":
                typed = True
            elif predicate.value == REL + "version" and isinstance(value, ox.Literal):
                version = value.value
            elif predicate.value == REL + "defaultGraph" and isinstance(value, ox.NamedNode):
                default = value.value
            elif predicate.value == REL + "graph" and isinstance(value, ox.NamedNode):
                graphs.append(value.value)
        if not typed:
            return None
        return Release(iri, version, tuple(sorted(graphs)), default)

    def dataset_for(self, request: QueryRequest, has_dataset_clause: bool) -> list[tuple[str, str]]:
        """The protocol dataset to send: the request's, or the release's graphs.

        A dataset with default graphs and no named graphs (a release loaded from plain files) is
        sent with one named graph that no store holds: the SPARQL 1.1 Protocol gives such a
        dataset no named graphs, but Virtuoso would let ``GRAPH ?g`` range over every graph it
        has. Likewise for named graphs without a default graph.
        """
        if request.has_protocol_dataset:
            default, named = list(request.default_graph_uris), list(request.named_graph_uris)
        else:
            release = self.release
            if has_dataset_clause or release is None:
                return []
            default = list(release.all_graphs if request.union_default_graph
                           else (release.default_graph,))  # fmt: skip
            named = list(release.graphs)
        return [("default-graph-uri", iri) for iri in default or [NO_GRAPH]] + [
            ("named-graph-uri", iri) for iri in named or [NO_GRAPH]
        ]

    # -- the Store protocol -----------------------------------------------------------------

    def load(self, source: SourceFile) -> int:
        raise LoadError(
            f"{source.path}: the remote engine serves what its store holds; "
            "publish files to it with `graphsvc load --to URL`"
        )

    def _parse(self, text: str, operation: Operation, services: bool) -> Operation:
        """Parse locally (same errors as the local engines); return the query form."""
        if operation is Operation.ASK and services:
            # An ASK is evaluated as it is parsed, and its allowed SERVICE would be called twice.
            return operation
        if self._parser is None:
            self._parser = ox.Store()
        try:
            parsed = self._parser.query(text)
        except SyntaxError as exc:
            raise query_syntax_error(exc) from None
        except OSError:
            return operation  # an allowed SERVICE evaluated while parsing: the store decides
        if isinstance(parsed, ox.QueryBoolean):
            return Operation.ASK
        if isinstance(parsed, ox.QueryTriples):
            return Operation.CONSTRUCT
        return Operation.SELECT

    def _plan(self, request: QueryRequest) -> tuple[Operation, str, list[tuple[str, str]], str]:
        """The query's form, and the text, dataset and Accept header to send for it."""
        # A query parsed once is not parsed again (0.1-0.2 ms each time): named queries and
        # the pages' own queries come back with every request.
        known = self._checked.get(request.text)
        if known is None:
            classified = classify(request.text)
            services = bool(classified.service_targets)
            form = self._parse(request.text, classified.operation, services)
            known = (form, classified.has_dataset_clause)
            if len(self._checked) >= 512:
                self._checked.clear()
            self._checked[request.text] = known
        form, has_dataset_clause = known
        text = bind_parameters(request.text, request.bindings)
        dataset = self.dataset_for(request, has_dataset_clause)
        if form.returns_graph:
            accept = GRAPH_ACCEPT
        else:
            accept = XML_FIRST_ACCEPT if request.media_type == XML_RESULTS else RESULTS_ACCEPT
        return form, text, dataset, accept

    def _request_for(self, request: QueryRequest) -> _Prepared:
        """The query's form and the HTTP request that asks the store for it, remembered
        (encoding a query into a URL costs more than sending it). A term's string form is its
        N-Triples form, so two parameter values share a key only when they are the same term."""
        bound = tuple(sorted((name, str(term)) for name, term in request.bindings.items()))
        key = (request.text, bound, request.union_default_graph,
               tuple(request.default_graph_uris), tuple(request.named_graph_uris),
               request.media_type)  # fmt: skip
        known = self._requests.get(key)
        if known is not None:
            return known
        form, text, dataset, accept = self._plan(request)
        prepared = (form, *self._http_request(text, accept, dataset))
        if len(self._requests) >= 512:
            self._requests.clear()
        self._requests[key] = prepared
        return prepared

    def query(self, request: QueryRequest) -> QueryResult:
        form, method, url, body, headers = self._request_for(request)
        answer = checked(self.http().request(method, url, body, headers))
        if answer.header("x-sql-state") == STOPPED_AT_LIMIT:
            answer.close()
            raise _stopped_at_limit()
        if form.returns_graph:
            return self._graph(answer, request.media_type)
        return self._results(answer, request.media_type)

    async def fetch(self, request: QueryRequest) -> RemoteFetched:
        """The query sent from the event loop (``graphsvc.execution.loop``): its answer read
        whole when it is short enough, else its first part (the rest follows on demand)."""
        form, method, url, body, headers = self._request_for(request)
        answer = await self.aio().request(method, url, body, headers)
        try:
            if answer.status >= 300:
                try:
                    error_body, _ = await answer.read(1 << 16)
                except RemoteStoreError:
                    error_body = b""
                detail = describe_body(answer.status, error_body)
                raise error_for(answer.status, answer.url, detail, answer.header("retry-after"))
            if answer.header("x-sql-state") == STOPPED_AT_LIMIT:
                raise _stopped_at_limit()
            formats = GRAPH_FORMATS if form.returns_graph else RESULT_FORMATS
            media_type = _known(answer.media_type, formats, "an answer", answer.close)
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


STOPPED_AT_LIMIT = "S1TAT"
"""Virtuoso's SQL state for a query it stopped at its own time limit: it answers 200 with
partial results, which must not pass for the answer."""


def _stopped_at_limit() -> Unavailable:
    return Unavailable(
        "the remote store stopped the query at its own time limit; "
        "its partial answer is not returned"
    )


def _known(media_type: str, formats: Mapping[str, object], what: str,
           close: Callable[[], None]) -> str:  # fmt: skip
    if media_type not in formats:
        close()
        raise RemoteStoreError(f"the remote store answered {what} as {media_type!r}")
    return media_type


def results_from(
    media_type: str,
    body: bytes | io.BufferedReader,
    whole: bool,
    close: Callable[[], None],
    wanted: str | None,
) -> QueryResult:
    """A SELECT or ASK answer parsed (lazily); ``close`` is called when its rows are done."""
    results_format = RESULT_FORMATS[media_type]
    verbatim = None
    if isinstance(body, bytes) and results_format is not ox.QueryResultsFormat.TSV:
        body = standard_results(body)
        verbatim = Verbatim(body, media_type) if media_type == wanted else None
    try:
        parsed = ox.parse_query_results(body, results_format)
    except SyntaxError as exc:
        close()
        raise RemoteStoreError(f"the remote store's results do not parse: {exc}") from None
    if isinstance(parsed, ox.QueryBoolean):
        close()
        return AskResult(bool(parsed), verbatim=verbatim)
    variables = [v.value for v in parsed.variables]
    rows = rows_of(close, parsed, len(variables))
    # A whole answer may also be written by pyoxigraph's own serialisers (no Python per row);
    # a streamed one is written here, so that the row cap can close it early.
    return SelectResult(variables, rows, native=parsed if whole else None, verbatim=verbatim)


def graph_from(
    media_type: str,
    body: bytes | io.BufferedReader,
    whole: bool,
    close: Callable[[], None],
    wanted: str | None,
) -> GraphResult:
    rdf_format = GRAPH_FORMATS[media_type]
    verbatim = None
    if whole and media_type == wanted and rdf_format is ox.RdfFormat.N_TRIPLES:
        assert isinstance(body, bytes)
        verbatim = Verbatim(body, media_type)
    return GraphResult(triples_of(close, ox.parse(body, format=rdf_format)), verbatim=verbatim)


@dataclass
class RemoteFetched:
    """An answer received on the event loop (``RemoteStore.fetch``)."""

    kind: str
    media_type: str
    head: bytes
    """The whole body, or its first part."""
    whole: bool
    answer: AsyncAnswer
    loop: asyncio.AbstractEventLoop
    timeout: float
    wanted: str | None

    @functools.cached_property
    def verbatim(self) -> Verbatim | None:
        if not self.whole or self.media_type != self.wanted:
            return None
        if self.kind == "graph":
            return Verbatim(self.head, self.media_type) if self.media_type == NTRIPLES else None
        if RESULT_FORMATS[self.media_type] is ox.QueryResultsFormat.TSV:
            return None
        return Verbatim(standard_results(self.head), self.media_type)

    def result(self) -> QueryResult:
        """Parsed, off the loop: the rest of a long answer is pulled through the loop."""
        body: bytes | io.BufferedReader = self.head
        if not self.whole:
            body = stream_of(self.head, self._rest())
        if self.kind == "graph":
            return graph_from(self.media_type, body, self.whole, self._close_soon, self.wanted)
        return results_from(self.media_type, body, self.whole, self._close_soon, self.wanted)

    def _rest(self) -> Iterator[bytes]:
        while True:
            pending = asyncio.run_coroutine_threadsafe(self.answer.next_chunk(), self.loop)
            try:
                data = pending.result(self.timeout + 5)
            except concurrent.futures.TimeoutError:
                pending.cancel()
                raise RemoteStoreError("the remote store stopped sending its answer") from None
            if not data:
                return
            yield data

    def _close_soon(self) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.answer.close)

    def close(self) -> None:
        self.answer.close()


def remote_update(config: RemoteConfig, client: Client, update: str) -> None:
    """Run one SPARQL Update request on the store (never sent twice: see ``Client.request``)."""
    body = urlencode({"update": update}).encode()
    answer = client.request("POST", config.updates, body, {"Content-Type": FORM}, retry=False)
    checked(answer).read()
    answer.close()


Progress = Callable[[str], None]

__all__ = [
    "REL",
    "Progress",
    "Release",
    "RemoteConfig",
    "RemoteFetched",
    "RemoteStore",
    "bind_parameters",
    "checked",
    "default_graph_iri",
    "remote_update",
    "standard_results",
    "values_clause",
]
