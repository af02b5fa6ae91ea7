"""Query engines behind one protocol (see ``base.Store``)."""

from __future__ import annotations

from pathlib import Path

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
from graphsvc.store.oxigraph import OxigraphStore
from graphsvc.store.rdflib import RdflibStore

ENGINES = ("oxigraph", "rdflib", "remote")


def open_store(engine: str, *, store_path: Path | None = None) -> Store:
    """A new, empty store of a local engine. The remote engine's store already holds its data:
    it is attached to, not opened empty (``assemble``, ``store.remote.RemoteStore``)."""
    if engine == "oxigraph":
        return OxigraphStore(store_path)
    if engine == "rdflib":
        if store_path is not None:
            raise ValueError("the rdflib engine keeps its data in memory; --store needs oxigraph")
        return RdflibStore()
    if engine == "remote":
        raise ValueError("the remote engine serves what its store holds; nothing is loaded into it")
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
