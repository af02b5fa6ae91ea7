"""graphsvc: publish a curated RDF knowledge graph as SPARQL 1.1 and Linked Data."""

from __future__ import annotations

__version__ = "0.1.0"

from graphsvc.config import Settings
from graphsvc.service import GraphService, build_service


def create_app(*args: object, **kwargs: object) -> object:
    """The web app factory (imported lazily so the core never loads FastAPI)."""
    from graphsvc.web.app import create_app as factory

    return factory(*args, **kwargs)  # type: ignore[arg-type]


__all__ = ["GraphService", "Settings", "__version__", "build_service", "create_app"]
