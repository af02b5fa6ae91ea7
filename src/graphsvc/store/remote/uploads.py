"""Uploading one graph to a remote store in chunks (for ``graphsvc load --to``, see publish.py).

A store takes a large graph better in pieces: Virtuoso refuses a 1M-triple Graph Store ``PUT``
(its transaction log limit) where it takes the same triples as twenty ``POST``s of 50 000 in half
a minute. The pieces go to a temporary graph, so what readers see does not depend on them.

Blank nodes need care: a blank node label names one node within one request only, so two triples
that share a blank node sent in two requests would be about two different nodes. The triples are
therefore grouped: those without blank nodes go in chunks as they come; those with blank nodes are
grouped by connected component (triples linked through shared blank nodes, found with a
union-find over the labels), and whole components are packed into chunks. A component larger
than a chunk goes as one larger request. Blank nodes stay blank nodes: they are not replaced by
IRIs (skolemised), which would change what queries see (``isBlank``, ``DESCRIBE``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from urllib.parse import quote

import pyoxigraph as ox

from graphsvc.store.base import GraphResult, QueryRequest
from graphsvc.store.oxigraph import OxigraphStore
from graphsvc.store.remote.answers import checked
from graphsvc.store.remote.config import RemoteConfig
from graphsvc.store.remote.http import Client

CHUNK = 50_000
"""Triples per request: ~7 MB of N-Triples; measured fastest into Virtuoso (docs/remote.md)."""


def _blank_labels(term: object, found: list[str]) -> list[str]:
    if isinstance(term, ox.BlankNode):
        found.append(term.value)
    elif isinstance(term, ox.Triple):
        for part in (term.subject, term.predicate, term.object):
            _blank_labels(part, found)
    return found


def chunks(triples: Iterable[ox.Triple], size: int) -> Iterator[list[ox.Triple]]:
    """The triples in chunks of about ``size``, every blank node's triples in one chunk."""
    plain: list[ox.Triple] = []
    linked: list[tuple[ox.Triple, list[str]]] = []
    for triple in triples:
        labels = _blank_labels(triple.subject, _blank_labels(triple.object, []))
        if labels:
            linked.append((triple, labels))
            continue
        plain.append(triple)
        if len(plain) >= size:
            yield plain
            plain = []
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        parent.setdefault(label, label)
        while parent[label] != label:
            parent[label] = parent[parent[label]]  # path halving: later look-ups are shorter
            label = parent[label]
        return label

    for _, labels in linked:
        first = root(labels[0])
        for other in labels[1:]:
            parent[root(other)] = first
    components: dict[str, list[ox.Triple]] = {}
    for triple, labels in linked:
        components.setdefault(root(labels[0]), []).append(triple)
    batch = plain
    for component in components.values():
        if batch and len(batch) + len(component) > size:
            yield batch
            batch = []
        batch.extend(component)
    if batch:
        yield batch


def _graph_triples(local: OxigraphStore, graph: str | None) -> Iterator[ox.Triple]:
    if graph is None:
        text = "CONSTRUCT WHERE { ?s ?p ?o }"
    else:
        text = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    result = local.query(QueryRequest(text, union_default_graph=False))
    assert isinstance(result, GraphResult)
    return result.triples


def send_chunk(config: RemoteConfig, client: Client, body: bytes, graph: str) -> None:
    """Add N-Triples to a graph: a Graph Store ``POST``, or a SPARQL ``INSERT``.

    Both carry a Content-Length (a chunked body is silently dropped by some stores). N-Triples
    lines are valid SPARQL triples; an INSERT with a template rather than INSERT DATA, which
    Virtuoso refuses when it holds blank nodes: one solution, so each label is one node.
    """
    if config.graph_store is not None:
        separator = "&" if "?" in config.graph_store else "?"
        url = f"{config.graph_store}{separator}graph={_quote(graph)}&graph-uri={_quote(graph)}"
        headers = {"Content-Type": "application/n-triples"}
    else:
        url = config.updates
        body = b"INSERT { GRAPH <" + graph.encode() + b"> {\n" + body + b"\n} } WHERE {}\n"
        headers = {"Content-Type": "application/sparql-update"}
    answer = checked(client.request("POST", url, body, headers, retry=False))
    answer.read()
    answer.close()


def _quote(iri: str) -> str:
    return quote(iri, safe="")


def upload_graph(
    config: RemoteConfig,
    client: Client,
    local: OxigraphStore,
    graph: str | None,
    upload: str,
    size: int,
    sent: Callable[[int], None],
) -> int:
    """Upload one graph of the local store (None: its default graph) into the graph ``upload``,
    ``size`` triples or so per request; ``sent`` hears the running total after each."""
    total = 0
    for part in chunks(_graph_triples(local, graph), size):
        body = ox.serialize(part, format=ox.RdfFormat.N_TRIPLES)
        assert body is not None
        send_chunk(config, client, body, upload)
        total += len(part)
        sent(total)
    return total


__all__ = ["CHUNK", "chunks", "send_chunk", "upload_graph"]
