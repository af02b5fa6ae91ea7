"""The domain exceptions of graphsvc.

They describe what went wrong in the terms of the domain, never in HTTP terms: the web layer maps
each kind to a status code in one table (``graphsvc.web.errors``), and the CLI maps them to exit
codes. The tree::

    GraphsvcError
    ├── LoadError                  a file cannot be read or loaded
    │   └── RDFSyntaxError         ... because it does not parse (carries file:line:col)
    ├── RequestError               the request itself is wrong
    │   ├── ParameterError         missing, repeated, conflicting or malformed parameter
    │   ├── QuerySyntaxError       the SPARQL text does not parse (carries line:col)
    │   ├── QueryEvaluationError   the engine cannot evaluate a well-formed query
    │   ├── NotAcceptable          no offered media type satisfies Accept
    │   ├── UnsupportedMediaType   the body's Content-Type is not one we read
    │   └── PayloadTooLarge        the body is over the configured limit
    ├── Forbidden                  refused by policy (updates, outbound SERVICE, ...)
    ├── NotFound                   unknown resource or named query
    ├── Unavailable                the service cannot answer now
    │   ├── QueryTimeout           the query ran past its time limit and was stopped
    │   ├── Overloaded             too many queries are already waiting
    │   ├── MemoryExceeded         the server's memory bound was reached; its queries stopped
    │   └── RemoteStoreError       the remote SPARQL store is unreachable or answered badly (502)
    └── DataInvalid                data that fails its shapes
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class GraphsvcError(Exception):
    """Base of every error graphsvc raises on purpose."""

    kind = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def details(self) -> dict[str, object]:
        """Extra machine-readable fields for error envelopes."""
        return {}


class LoadError(GraphsvcError):
    kind = "load-error"


class RDFSyntaxError(LoadError):
    """A file does not parse. ``str()`` gives ``file:line:col: message``."""

    kind = "rdf-syntax"

    def __init__(self, path: Path | str, line: int | None, column: int | None, message: str):
        self.path = str(path)
        self.line = line
        self.column = column
        where = self.path
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")
        self.parser_message = message

    def details(self) -> dict[str, object]:
        return {"file": self.path, "line": self.line, "column": self.column}


class RequestError(GraphsvcError):
    kind = "bad-request"


class ParameterError(RequestError):
    kind = "bad-parameter"


class QuerySyntaxError(RequestError):
    kind = "query-syntax"

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        super().__init__(message)
        self.line = line
        self.column = column

    def details(self) -> dict[str, object]:
        return {"line": self.line, "column": self.column}


class QueryEvaluationError(RequestError):
    """The engine rejects a well-formed query when evaluating it (an unsupported function...)."""

    kind = "query-evaluation"


class NotAcceptable(RequestError):
    kind = "not-acceptable"

    def __init__(self, message: str, supported: Sequence[str]):
        super().__init__(message)
        self.supported = list(supported)

    def details(self) -> dict[str, object]:
        return {"supported": self.supported}


class UnsupportedMediaType(RequestError):
    kind = "unsupported-media-type"

    def __init__(self, message: str, supported: Sequence[str]):
        super().__init__(message)
        self.supported = list(supported)

    def details(self) -> dict[str, object]:
        return {"supported": self.supported}


class PayloadTooLarge(RequestError):
    kind = "payload-too-large"

    def __init__(self, limit: int):
        super().__init__(f"request body is larger than the limit of {limit} bytes")
        self.limit = limit

    def details(self) -> dict[str, object]:
        return {"limit": self.limit}


class Forbidden(GraphsvcError):
    kind = "forbidden"


class NotFound(GraphsvcError):
    kind = "not-found"


class Unavailable(GraphsvcError):
    kind = "unavailable"
    retry_after: int = 1


class QueryTimeout(Unavailable):
    kind = "query-timeout"

    def __init__(self, seconds: float):
        super().__init__(
            f"the query did not finish within the time limit of {seconds:g} s and was stopped"
        )
        self.seconds = seconds

    def details(self) -> dict[str, object]:
        return {"timeout": self.seconds}


class Overloaded(Unavailable):
    kind = "overloaded"


class MemoryExceeded(Unavailable):
    """The memory budget was reached while the query ran: it was stopped (and so were the others
    running in the same process or worker)."""

    kind = "memory-limit"

    def __init__(self, limit: int):
        super().__init__(
            f"the query needed more memory than this server allows ({limit >> 20} MiB) "
            "and was stopped; narrow it (fewer variables, a LIMIT, no ORDER BY over a product)"
        )
        self.limit = limit

    def details(self) -> dict[str, object]:
        return {"limit": self.limit}


class RemoteStoreError(Unavailable):
    """The remote SPARQL store behind the remote engine cannot be reached or failed."""

    kind = "remote-store"


class DataInvalid(GraphsvcError):
    kind = "data-invalid"
