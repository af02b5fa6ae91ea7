"""Settings, in one place.

Every setting has a documented default, can be set by a ``GRAPHSVC_<NAME>`` environment variable,
and is overridden by the matching command-line flag. Only ``web/app.py`` and ``cli.py`` read
settings; the core receives plain values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from graphsvc.namespaces import DEFAULT_BASE_IRI

Engine = Literal["oxigraph", "rdflib"]


def project_root() -> Path:
    """The folder holding the bundled ``ontology/`` and ``data/``.

    ``GRAPHSVC_PROJECT_ROOT`` wins; otherwise the source checkout this package was installed from
    (an editable install, as ``make`` does), and failing that the current directory.
    """
    env = os.environ.get("GRAPHSVC_PROJECT_ROOT")
    if env:
        return Path(env)
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "ontology").is_dir() and (checkout / "data").is_dir():
        return checkout
    return Path.cwd()


class Settings(BaseSettings):
    """graphsvc's settings. Defaults suit serving the bundled graph on a laptop."""

    model_config = SettingsConfigDict(env_prefix="GRAPHSVC_", extra="ignore")

    paths: list[Path] = Field(
        default_factory=list,
        description="RDF files or folders to serve. Empty: the project's ontology/ and data/.",
    )
    queries_dir: Path | None = Field(
        None, description="Folder of named queries (*.rq). None: the project's queries/."
    )
    base_iri: str = Field(DEFAULT_BASE_IRI, description="Base IRI of the data and graph names.")
    engine: Engine = Field("oxigraph", description="Query engine: oxigraph or rdflib.")
    store_path: Path | None = Field(
        None, description="On-disk oxigraph store folder; None keeps the store in memory."
    )
    union_default_graph: bool = Field(
        True, description="Whether the default graph of a query is the union of all graphs."
    )
    validate_on_load: bool = Field(True, description="Refuse to serve data that fails its shapes.")
    query_timeout: float = Field(30.0, gt=0, description="Seconds before a query is stopped.")
    max_rows: int = Field(100_000, ge=0, description="Result row (or triple) cap; 0 means no cap.")
    max_body_bytes: int = Field(
        1_000_000, gt=0, description="Largest request body accepted, in bytes."
    )
    query_workers: int = Field(
        4, ge=1, description="Worker processes that evaluate queries (each can be stopped)."
    )
    max_queued: int = Field(
        64, ge=0, description="Queries allowed to wait for a worker before 503 Overloaded."
    )
    allowed_service_iris: list[str] = Field(
        default_factory=list,
        description="SERVICE endpoints a query may call. Empty: SERVICE is refused.",
    )
    cors_origins: list[str] = Field(
        default_factory=lambda: ["*"], description="Origins allowed to read by CORS."
    )
    host: str = Field("127.0.0.1", description="Interface to bind.")
    port: int = Field(8000, ge=0, le=65535, description="TCP port to bind.")

    def resolved_paths(self) -> list[Path]:
        """The paths to load: the given ones, or the project's ontology/ and data/."""
        if self.paths:
            return list(self.paths)
        root = project_root()
        return [root / "ontology", root / "data"]

    def resolved_queries_dir(self) -> Path | None:
        """The named queries to serve: the given folder, or the project's when serving it."""
        if self.queries_dir is not None:
            return self.queries_dir
        return project_root() / "queries" if self.serves_project_data else None

    @property
    def serves_project_data(self) -> bool:
        return not self.paths
