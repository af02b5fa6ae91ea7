"""Query engines behind one protocol (see ``base.Store``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from graphsvc.store.base import (
    AskResult,
    GraphInfo,
    GraphResult,
    QueryRequest,
    QueryResult,
    SelectResult,
    Store,
    Term,
)

if TYPE_CHECKING:
    from graphsvc.store.remote.config import RemoteConfig

ENGINES = ("oxigraph", "rdflib", "remote")


def open_store(
    engine: str, *, store_path: Path | None = None, remote: RemoteConfig | None = None
) -> Store:
    """A new, empty store of the named engine; for ``remote``, the store ``remote`` describes."""
    if engine == "remote":
        if remote is None:
            raise ValueError("the remote engine needs the store's SPARQL endpoint (--endpoint)")
        from graphsvc.store.remote.store import RemoteStore

        return RemoteStore(remote)
    if engine == "oxigraph":
        from graphsvc.store.oxigraph import OxigraphStore

        return OxigraphStore(store_path)
    if engine == "rdflib":
        if store_path is not None:
            raise ValueError("the rdflib engine keeps its data in memory; --store needs oxigraph")
        from graphsvc.store.rdflib import RdflibStore

        return RdflibStore()
    raise ValueError(f"unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")


__all__ = [
    "ENGINES",
    "AskResult",
    "GraphInfo",
    "GraphResult",
    "QueryRequest",
    "QueryResult",
    "SelectResult",
    "Store",
    "Term",
    "open_store",
]
