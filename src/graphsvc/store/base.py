"""The Store protocol every engine implements, and the engine-neutral query results.

Results use pyoxigraph's term classes whatever the engine, so serialisation is written once.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeAlias, runtime_checkable

import pyoxigraph as ox

from graphsvc.load import SourceFile

Term: TypeAlias = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


@dataclass(frozen=True)
class QueryRequest:
    """A query and the dataset it runs on."""

    text: str
    union_default_graph: bool = True
    default_graph_uris: Sequence[str] = ()
    named_graph_uris: Sequence[str] = ()
    bindings: Mapping[str, Term] = field(default_factory=dict)
    media_type: str | None = None
    """The format the answer will be written in, when known: an engine that can have it
    written so (a remote store) may hand back its own bytes as ``Verbatim``."""

    @property
    def has_protocol_dataset(self) -> bool:
        return bool(self.default_graph_uris or self.named_graph_uris)


@dataclass(frozen=True)
class Verbatim:
    """An answer the engine already has written in ``media_type``: a remote store's own bytes.

    ``serialise`` sends it as it is when that is the format asked for and it is too short to hold
    more rows than the cap; otherwise the result's rows are written as usual."""

    body: bytes
    media_type: str


@dataclass
class SelectResult:
    variables: list[str]
    rows: Iterator[Sequence[Term | None]]
    native: ox.QuerySolutions | None = None
    """The engine's own solutions (oxigraph), which its serialisers write without Python in the
    loop; the same stream as ``rows``: consume one or the other."""
    verbatim: Verbatim | None = None


@dataclass
class AskResult:
    value: bool
    verbatim: Verbatim | None = None


@dataclass
class GraphResult:
    triples: Iterator[ox.Triple]
    verbatim: Verbatim | None = None


QueryResult: TypeAlias = SelectResult | AskResult | GraphResult


@dataclass(frozen=True)
class GraphInfo:
    name: str | None
    """The graph IRI, or None for the default graph."""
    triples: int


class Store(Protocol):
    """What graphsvc needs from a query engine."""

    engine: str

    def load(self, source: SourceFile) -> int:
        """Add one file's quads; return how many were read. Raises RDFSyntaxError."""
        ...

    def query(self, request: QueryRequest) -> QueryResult:
        """Evaluate a query. Raises QuerySyntaxError; never touches the network."""
        ...

    def graphs(self) -> list[GraphInfo]:
        """The default graph and every named graph, with their triple counts."""
        ...

    def __len__(self) -> int: ...

    def prepare_for_worker(self) -> Store:
        """The store a forked query worker should use (reopen what cannot cross a fork)."""
        ...


class Fetched(Protocol):
    """The start of an answer that a store received on the event loop (see ``FetchingStore``)."""

    kind: str
    """What the query returns: ask, select or graph."""

    @property
    def verbatim(self) -> Verbatim | None:
        """The whole answer as the store wrote it, when it was read whole and is standard."""
        ...

    def result(self) -> QueryResult:
        """The answer parsed. Call it off the event loop: the rest of a long answer is read
        through the loop while it is parsed."""
        ...

    def close(self) -> None:
        """Done (on the event loop): an answer not read to its end drops its connection."""
        ...


@runtime_checkable
class FetchingStore(Protocol):
    """A store whose queries only wait on the network (the remote engine): they are sent from
    the server's event loop (see ``graphsvc.execution.loop``)."""

    async def fetch(self, request: QueryRequest) -> Fetched:
        """Send the query; return when its answer has arrived whole or is too long to hold."""
        ...

    def close_connections(self) -> None:
        """Close what ``fetch`` keeps open (called on the event loop, when the service stops)."""
        ...
