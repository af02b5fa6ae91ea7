"""Where the remote store is and how to talk to it: the remote engine's settings.

Read from ``graphsvc.config.Settings``; refused here, before anything is sent, when a URL is not
an http(s) URL or carries credentials (they belong in the environment, never in a URL that is
logged and shown).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from graphsvc.store.remote.auth import Credentials
from graphsvc.store.remote.http import Client


@dataclass(frozen=True)
class RemoteConfig:
    """Where the remote store is and how to talk to it (from ``config.Settings``)."""

    endpoint: str
    """The SPARQL 1.1 query endpoint."""
    update_endpoint: str | None = None
    """The SPARQL 1.1 Update endpoint (publishing only); None: the query endpoint."""
    graph_store: str | None = None
    """The Graph Store Protocol endpoint (publishing only); None: uploads use INSERT."""
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    """basic or digest (Virtuoso's /sparql-auth endpoints use digest)."""
    release: str | None = None
    """IRI of the release manifest graph; None: serve the store's own default dataset."""
    query_params: Mapping[str, str] = field(default_factory=dict)
    """Extra parameters sent with every query (a store's own time limit, for instance)."""
    timeout: float = 300.0
    """Seconds to wait for the next byte of the store's answer. A client's query is bounded by
    graphsvc's own time limit (its worker is stopped, which closes the connection); this bounds
    graphsvc's own reads: the counts at start-up, and the dumps, for which Virtuoso takes two
    minutes to start answering on a 1M-triple release."""
    connect_timeout: float = 5.0
    update_timeout: float = 3600.0
    """Seconds to wait for one upload or update while publishing (a large switch takes minutes)."""

    def __post_init__(self) -> None:
        for url in (self.endpoint, self.update_endpoint, self.graph_store):
            if url is None:
                continue
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"a remote store URL must be an http(s) URL, got {url!r}")
            if parts.username or parts.password:
                raise ValueError(
                    "put the remote store's credentials in GRAPHSVC_REMOTE_USER and "
                    "GRAPHSVC_REMOTE_PASSWORD, not in its URL"
                )
        if self.auth not in ("basic", "digest"):
            raise ValueError(f"remote auth is basic or digest, got {self.auth!r}")

    @property
    def updates(self) -> str:
        return self.update_endpoint or self.endpoint

    def credentials(self) -> Credentials:
        return Credentials(self.user, self.password, self.auth)

    def client(
        self, timeout: float | None = None, credentials: Credentials | None = None
    ) -> Client:
        return Client(
            credentials or self.credentials(),
            timeout=timeout or self.timeout,
            connect_timeout=self.connect_timeout,
        )


__all__ = ["RemoteConfig"]
