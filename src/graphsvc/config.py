"""Settings, in one place.

Every setting has a documented default, can be set by a ``GRAPHSVC_<NAME>`` environment variable,
and is overridden by the matching command-line flag. Only ``web/app.py`` and ``cli.py`` read
settings; the core receives plain values.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graphsvc.namespaces import DEFAULT_BASE_IRI
from graphsvc.project import project_root as project_root  # re-exported: where it always was

if TYPE_CHECKING:
    from graphsvc.store.remote.store import RemoteConfig

Engine = Literal["oxigraph", "rdflib", "remote"]


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
    engine: Engine = Field("oxigraph", description="Query engine: oxigraph, rdflib or remote.")
    store_path: Path | None = Field(
        None, description="On-disk oxigraph store folder; None keeps the store in memory."
    )
    union_default_graph: bool = Field(
        True, description="Whether the default graph of a query is the union of all graphs."
    )
    validate_on_load: bool = Field(True, description="Refuse to serve data that fails its shapes.")
    reload: bool = Field(
        False, description="Watch the served files and swap in each new version that validates."
    )
    query_timeout: float = Field(30.0, gt=0, description="Seconds before a query is stopped.")
    max_rows: int = Field(100_000, ge=0, description="Result row (or triple) cap; 0 means no cap.")
    max_body_bytes: int = Field(
        1_000_000, gt=0, description="Largest request body accepted, in bytes."
    )
    query_workers: int = Field(
        4, ge=1, description="Worker processes that evaluate queries (each can be stopped)."
    )
    query_isolation: Literal["auto", "thread", "process"] = Field(
        "auto",
        description="How a query is run so that it can be stopped at its time limit. thread: on "
        "a thread of the server process, which `graphsvc serve` replaces when a query overruns "
        "(fastest, least memory; oxigraph and remote engines; the remote engine's queries are "
        "sent from the event loop and stopped there). process: in a forked worker that is "
        "killed at the limit. auto: thread under `graphsvc serve` except with the rdflib "
        "engine or --reload (and for the remote engine in an app built by create_app too); "
        "process otherwise.",
    )
    processes: int = Field(
        1,
        ge=1,
        description="Server processes under `graphsvc serve` with query threads. Each holds its "
        "own copy of an in-memory store; over an on-disk store (--store) they share one.",
    )
    max_queued: int = Field(
        64, ge=0, description="Queries allowed to wait for a worker before 503 Overloaded."
    )
    result_cache_bytes: int = Field(
        0,
        ge=0,
        description="Bytes of query results kept in memory, keyed by query, format and data "
        "version (the data only changes on reload). 0: no cache.",
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
    # The remote engine (docs/remote.md). Credentials come from the environment only.
    remote_endpoint: str | None = Field(
        None, description="Remote engine: the store's SPARQL 1.1 query endpoint."
    )
    remote_update_endpoint: str | None = Field(
        None, description="The store's SPARQL 1.1 Update endpoint (load --to); None: the above."
    )
    remote_graph_store: str | None = Field(
        None, description="The store's Graph Store Protocol endpoint (load --to); None: none."
    )
    remote_user: str | None = Field(None, description="User name for the remote store.")
    remote_password: SecretStr | None = Field(None, description="Password for the remote store.")
    remote_auth: Literal["basic", "digest"] = Field(
        "basic", description="HTTP authentication scheme of the remote store: basic or digest."
    )
    remote_release: str | None = Field(
        None, description="IRI of the release manifest graph; None: <base_iri>release."
    )
    remote_query_params: dict[str, str] = Field(
        default_factory=dict,
        description="Extra parameters sent with every remote query (a store's own time limit).",
    )

    @model_validator(mode="after")
    def _check_remote(self) -> Settings:
        if self.engine == "remote":
            if not self.remote_endpoint:
                raise ValueError(
                    "the remote engine needs the store's SPARQL endpoint: --endpoint URL "
                    "(or GRAPHSVC_REMOTE_ENDPOINT)"
                )
            if self.store_path is not None:
                raise ValueError("--store is for the oxigraph engine, not the remote one")
        return self

    def resolved_release(self) -> str:
        """The IRI of the remote store's release manifest graph."""
        return self.remote_release or f"{self.base_iri}release"

    def remote_config(self) -> RemoteConfig:
        """The remote engine's plain configuration (the core never reads settings)."""
        from graphsvc.store.remote.store import RemoteConfig

        if not self.remote_endpoint:
            raise ValueError("give the remote store's SPARQL endpoint URL")
        return RemoteConfig(
            endpoint=self.remote_endpoint,
            update_endpoint=self.remote_update_endpoint,
            graph_store=self.remote_graph_store,
            user=self.remote_user,
            password=self.remote_password.get_secret_value() if self.remote_password else None,
            auth=self.remote_auth,
            release=self.resolved_release(),
            query_params=dict(self.remote_query_params),
            # The worker is killed at the query time limit; the HTTP wait must outlast it, and
            # graphsvc's own reads (the dumps) may wait minutes for a large store's first byte.
            timeout=max(300.0, self.query_timeout + 30),
        )

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
