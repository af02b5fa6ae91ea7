"""Settings, declared once, and the one rule that decides how queries run.

Every setting is a field of ``Settings``: its default, its description, its environment variable
(``GRAPHSVC_`` + the field name in capitals) and its ``graphsvc serve`` flag (``--`` + the field
name with dashes; a few keep a shorter alias) all come from that one declaration. The flags are
generated from the fields (cli/options.py), the README's settings table is checked against them
(tests), so a setting cannot exist in one place and be missing in another.

Only the assembly (assemble.py), the web layer and the CLI read settings; the core receives
plain values.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from graphsvc.execution.base import ExecutorKind
from graphsvc.namespaces import DEFAULT_BASE_IRI
from graphsvc.project import project_root as project_root  # re-exported: where it always was

Engine = Literal["oxigraph", "rdflib", "remote"]
LogLevel = Literal["debug", "info", "warning", "error"]

# Help panels of `graphsvc serve --help`: what most users set first, the rest grouped below.
COMMON = "Common"
LIMITS = "Limits"
EXECUTION = "Query execution"
REMOTE = "Remote engine (docs/remote.md)"
ENV_ONLY = None
"""A setting without a serve flag: set by its GRAPHSVC_* variable (or the Python API) only."""


def setting(
    default: Any = None,
    description: str = "",
    *,
    panel: str | None = COMMON,
    alias: str | None = None,
    shown_default: str | None = None,
    **constraints: Any,
) -> Any:
    """A settings field with what the command line needs to know about it.

    ``panel`` groups its flag in ``--help`` (``ENV_ONLY``: no flag); ``alias`` is a shorter
    flag kept from earlier releases; ``shown_default`` describes a default that is computed.
    """
    extra: dict[str, Any] = {"panel": panel, "alias": alias, "shown_default": shown_default}
    if callable(default):
        return Field(
            default_factory=default, description=description, json_schema_extra=extra,
            **constraints,
        )  # fmt: skip
    return Field(default, description=description, json_schema_extra=extra, **constraints)


class Settings(BaseSettings):
    """graphsvc's settings. Defaults suit serving the bundled graph on a laptop."""

    model_config = SettingsConfigDict(env_prefix="GRAPHSVC_", extra="ignore")

    # What is served.
    paths: list[Path] = setting(
        list,
        "RDF files or folders to serve (the command's arguments).",
        panel=ENV_ONLY,
        shown_default="the project's ontology/ and data/",
    )
    queries_dir: Path | None = setting(
        None, "Folder of named queries (*.rq).", alias="queries",
        shown_default="the project's queries/ when serving the project",
    )  # fmt: skip
    base_iri: str = setting(DEFAULT_BASE_IRI, "Base IRI of the data and graph names.")
    engine: Engine = setting("oxigraph", "Query engine: oxigraph, rdflib or remote.")
    store_path: Path | None = setting(
        None, "Keep the oxigraph store on disk in this folder.", alias="store",
        shown_default="in memory",
    )  # fmt: skip
    union_default_graph: bool = setting(True, "Query the union of all graphs as the default graph.")
    validate_on_load: bool = setting(
        True, "Refuse to serve data that fails its shapes.", alias="validate"
    )
    entailment: bool = setting(
        True, "Add the RDFS closure (subclasses, subproperties) in the graph <base>graph/entailed."
    )
    reload: bool = setting(
        False, "Watch the served files and swap in each new version that validates."
    )
    host: str = setting("127.0.0.1", "Interface to bind.")
    port: int = setting(8000, "TCP port to bind (0: any free port).", ge=0, le=65535)
    log_level: LogLevel = setting("info", "Log level: debug, info, warning or error.")

    # Limits.
    query_timeout: float = setting(
        30.0, "Seconds before a query is stopped (503).", panel=LIMITS, gt=0
    )
    max_rows: int = setting(
        100_000, "Result row (or triple) cap; 0 means no cap.", panel=LIMITS, ge=0
    )
    max_body_bytes: int = setting(
        1_000_000, "Largest request body accepted, in bytes (413 past it).", panel=LIMITS, gt=0
    )
    memory_budget: int = setting(
        1 << 30, "Resident memory the server's processes may hold together, in bytes; past it "
        "the queries running are stopped (503). 0: no bound.", panel=LIMITS, ge=0,
    )  # fmt: skip
    max_header_bytes: int = setting(
        65_536, "Largest request head (request line and headers), in bytes (431 past it).",
        panel=LIMITS, ge=1024,
    )  # fmt: skip
    max_headers: int = setting(
        100, "Most header fields a request may have (431 past it).", panel=LIMITS, ge=8
    )
    query_workers: int = setting(
        4, "Queries evaluated at once (query threads or worker processes).",
        panel=LIMITS, alias="workers", ge=1,
    )  # fmt: skip
    max_queued: int = setting(
        64, "Queries allowed to wait for a free thread or worker before 503.",
        panel=LIMITS, ge=0,
    )  # fmt: skip
    allowed_service_iris: list[str] = setting(
        list, "A SERVICE endpoint queries may call (repeatable). None: SERVICE is refused.",
        panel=LIMITS, alias="allow-service", shown_default="none",
    )  # fmt: skip
    cors_origins: list[str] = setting(
        lambda: ["*"], "Origins allowed to read by CORS (a JSON list).", panel=ENV_ONLY
    )

    # How queries run.
    query_isolation: Literal["auto", "thread", "process"] = setting(
        "auto",
        "How an overrunning query is stopped: thread (its server process is replaced), "
        "process (its forked worker is killed) or auto (see resolve_execution).",
        panel=EXECUTION,
    )
    processes: int = setting(
        0, "Server processes under `graphsvc serve` with query threads, sharing one copy of "
        "the store; 0: one per core.", panel=EXECUTION, ge=0, shown_default="one per core",
    )  # fmt: skip
    result_cache_bytes: int = setting(
        0, "Bytes of query results kept in memory, by query, format and data version; 0: off.",
        panel=EXECUTION, alias="result-cache", ge=0,
    )  # fmt: skip

    # The remote engine (docs/remote.md). Credentials come from the environment only.
    remote_endpoint: str | None = setting(
        None, "The remote store's SPARQL 1.1 query endpoint.", panel=REMOTE, alias="endpoint"
    )
    remote_release: str | None = setting(
        None, "IRI of the release manifest graph.", panel=REMOTE, alias="release",
        shown_default="<base-iri>release",
    )  # fmt: skip
    remote_auth: Literal["basic", "digest"] = setting(
        "basic", "HTTP authentication scheme of the remote store.", panel=REMOTE
    )
    remote_update_endpoint: str | None = setting(
        None, "The store's SPARQL Update endpoint, for `graphsvc load --to`.", panel=ENV_ONLY,
        alias="update-endpoint", shown_default="the query endpoint",
    )  # fmt: skip
    remote_graph_store: str | None = setting(
        None, "The store's Graph Store Protocol endpoint, for `graphsvc load --to` "
        "(else INSERT DATA).", panel=ENV_ONLY, alias="graph-store",
    )  # fmt: skip
    remote_user: str | None = setting(None, "User name for the remote store.", panel=ENV_ONLY)
    remote_password: SecretStr | None = setting(
        None, "Password for the remote store.", panel=ENV_ONLY
    )
    remote_query_params: dict[str, str] = setting(
        dict, "Extra parameters sent with every remote query (a JSON object).", panel=ENV_ONLY
    )

    @model_validator(mode="after")
    def _check_remote(self) -> Settings:
        if self.engine == "remote":
            if not self.remote_endpoint:
                raise ValueError(
                    "the remote engine needs the store's SPARQL endpoint: --remote-endpoint "
                    "URL (--endpoint for short, or GRAPHSVC_REMOTE_ENDPOINT)"
                )
            if self.store_path is not None:
                raise ValueError("--store is for the oxigraph engine, not the remote one")
        return self

    def resolved_release(self) -> str:
        """The IRI of the remote store's release manifest graph."""
        return self.remote_release or f"{self.base_iri}release"

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
    def server_processes(self) -> int:
        """How many server processes serve: ``processes``, or one per core this may use."""
        return self.processes or len(os.sched_getaffinity(0))

    @property
    def serves_project_data(self) -> bool:
        return not self.paths


class Execution(NamedTuple):
    """How queries run: which executor, and whether server processes run under a supervisor."""

    executor: ExecutorKind
    supervised: bool


def resolve_execution(settings: Settings, *, supervisor: bool) -> Execution:
    """How queries run, from the settings: the one rule, used by serve, create_app and reload.

    ``supervisor`` says whether a supervisor can replace a server process (``graphsvc serve``
    runs one; an app built with ``create_app`` by hand has none). That is what makes query
    threads safe: a thread cannot be stopped, its process can. So ``auto`` means:

    - the remote engine: its queries are sent from the event loop (``loop``), stopped there at
      their limit; nothing can run away, with or without a supervisor;
    - rdflib: forked worker processes (it holds the GIL while it evaluates);
    - oxigraph: query threads under a supervisor, forked worker processes without one;
    - ``--reload``: forked workers of one server process (a swap happens inside it, and the old
      version's queries must be stoppable).

    ``thread`` and ``process`` choose explicitly; combinations that cannot work are refused
    (``ValueError``, with the flag to change) before anything loads or binds.
    """
    isolation = settings.query_isolation
    if settings.reload:
        if settings.store_path is not None:
            raise ValueError("--reload keeps each version of the graph in memory; drop --store")
        if settings.engine == "remote":
            raise ValueError("--reload watches local files; the remote engine has none")
        if isolation == "thread" or settings.processes > 1:
            raise ValueError(
                "--reload runs queries in forked workers of one server process; "
                "drop --query-isolation thread and --processes"
            )
    if settings.engine == "rdflib" and isolation == "thread":
        raise ValueError(
            "--query-isolation thread is for the oxigraph and remote engines: "
            "rdflib holds the GIL while it evaluates"
        )
    executor: ExecutorKind
    if isolation == "process" or settings.engine == "rdflib" or settings.reload:
        executor = "processes"
    elif settings.engine == "remote":
        executor = "loop"
    elif isolation == "thread" or supervisor:
        executor = "threads"
    else:
        executor = "processes"
    supervised = supervisor and executor != "processes"
    if settings.processes > 1 and not supervised:
        raise ValueError(
            "--processes is for query threads: not with --query-isolation process, "
            "--engine rdflib or --reload"
        )
    return Execution(executor, supervised)
