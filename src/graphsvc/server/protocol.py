"""uvicorn's httptools protocol, guarded: request heads are bounded, and an h2c upgrade ignored.

Two faults of the stock protocol that any client can reach:

- **No bound on a request's head.** httptools joins a header's pieces as they arrive, so a head
  sent in many pieces costs time quadratic in its size, all of it on the event loop: a 128 MiB
  header stalls every other request for seconds. Here the bytes of a head are counted as they
  arrive, before the parser sees them, and past ``max_head_bytes`` (or past ``max_headers``
  fields) the request is answered 431 and its connection closed.
- **An h2c upgrade loses the body.** Java's HTTP client (Jena's ``rsparql --post``) offers
  ``Upgrade: h2c`` with its POST; the parser then treats the body as the upgraded protocol's
  bytes, and the request reaches the app without it (Kludex/uvicorn#2722). graphsvc never
  upgrades a connection, and HTTP lets a server ignore the offer, so the ``Upgrade`` field of a
  head that does not ask for a WebSocket is dropped before the parser sees it.

Between requests the protocol holds a head's bytes until the head is whole (a blank line), which
is what lets it look at the fields before the parser does; then it gives the parser that head
and exactly its body (by Content-Length), so a pipelined request's head is held in turn. Only
a head that follows a chunked body in the same bytes reaches the parser unseen, and it is
bounded by counting instead. This leans on the
protocol's parser callbacks (``on_message_begin`` and the rest), which uvicorn has kept stable;
``tests/e2e/test_request_heads.py`` pins the behaviour against the installed uvicorn.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

DEFAULT_MAX_HEAD_BYTES = 64 * 1024
DEFAULT_MAX_HEADERS = 100
# How long a refused connection keeps reading (and discarding) before it closes: closing at once
# with the client still sending makes the kernel reset the connection, and the client would see
# a reset instead of the 431.
DRAIN_SECONDS = 2.0


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    max_head_bytes = DEFAULT_MAX_HEAD_BYTES
    max_headers = DEFAULT_MAX_HEADERS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pending = bytearray()
        self._searched = 0
        self._idle = True  # between requests: the parser has seen nothing of the next one
        self._in_head = False
        self._head_bytes = 0
        self._header_count = 0
        self._checked_heads = 0  # heads about to be fed whole, checked already
        self._unchecked = False
        self._body_left: int | None = 0
        self._refusal: str | None = None
        self._draining = False

    # Parser callbacks: where the parser is in a request.
    def on_message_begin(self) -> None:
        self._idle = False
        self._in_head = True
        self._header_count = 0
        self._head_bytes = 0
        self._unchecked = self._checked_heads == 0
        self._checked_heads = max(0, self._checked_heads - 1)
        super().on_message_begin()

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._unchecked:
            # A head that began inside a chunk already given to the parser (pipelining).
            self._header_count += 1
            self._head_bytes += len(name) + len(value)
            if self._header_count > self.max_headers:
                self._refusal = f"the request has more than {self.max_headers} header fields"
                raise _HeadTooLarge(self._refusal)
            if self._head_bytes > self.max_head_bytes:
                self._refusal = f"the request's head is over {self.max_head_bytes} bytes"
                raise _HeadTooLarge(self._refusal)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._idle = True
        super().on_message_complete()

    def data_received(self, data: bytes) -> None:
        while data and not self._draining and not self.transport.is_closing():
            if self._idle:
                taken = self._take_head(data)
                if taken is None:
                    return
                head, data, self._body_left = taken
                super().data_received(head)
            elif self._in_head:
                # A head that began inside a chunked body's bytes (pipelining): counted.
                self._head_bytes += len(data)
                if self._head_bytes > self.max_head_bytes:
                    self._refuse(f"the request's head is over {self.max_head_bytes} bytes")
                    return
                super().data_received(data)
                return
            elif self._body_left is None:
                super().data_received(data)  # a chunked body: its end is the parser's to find
                return
            else:
                # Exactly the body, so that the next request's head is held and checked too.
                piece, data = data[: self._body_left], data[self._body_left :]
                self._body_left -= len(piece)
                super().data_received(piece)

    def _take_head(self, data: bytes) -> tuple[bytes, bytes, int | None] | None:
        """Hold bytes until the next head is whole; then that head (checked, without an h2c
        offer), the bytes after it, and its body's length (None: chunked or unclear)."""
        self._pending += data
        if not self._searched:
            # Blank lines before a request are allowed, and are not its end.
            del self._pending[: len(self._pending) - len(self._pending.lstrip(b"\r\n"))]
        ends = [
            found + len(mark)
            for mark in (b"\r\n\r\n", b"\n\n")
            if (found := self._pending.find(mark, self._searched)) >= 0
        ]
        if not ends:
            if len(self._pending) > self.max_head_bytes:
                self._refuse(f"the request's head is over {self.max_head_bytes} bytes")
                return None
            self._searched = max(0, len(self._pending) - 3)
            return None
        end = min(ends)
        head, rest = bytes(self._pending[:end]), bytes(self._pending[end:])
        self._pending.clear()
        self._searched = 0
        if end > self.max_head_bytes:
            self._refuse(f"the request's head is over {self.max_head_bytes} bytes")
            return None
        lines = head.split(b"\n")
        # The request line and the blank line(s) at the end are not fields.
        if sum(1 for line in lines[1:] if line.strip()) > self.max_headers:
            self._refuse(f"the request has more than {self.max_headers} header fields")
            return None
        self._checked_heads = 1
        kept = [line for line in lines if not _is_upgrade_to_other_than_websocket(line)]
        return b"\n".join(kept), rest, _body_length(lines[1:])

    def _refuse(self, reason: str) -> None:
        self._refusal = reason
        self.send_400_response(reason)

    def send_400_response(self, msg: str) -> None:
        # uvicorn answers a parse error here, and an error raised in a parser callback is one:
        # once a refusal is set (by a callback or by _refuse) the answer is a 431 instead.
        if self._refusal is None:
            super().send_400_response(msg)
            return
        body = json.dumps(
            {"error": {"status": 431, "type": "headers-too-large", "message": self._refusal}}
        ).encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self._draining = True
        self._pending.clear()
        if self.transport.can_write_eof():
            self.transport.write_eof()
        asyncio.get_running_loop().call_later(DRAIN_SECONDS, self.transport.close)


class _HeadTooLarge(Exception):
    """Raised in a parser callback to end the parse of a head over the limits."""


def _is_upgrade_to_other_than_websocket(line: bytes) -> bool:
    name, colon, value = line.partition(b":")
    return bool(colon) and name.strip().lower() == b"upgrade" and b"websocket" not in value.lower()


def _body_length(fields: list[bytes]) -> int | None:
    """A request body's length by its head: 0 without one; None when chunked or unclear (the
    parser then finds the end, and any head after it in the same bytes is only counted)."""
    lengths = []
    for line in fields:
        name, colon, value = line.partition(b":")
        name = name.strip().lower()
        if colon and name == b"transfer-encoding":
            return None
        if colon and name == b"content-length":
            lengths.append(value.strip())
    if not lengths:
        return 0
    if len(set(lengths)) != 1 or not lengths[0].isdigit():
        return None
    return int(lengths[0])


def guarded_protocol(max_head_bytes: int, max_headers: int) -> type[GuardedHttpToolsProtocol]:
    """The protocol class for uvicorn's ``http`` option, with these limits."""
    return type(
        "GuardedHttpToolsProtocol",
        (GuardedHttpToolsProtocol,),
        {"max_head_bytes": max_head_bytes, "max_headers": max_headers},
    )
