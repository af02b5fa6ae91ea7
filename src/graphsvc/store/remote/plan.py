"""What to ask the store for a query: its form, dataset and format, and the HTTP request.

Each query is parsed here first (by pyoxigraph, on an empty store), so a malformed query is
refused with the same message, line and column as on the local engines, and store-specific
extensions (Virtuoso's ``DEFINE`` pragmas, which can make it fetch URLs) never reach the store.
A named query's parameters are bound as an inline ``VALUES`` block (``bind``), and the request
carries the release's graphs as its protocol dataset (``release.dataset_for``).

Both steps are remembered per query: parsing costs 0.1-0.2 ms, and encoding a query into a URL
costs more than sending it, while named queries and the pages' own queries come back with
every request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from urllib.parse import urlencode

import pyoxigraph as ox

from graphsvc.sparql import Operation, classify
from graphsvc.store.base import QueryRequest
from graphsvc.store.oxigraph import query_syntax_error
from graphsvc.store.remote.bind import bind_parameters
from graphsvc.store.remote.config import RemoteConfig
from graphsvc.store.remote.release import Release, dataset_for
from graphsvc.store.remote.results import (
    GRAPH_ACCEPT,
    RESULTS_ACCEPT,
    XML_FIRST_ACCEPT,
    XML_RESULTS,
)

FORM = "application/x-www-form-urlencoded"
GET_LIMIT = 2000
"""A query whose parameters encode to at most this many characters is sent by GET (URLs of a
few kilobytes pass every server and proxy), a longer one by POST."""
REMEMBERED = 512
"""Queries whose parse and request are kept; past that the memory starts again."""
HttpRequest = tuple[str, str, bytes | None, dict[str, str]]
"""The method, URL, body and headers of a request."""
Prepared = tuple[Operation, str, str, bytes | None, dict[str, str]]
"""A query's form, and the method, URL, body and headers that ask the store for it."""


def http_request(
    config: RemoteConfig, text: str, accept: str, dataset: Sequence[tuple[str, str]]
) -> HttpRequest:
    """Method, URL, body and headers of a query request."""
    params = urlencode([("query", text), *dataset, *config.query_params.items()])
    endpoint = config.endpoint
    if len(params) <= GET_LIMIT:
        # GET when the URL stays short: Virtuoso answers it 0.3 ms sooner than a POST.
        url = f"{endpoint}{'&' if '?' in endpoint else '?'}{params}"
        return "GET", url, None, {"Accept": accept}
    return "POST", endpoint, params.encode(), {"Content-Type": FORM, "Accept": accept}


class Planner:
    """Clients' queries turned into requests to the store, remembered."""

    def __init__(self, config: RemoteConfig, release: Callable[[], Release | None]) -> None:
        self.config = config
        self._release = release
        """The served release, read from the store when first needed."""
        self._parser: ox.Store | None = None
        self._checked: dict[str, tuple[Operation, bool]] = {}
        self._requests: dict[tuple[object, ...], Prepared] = {}

    def request_for(self, request: QueryRequest) -> Prepared:
        """The query's form and the HTTP request that asks the store for it. A term's string
        form is its N-Triples form, so two parameter values share a key only when they are the
        same term."""
        bound = tuple(sorted((name, str(term)) for name, term in request.bindings.items()))
        key = (request.text, bound, request.union_default_graph,
               tuple(request.default_graph_uris), tuple(request.named_graph_uris),
               request.media_type)  # fmt: skip
        known = self._requests.get(key)
        if known is not None:
            return known
        form, text, dataset, accept = self._plan(request)
        prepared = (form, *http_request(self.config, text, accept, dataset))
        if len(self._requests) >= REMEMBERED:
            self._requests.clear()
        self._requests[key] = prepared
        return prepared

    def _plan(self, request: QueryRequest) -> tuple[Operation, str, list[tuple[str, str]], str]:
        """The query's form, and the text, dataset and Accept header to send for it."""
        known = self._checked.get(request.text)
        if known is None:
            classified = classify(request.text)
            services = bool(classified.service_targets)
            form = self._parse(request.text, classified.operation, services)
            known = (form, classified.has_dataset_clause)
            if len(self._checked) >= REMEMBERED:
                self._checked.clear()
            self._checked[request.text] = known
        form, has_dataset_clause = known
        text = bind_parameters(request.text, request.bindings)
        # The release is read only for a query that may need it (one without a dataset of its
        # own in the request): reading it is a query to the store.
        release = None if request.has_protocol_dataset else self._release()
        dataset = dataset_for(request, release, has_dataset_clause)
        if form.returns_graph:
            accept = GRAPH_ACCEPT
        else:
            accept = XML_FIRST_ACCEPT if request.media_type == XML_RESULTS else RESULTS_ACCEPT
        return form, text, dataset, accept

    def _parse(self, text: str, operation: Operation, services: bool) -> Operation:
        """Parse locally (same errors as the local engines); return the query form."""
        if operation is Operation.ASK and services:
            # An ASK is evaluated as it is parsed, and its allowed SERVICE would be called twice.
            return operation
        if self._parser is None:
            self._parser = ox.Store()
        try:
            parsed = self._parser.query(text)
        except SyntaxError as exc:
            raise query_syntax_error(exc) from None
        except OSError:
            return operation  # an allowed SERVICE evaluated while parsing: the store decides
        if isinstance(parsed, ox.QueryBoolean):
            return Operation.ASK
        if isinstance(parsed, ox.QueryTriples):
            return Operation.CONSTRUCT
        return Operation.SELECT


__all__ = ["FORM", "GET_LIMIT", "HttpRequest", "Planner", "Prepared", "http_request"]
