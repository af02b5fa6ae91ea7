"""Publishing a dataset to a remote SPARQL store: ``graphsvc load --to URL``.

The files are read with the graph-per-file rule of ``load.discover`` (the same dataset that
``graphsvc serve`` would serve), parsed here first, then published so that no reader ever sees a
graph half there (where the store allows it; docs/remote.md says which stores do):

1. every graph is uploaded to a fresh temporary graph (``urn:uuid:...``) in chunks of about
   ``chunk`` triples (``uploads.py``), by the Graph Store Protocol (``POST``) when the store has
   one, else by SPARQL ``INSERT``;
2. the temporary graphs are counted and must hold exactly what was sent (some stores accept a body
   they then ignore, as Virtuoso does with a chunked one);
3. each graph is compared, in the store, with the graph it replaces: how many triples are new and
   how many are gone (unchanged triples are never touched, so publishing the same files again
   changes nothing, and a small edit to a large graph is a small update);
4. one SPARQL Update request then switches every graph: per graph one operation that deletes its
   gone triples and inserts its new ones (``DELETE {...} INSERT {...} WHERE {...}``), one that
   empties each graph the previous release had and this one has not, and one that rewrites the
   release manifest. A second request drops the temporary graphs.

A single update operation is applied atomically, so a reader sees a graph's old content or its
new content, never a mixture: the tests check this against Virtuoso with a concurrent reader.
``MOVE``/``ADD`` would not do (Virtuoso lets readers see the graph empty, then filling), nor would
a Graph Store ``PUT`` on the target (readers see it half loaded). Across graphs, SPARQL 1.1
Update asks a store to run one request atomically: Fuseki (TDB2), GraphDB and Oxigraph do;
Virtuoso applies the request operation by operation, so during a switch some graphs may already
be new while others are still old.

A store may refuse to apply a large change in one transaction (Virtuoso's defaults allow about
200k changed triples, see docs/remote.md); then nothing has changed, the temporary graphs are
dropped, and the error says which settings to raise. ``batched=True`` (``--batched``) switches in
steps of ``chunk`` triples instead: readers then see a graph's new triples arrive before its
gone ones leave, which no store refuses.

If anything fails before step 4, the temporary graphs are dropped and the served data is untouched.

The triples of the default graph go to a named graph the release names
(``<release>/default-graph``), because not every store has a default graph (Virtuoso has none).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode

from graphsvc.errors import GraphsvcError, RemoteStoreError
from graphsvc.load import SourceFile
from graphsvc.store.oxigraph import OxigraphStore
from graphsvc.store.remote.answers import checked
from graphsvc.store.remote.config import RemoteConfig
from graphsvc.store.remote.http import Client
from graphsvc.store.remote.plan import FORM
from graphsvc.store.remote.release import REL, default_graph_iri
from graphsvc.store.remote.store import RemoteStore
from graphsvc.store.remote.uploads import CHUNK, upload_graph

TRIPLE = "?s ?p ?o"
DONE = {"INSERT": "inserted", "DELETE": "deleted"}
Progress = Callable[[str], None]


def remote_update(config: RemoteConfig, client: Client, update: str) -> None:
    """Run one SPARQL Update request on the store (never sent twice: see ``Client.request``)."""
    body = urlencode({"update": update}).encode()
    answer = client.request("POST", config.updates, body, {"Content-Type": FORM}, retry=False)
    checked(answer).read()
    answer.close()


@dataclass
class PublishReport:
    release: str
    version: str
    graphs: int
    triples: int
    removed: list[str] = field(default_factory=list)
    added: int = 0
    """Triples the store did not serve before (over all graphs)."""
    deleted: int = 0
    """Triples it served before and no longer does."""


@dataclass(frozen=True)
class Change:
    """What switching one graph to its uploaded content does."""

    graph: str
    upload: str
    added: int
    deleted: int


def _count(store: RemoteStore, where: str, graphs: Sequence[str]) -> int:
    rows = list(
        store.select(
            f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}",
            [("named-graph-uri", g) for g in graphs],
        )
    )
    value = rows[0][0] if rows else None
    return int(getattr(value, "value", 0))


def _only_in(graph: str, other: str, variables: str = TRIPLE) -> str:
    """The triples of ``graph`` that ``other`` does not have (a pattern)."""
    return (
        f"GRAPH <{graph}> {{ {variables} }} "
        f"FILTER NOT EXISTS {{ GRAPH <{other}> {{ {variables} }} }}"
    )


def _counts(store: RemoteStore, graphs: Sequence[str]) -> dict[str, int]:
    if not graphs:
        return {}
    rows = store.select(
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        [("named-graph-uri", g) for g in graphs],
    )
    return {
        str(getattr(g, "value", "")): int(getattr(n, "value", 0)) for g, n in rows if g is not None
    }


def switch_operation(change: Change) -> str | None:
    """One update operation that turns the graph into its upload (None: nothing to change).

    Only the triples that differ are deleted or inserted. Both happen in one operation, which
    stores apply atomically; the DELETE's and the INSERT's patterns are two branches of a UNION
    with no variable in common, so each solution feeds one of them.
    """
    graph, upload = change.graph, change.upload
    gone, new = _only_in(graph, upload), _only_in(upload, graph, "?s2 ?p2 ?o2")
    if change.added and change.deleted:
        return (
            f"DELETE {{ GRAPH <{graph}> {{ {TRIPLE} }} }} "
            f"INSERT {{ GRAPH <{graph}> {{ ?s2 ?p2 ?o2 }} }} "
            f"WHERE {{ {{ {gone} }} UNION {{ {new} }} }}"
        )
    if change.added:
        return f"INSERT {{ GRAPH <{graph}> {{ ?s2 ?p2 ?o2 }} }} WHERE {{ {new} }}"
    if change.deleted:
        return f"DELETE {{ GRAPH <{graph}> {{ {TRIPLE} }} }} WHERE {{ {gone} }}"
    return None


def empty_operation(graph: str) -> str:
    return f"DELETE WHERE {{ GRAPH <{graph}> {{ {TRIPLE} }} }}"


def manifest_operation(release: str, version: str, holder: str, graphs: Sequence[str]) -> str:
    """The manifest's new content, in place of its old, in one operation, so a replica starting
    meanwhile never finds it missing. The BIND branch gives the one solution the INSERT needs
    when there is no old manifest (Virtuoso finds none in an OPTIONAL-only WHERE)."""
    listed = "".join(f" ; <{REL}graph> <{g}>" for g in graphs)
    old = f"GRAPH <{release}> {{ ?s ?p ?o }}"
    return (
        f"DELETE {{ {old} }} INSERT {{ GRAPH <{release}> {{ <{release}> a <{REL}Release> ; "
        f'<{REL}version> "{version}" ; <{REL}defaultGraph> <{holder}>{listed} . }} }} '
        f"WHERE {{ {{ BIND(1 AS ?one) }} UNION {{ {old} }} }}"
    )


def read_dataset(sources: Sequence[SourceFile]) -> tuple[OxigraphStore, str, dict[str | None, int]]:
    """Parse every file into a local store: a file that does not parse stops before any upload.

    Returns the store, the release version (the digest ``graphsvc serve`` reports for the same
    files) and the triple count of each graph (None: the default graph).
    """
    local = OxigraphStore()
    digest = hashlib.sha256()
    for source in sources:
        local.load(source)
        with source.path.open("rb") as data:
            while block := data.read(1 << 20):
                digest.update(block)
    counts: dict[str | None, int] = {info.name: info.triples for info in local.graphs()}
    for source in sources:
        if source.graph is not None:
            counts.setdefault(source.graph.value, 0)  # an empty file still names its graph
    return local, digest.hexdigest()[:16], counts


def _in_steps(
    store: RemoteStore, client: Client, graph: str, steps: Sequence[tuple[str, str, int]],
    chunk: int, graphs: Sequence[str], say: Progress,
) -> None:  # fmt: skip
    """Change ``graph`` ``chunk`` triples at a time: each step is INSERT or DELETE, the pattern
    that finds the triples still to insert or delete, and how many there are."""
    for keyword, pattern, total in steps:
        done = 0
        while done < total:
            remote_update(
                store.config,
                client,
                f"{keyword} {{ GRAPH <{graph}> {{ {TRIPLE} }} }} "
                f"WHERE {{ SELECT {TRIPLE} WHERE {{ {pattern} }} LIMIT {chunk} }}",
            )
            left = _count(store, pattern, graphs)
            if total - left <= done:
                raise RemoteStoreError(f"the store stopped changing <{graph}> ({keyword})")
            done = total - left
            say(f"<{graph}>: {DONE[keyword]} {done}/{total} triples")


def _switch_in_steps(
    store: RemoteStore, client: Client, changes: Sequence[Change], emptied: Sequence[str],
    chunk: int, say: Progress,
) -> None:  # fmt: skip
    """The switch without one big transaction: per graph its new triples first, then its gone
    ones (so a reader never misses a triple both versions have, nor finds a graph emptied)."""
    for change in changes:
        graph, upload = change.graph, change.upload
        steps = [
            ("INSERT", _only_in(upload, graph), change.added),
            ("DELETE", _only_in(graph, upload), change.deleted),
        ]
        _in_steps(store, client, graph, steps, chunk, [graph, upload], say)
    for graph in emptied:
        pattern = f"GRAPH <{graph}> {{ {TRIPLE} }}"
        steps = [("DELETE", pattern, _count(store, pattern, [graph]))]
        _in_steps(store, client, graph, steps, chunk, [graph], say)


def _sent(say: Progress, label: str, size: int, done: int) -> None:
    if done < size:
        say(f"{label}: {done}/{size} triples sent")


def publish(
    sources: Sequence[SourceFile],
    config: RemoteConfig,
    *,
    progress: Progress | None = None,
    chunk: int = CHUNK,
    batched: bool = False,
) -> PublishReport:
    """Publish the files to the remote store as one release (see the module docstring)."""
    say = progress or (lambda _message: None)
    if config.release is None:
        raise ValueError("publishing needs the IRI of the release manifest graph")
    if chunk < 1:
        raise ValueError("the chunk size must be at least one triple")
    release, holder = config.release, default_graph_iri(config.release)
    local, version, counts = read_dataset(sources)
    targets = {name if name is not None else holder: n for name, n in counts.items()}
    total = sum(targets.values())
    say(f"read {len(sources)} files: {total} triples in {len(targets)} graphs")
    store = RemoteStore(config)
    client = config.client(config.update_timeout)
    uploads: dict[str, str] = {}
    try:
        previous = store.read_release()
        for index, (target, size) in enumerate(sorted(targets.items()), start=1):
            if not size:
                continue
            uploads[target] = f"urn:uuid:{uuid.uuid4()}"
            label = f"uploading graph {index}/{len(targets)}: <{target}>"
            say(f"{label} ({size} triples)")
            upload_graph(
                config, client, local, None if target == holder else target, uploads[target],
                chunk, functools.partial(_sent, say, label, size),
            )  # fmt: skip
        say("checking what the store received")
        received = _counts(store, list(uploads.values()))
        for target, upload in uploads.items():
            if received.get(upload, 0) != targets[target]:
                raise RemoteStoreError(
                    f"the store kept {received.get(upload, 0)} of the {targets[target]} triples "
                    f"uploaded for <{target}>; nothing was changed"
                )
        say("comparing with what the store serves")
        changes = [
            Change(
                target,
                upload,
                _count(store, _only_in(upload, target), [target, upload]),
                _count(store, _only_in(target, upload), [target, upload]),
            )
            for target, upload in sorted(uploads.items())
        ]
        named = sorted(t for t in targets if t != holder)
        removed = sorted(set(previous.all_graphs if previous else ()) - set(targets) - {holder})
        emptied = [t for t in sorted(targets) if t not in uploads] + removed
        if holder not in targets:
            emptied.append(holder)
        if batched:
            say(f"switching {len(targets)} graphs to the new release in steps of {chunk} triples")
            _switch_in_steps(store, client, changes, emptied, chunk, say)
            operations = []
        else:
            say(f"switching {len(targets)} graphs to the new release in one update")
            operations = [op for c in changes if (op := switch_operation(c)) is not None]
            operations += [empty_operation(g) for g in emptied]
        operations.append(manifest_operation(release, version, holder, named))
        try:
            remote_update(config, client, " ;\n".join(operations))
        except RemoteStoreError as exc:
            raise RemoteStoreError(
                f"{exc.message}\nThe store refused the switch. A store that applies an update "
                "request as one transaction changed nothing; Virtuoso applies it operation by "
                "operation, so some graphs may be new already, and publishing again completes the "
                "switch. A store may refuse a change this large in one transaction: raise its "
                "limits (Virtuoso: TransactionAfterImageLimit, and MaxQueryExecutionTime in "
                "[SPARQL]) or publish with --batched (readers then see the change arrive in "
                "steps); see docs/remote.md"
            ) from None
        say("dropping the uploaded copies")
        drops = [f"DROP SILENT GRAPH <{u}>" for u in uploads.values()]
        uploads.clear()
        with contextlib.suppress(GraphsvcError):
            remote_update(config, client, " ;\n".join(drops))
    finally:
        if uploads:
            with contextlib.suppress(GraphsvcError):
                drops = [f"DROP SILENT GRAPH <{u}>" for u in uploads.values()]
                remote_update(config, client, " ;\n".join(drops))
        client.close()
        store.close()
    say(f"published release {version}: {total} triples in {len(targets)} graphs")
    added, deleted = sum(c.added for c in changes), sum(c.deleted for c in changes)
    return PublishReport(release, version, len(named), total, removed, added, deleted)


__all__ = [
    "Change",
    "Progress",
    "PublishReport",
    "publish",
    "read_dataset",
    "remote_update",
    "switch_operation",
]
