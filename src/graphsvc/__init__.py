"""graphsvc: publish a curated RDF knowledge graph as SPARQL 1.1 and Linked Data."""

from __future__ import annotations

__version__ = "0.1.0"

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphsvc.config import Settings
    from graphsvc.service import GraphService, build_service


def __getattr__(name: str) -> Any:
    """The public classes, imported on first use: ``graphsvc validate`` needs no pydantic."""
    if name == "Settings":
        from graphsvc.config import Settings

        return Settings
    if name in ("GraphService", "build_service"):
        from graphsvc import service

        return getattr(service, name)
    raise AttributeError(f"module 'graphsvc' has no attribute {name!r}")


def create_app(*args: object, **kwargs: object) -> object:
    """The web app factory (imported lazily so the core never loads FastAPI)."""
    from graphsvc.web.app import create_app as factory

    return factory(*args, **kwargs)  # type: ignore[arg-type]


__all__ = ["GraphService", "Settings", "__version__", "build_service", "create_app"]
