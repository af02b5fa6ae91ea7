"""How a request to the store is sent, tried again and authenticated: written once, no I/O.

Two transports send requests to the store: the blocking client (``http``, for graphsvc's own
reads, publishing and forked query workers) and the event loop's (``aio``, for clients'
queries). They differ in how bytes move and agree on everything else, which is decided here:

- the Authorization header each attempt carries (``auth.Credentials``);
- a request that got no answer on a kept-alive connection is sent once more, on a new
  connection, when it is safe to repeat (a query, never an update): the store may have closed
  the connection just as it was reused;
- a 401 carrying a digest challenge the credentials have not answered yet is answered once;
  one with the same nonce again means the credentials are wrong, and is the answer;
- at most three attempts in all (a broken connection and a challenge, or a challenge and a
  new nonce, then the answer);
- what the caller sees when there is no answer: our ``RemoteStoreError`` naming the store.

Each transport drives an ``Exchange`` in its own loop (connect, write, read the head), the way
httpx drives one auth flow from its two clients. The flow is an object rather than a generator:
a generator would end each request with a StopIteration and switch frames at every step, and
the event loop's request is the hot path of every query (bench/remote-analysis.md); an
``Exchange`` is one small object, in place of the ``range`` the loops used to count with.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from graphsvc.errors import RemoteStoreError
from graphsvc.store.remote.auth import Credentials

USER_AGENT = "graphsvc"
ERROR_BYTES = 1 << 16
"""How much of an error answer is read for its message."""
Key = tuple[str, str, int]
"""Scheme, host and port: what a kept-alive connection is for."""


class Head(Protocol):
    """What the policy, and the checks on an answer, read of a response (both transports')."""

    status: int
    url: str
    """The store's URL without its query, for messages."""

    def header(self, name: str, default: str = "") -> str: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Destination:
    """Where a URL's request goes."""

    key: Key
    target: str
    """The path and query, as sent in the request line."""
    where: str
    """The URL without its query, for messages."""
    netloc: str


@functools.lru_cache(maxsize=512)
def destination(url: str) -> Destination:
    # Cached: a client's queries come back to the same few URLs, and splitting one costs more
    # than the rest of the policy's work on a request.
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    key = (scheme, parts.hostname or "", parts.port or (443 if scheme == "https" else 80))
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(key, target, f"{scheme}://{parts.netloc}{parts.path}", parts.netloc)


class Exchange:
    """One request's way through the policy, attempt by attempt; its transport does the I/O.

    The transport takes a connection (``unreachable`` if it cannot), sends the request with
    ``authorization()``, and then either gets no answer (``resend``, else raise ``error``) or
    an answer, which is final unless ``challenged`` (read it to its end, send again).
    """

    __slots__ = ("_attempt", "_authorization", "_credentials", "_method", "_retry", "_to")

    def __init__(self, credentials: Credentials, method: str, to: Destination,
                 retry: bool) -> None:  # fmt: skip
        # One by one: a multiple assignment of four builds a tuple, on every query.
        self._credentials = credentials
        self._method = method
        self._to = to
        self._retry = retry
        self._attempt = 0
        self._authorization: str | None = None

    def authorization(self) -> str | None:
        """The Authorization header of this attempt, if any (a digest answer counts once: ask
        only when the request is about to be sent)."""
        value = self._authorization = self._credentials.authorization(self._method, self._to.target)
        return value

    def resend(self, exc: BaseException, reused: bool) -> bool:
        """After a request got no answer (``exc``): whether to send it once more. A store that
        took too long is not asked again; a kept-alive connection broken as it was reused may
        just have been closed by the store, and a query may then be repeated."""
        if isinstance(exc, TimeoutError) or not (reused and self._retry and self._attempt == 0):
            return False
        self._attempt = 1
        return True

    def challenged(self, answer: Head) -> bool:
        """Whether ``answer`` is a challenge to answer by sending the request again."""
        if answer.status != 401 or self._attempt >= 2:
            return False
        header = answer.header("www-authenticate")
        if not self._credentials.take_challenge(header, self._authorization):
            return False
        self._attempt += 1
        return True

    def error(self, exc: BaseException) -> RemoteStoreError:
        """Our error for a request that got no answer."""
        where = self._to.where
        if isinstance(exc, TimeoutError):
            return RemoteStoreError(f"the remote SPARQL store at {where} did not answer in time")
        return RemoteStoreError(f"the remote SPARQL store at {where} cannot be reached: {exc}")

    def unreachable(self, exc: OSError) -> RemoteStoreError:
        """Our error for a connection to the store that could not be made."""
        where = self._to.where
        if isinstance(exc, TimeoutError):
            return RemoteStoreError(
                f"the remote SPARQL store at {where} did not accept a connection in time"
            )
        return RemoteStoreError(f"the remote SPARQL store at {where} cannot be reached: {exc}")


__all__ = ["ERROR_BYTES", "USER_AGENT", "Destination", "Exchange", "Head", "Key", "destination"]
