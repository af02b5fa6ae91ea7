"""The remote engine: a Store that forwards queries to any SPARQL 1.1 Protocol endpoint.

Virtuoso, Fuseki, GraphDB, QLever, Neptune... hold the data; graphsvc keeps its own endpoint,
policy, limits, named queries and pages in front of them, and keeps no state of its own.

What the remote store serves is a *release*: the graphs that ``graphsvc load --to`` published,
listed in a small manifest graph (see ``graphsvc.publish``). Every query that does not name its own
dataset gets the release's graphs as its protocol dataset, so a store that also holds other data
(Virtuoso's system graphs, another project's release) answers exactly as the local engines do,
union default graph included. Without a manifest the store's own default dataset is used as is.

Each query is parsed here first (by pyoxigraph, on an empty store), so a malformed query is refused
with the same message, line and column as on the local engines, and store-specific extensions
(Virtuoso's ``DEFINE`` pragmas, which can make it fetch URLs) never reach the store.

The store is asked for the client's own format when it is one a store writes in a standard way
(SPARQL JSON or XML results, N-Triples), and an answer in that format is handed back as it is
(``Verbatim``; ``serialise`` still applies the row cap): graphsvc then adds no parsing and no
writing to the store's own work. Other formats, and answers too long to be sure of the cap, are
parsed (as a stream, closed at the cap) and written by graphsvc.

The HTTP client (``remote_http``) is created lazily in the process that uses it: the query workers
are forked, and a connection must never be shared across a fork.
"""

from __future__ import annotations

import io
import itertools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from graphsvc.errors import (
    LoadError,
    QuerySyntaxError,
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
from graphsvc.store.remote_bind import bind_parameters, values_clause
from graphsvc.store.remote_http import Answer, Client

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
VERBATIM_BYTES = 16 << 20
"""An answer up to this size is read whole, and may be handed back as it is; a longer one is
parsed as it streams in (and the connection closed at the row cap)."""
# Virtuoso labels blank nodes "nodeID://b10000", which is not a blank node label: keep the name.
_VIRTUOSO_BNODE = re.compile(
    rb'("type"\s*:\s*"bnode"\s*,\s*"value"\s*:\s*")nodeID://|(<bnode>)nodeID://'
)
# ... and writes "typed-literal", which SPARQL 1.1's JSON results format does not have. Inside a
# JSON string a quote is escaped, so this pattern only ever matches the format's own markup.
_TYPED_LITERAL = re.compile(rb'("type"\s*:\s*)"typed-literal"')
_HOLD = 64
_REMOTE_LINE = re.compile(r"\bline (\d+)")
_TAGS = re.compile(r"<[^>]+>")


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
    timeout: float = 60.0
    """Seconds to wait for the store's answer to one query."""
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

    def client(self, timeout: float | None = None) -> Client:
        return Client(
            user=self.user,
            password=self.password,
            auth=self.auth,
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


def describe_error(answer: Answer) -> str:
    """The first useful line of a store's error body, without markup, for our own message."""
    try:
        body, _ = answer.read(1 << 16)
    except RemoteStoreError:
        body = b""
    answer.close()
    lines = [line.strip() for line in _TAGS.sub("\n", body.decode("utf-8", "replace")).splitlines()]
    useful = [
        line
        for line in lines
        if line and not line.upper().startswith(("SPARQL QUERY:", "HTTP/1.1"))
        and not line.startswith("<!")
    ]
    return f"HTTP {answer.status}: " + (" ".join(useful[:2])[:300] or "(no message)")


def checked(answer: Answer) -> Answer:
    """The answer if it succeeded; otherwise our error for what went wrong over there."""
    status, url = answer.status, answer.url
    if status < 300:
        return answer
    detail = describe_error(answer)
    if status == 400:
        found = _REMOTE_LINE.search(detail)
        raise QuerySyntaxError(
            f"the remote store rejected the query: {detail}",
            int(found.group(1)) if found else None,
        )
    if status in (429, 503):
        error = Unavailable(f"the remote SPARQL store is busy ({detail}); try again shortly")
        retry = answer.header("retry-after")
        error.retry_after = int(retry) if retry.isdigit() else 1
        raise error
    if status in (401, 403):
        raise RemoteStoreError(
            f"the remote SPARQL store at {url} refused graphsvc's credentials ({detail}); "
            "check GRAPHSVC_REMOTE_USER, GRAPHSVC_REMOTE_PASSWORD and GRAPHSVC_REMOTE_AUTH"
        )
    raise RemoteStoreError(f"the remote SPARQL store at {url} failed: {detail}")


class _Stream(io.RawIOBase):
    """A file over an HTTP answer's body, for the lazy parsers of pyoxigraph."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _fix_labels(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Rewrite Virtuoso's blank node labels as they stream by (a match may span two chunks)."""
    pending = b""
    for chunk in chunks:
        data = pending + chunk
        if b"nodeID://" in data:
            data = _VIRTUOSO_BNODE.sub(rb"\1\2", data)
        pending = data[-_HOLD:]
        if len(data) > _HOLD:
            yield data[:-_HOLD]
    if pending:
        yield pending


def standard_results(body: bytes) -> bytes:
    """A whole SPARQL JSON or XML answer with Virtuoso's departures from the standard undone."""
    if b"nodeID://" in body:
        body = _VIRTUOSO_BNODE.sub(rb"\1\2", body)
    if b'"typed-literal"' in body:
        body = _TYPED_LITERAL.sub(rb'\1"literal"', body)
    return body


def _rows(
    answer: Answer, solutions: ox.QuerySolutions, width: int
) -> Iterator[Sequence[Term | None]]:
    # Closing the answer early (the row cap) drops the connection, which stops the store's work.
    try:
        for solution in solutions:
            yield tuple(solution[i] for i in range(width))
    except SyntaxError as exc:
        raise RemoteStoreError(f"the remote store's results do not parse: {exc}") from None
    finally:
        answer.close()


def _triples(answer: Answer, quads: Iterator[ox.Quad]) -> Iterator[ox.Triple]:
    try:
        for quad in quads:
            yield quad.triple
    except SyntaxError as exc:
        raise RemoteStoreError(f"the remote store's graph does not parse: {exc}") from None
    finally:
        answer.close()


def _body(answer: Answer) -> tuple[bytes | io.BufferedReader, bool]:
    """The answer whole (when short enough), or as a stream; and whether it was read whole."""
    head, complete = answer.read(VERBATIM_BYTES)
    if complete:
        return head, True
    chunks = _fix_labels(itertools.chain([head], answer.rest()))
    return io.BufferedReader(_Stream(chunks), 1 << 16), False


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

    # -- plumbing ---------------------------------------------------------------------------

    def http(self) -> Client:
        """This process's client: one made before a fork is never used after it."""
        if self._client is None or self._client_pid != os.getpid():
            self._client = self.config.client()
            self._client_pid = os.getpid()
        return self._client

    def close(self) -> None:
        if self._client is not None and self._client_pid == os.getpid():
            self._client.close()
        self._client = None

    def prepare_for_worker(self) -> RemoteStore:
        worker = RemoteStore(self.config)
        worker._release, worker._release_read = self._release, self._release_read
        return worker

    def post_query(
        self, text: str, accept: str, dataset: Sequence[tuple[str, str]] = ()
    ) -> Answer:
        params = [("query", text), *dataset, *self.config.query_params.items()]
        headers = {"Content-Type": FORM, "Accept": accept}
        body = urlencode(params).encode()
        answer = checked(self.http().request("POST", self.config.endpoint, body, headers))
        # Virtuoso answers a query it stopped at its own time limit with 200 and partial results.
        if answer.header("x-sql-state") == "S1TAT":
            answer.close()
            raise Unavailable(
                "the remote store stopped the query at its own time limit; "
                "its partial answer is not returned"
            )
        return answer

    def select(
        self, text: str, dataset: Sequence[tuple[str, str]] = ()
    ) -> Iterator[tuple[Term | None, ...]]:
        """Rows of a SELECT query of our own (metadata), read whole."""
        result = self._results(self.post_query(text, RESULTS_ACCEPT, dataset), None)
        assert isinstance(result, SelectResult)
        return iter([tuple(row) for row in result.rows])

    def _results(self, answer: Answer, wanted: str | None) -> QueryResult:
        media_type = answer.media_type
        results_format = RESULT_FORMATS.get(media_type)
        if results_format is None:
            answer.close()
            raise RemoteStoreError(f"the remote store answered results as {media_type!r}")
        body, whole = _body(answer)
        verbatim = None
        if isinstance(body, bytes) and results_format is not ox.QueryResultsFormat.TSV:
            body = standard_results(body)
            verbatim = Verbatim(body, media_type) if media_type == wanted else None
        try:
            parsed = ox.parse_query_results(body, results_format)
        except SyntaxError as exc:
            answer.close()
            raise RemoteStoreError(f"the remote store's results do not parse: {exc}") from None
        if isinstance(parsed, ox.QueryBoolean):
            answer.close()
            return AskResult(bool(parsed), verbatim=verbatim)
        variables = [v.value for v in parsed.variables]
        rows = _rows(answer, parsed, len(variables))
        # A whole answer may also be written by pyoxigraph's own serialisers (no Python per row);
        # a streamed one is written here, so that the row cap can close it early.
        return SelectResult(variables, rows, native=parsed if whole else None, verbatim=verbatim)

    def _graph(self, answer: Answer, wanted: str | None) -> GraphResult:
        media_type = answer.media_type
        rdf_format = GRAPH_FORMATS.get(media_type)
        if rdf_format is None:
            answer.close()
            raise RemoteStoreError(f"the remote store answered a graph as {media_type!r}")
        body, whole = _body(answer)
        verbatim = None
        if whole and media_type == wanted and rdf_format is ox.RdfFormat.N_TRIPLES:
            assert isinstance(body, bytes)
            verbatim = Verbatim(body, media_type)
        return GraphResult(_triples(answer, ox.parse(body, format=rdf_format)), verbatim=verbatim)

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
        """The protocol dataset to send: the request's, or the release's graphs."""
        if request.has_protocol_dataset:
            return [("default-graph-uri", iri) for iri in request.default_graph_uris] + [
                ("named-graph-uri", iri) for iri in request.named_graph_uris
            ]
        release = self.release
        if has_dataset_clause or release is None:
            return []
        default = release.all_graphs if request.union_default_graph else (release.default_graph,)
        return [("default-graph-uri", iri) for iri in default] + [
            ("named-graph-uri", iri) for iri in release.graphs
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

    def query(self, request: QueryRequest) -> QueryResult:
        classified = classify(request.text)
        form = self._parse(request.text, classified.operation, bool(classified.service_targets))
        text = bind_parameters(request.text, request.bindings)
        dataset = self.dataset_for(request, classified.has_dataset_clause)
        wanted = request.media_type
        if form.returns_graph:
            return self._graph(self.post_query(text, GRAPH_ACCEPT, dataset), wanted)
        accept = XML_FIRST_ACCEPT if wanted == XML_RESULTS else RESULTS_ACCEPT
        return self._results(self.post_query(text, accept, dataset), wanted)

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

    def quads(self) -> Iterator[ox.Quad]:
        release = self.release
        names = [g.name for g in self.graphs() if g.name is not None]
        holder = release.default_graph if release is not None else None
        for name in ([holder] if holder else []) + names:
            query = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}"
            graph_name: ox.NamedNode | ox.DefaultGraph = (
                ox.DefaultGraph() if name == holder else ox.NamedNode(name)
            )
            for triple in self._graph(self.post_query(query, GRAPH_ACCEPT), None).triples:
                yield ox.Quad(triple.subject, triple.predicate, triple.object, graph_name)

    def __len__(self) -> int:
        return sum(info.triples for info in self.graphs())


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
    "RemoteStore",
    "bind_parameters",
    "checked",
    "default_graph_iri",
    "remote_update",
    "standard_results",
    "values_clause",
]
