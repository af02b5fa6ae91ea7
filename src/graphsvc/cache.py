"""An optional cache of serialised query results, off by default.

The data is immutable between reloads, so a result is fixed by the data version, the query text,
its dataset (union mode, ``default-graph-uri``, ``named-graph-uri``), its parameter bindings and
the result format: that tuple is the key. A reload builds a new service with a new, empty cache.
Only answers are cached, never errors or timeouts (a timeout depends on the load of the moment).
The cache lives in the server process, so a hit costs no worker round trip at all.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from graphsvc.serialize import Serialised
from graphsvc.store.base import QueryRequest

Key = tuple[Hashable, ...]


def cache_key(version: str, request: QueryRequest, media_type: str) -> Key:
    bindings = tuple(sorted((name, str(term)) for name, term in request.bindings.items()))
    return (
        version,
        request.text,
        media_type,
        request.union_default_graph,
        tuple(request.default_graph_uris),
        tuple(request.named_graph_uris),
        bindings,
    )


class ResultCache:
    """Least-recently-used results, bounded by the total size of their bodies."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        # One result may take a quarter of the cache at most, so one big answer cannot flush it.
        self.max_entry = max_bytes // 4
        self.size = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Key, Serialised] = OrderedDict()

    def get(self, key: Key) -> Serialised | None:
        found = self._entries.get(key)
        if found is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return found

    def put(self, key: Key, value: Serialised) -> None:
        size = len(value.body)
        if size > self.max_entry or key in self._entries:
            return
        self._entries[key] = value
        self.size += size
        while self.size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self.size -= len(evicted.body)

    def __len__(self) -> int:
        return len(self._entries)
