"""Reading request bodies within the size limit, and the parameters of a SPARQL request."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request

from graphsvc.errors import ParameterError, PayloadTooLarge


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes ``limit`` bytes, never buffered past it."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            if int(declared) > limit:
                raise PayloadTooLarge(limit)
        except ValueError:
            raise ParameterError("Content-Length is not a number") from None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def decode_utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParameterError(f"{what} is not valid UTF-8 (byte {exc.start})") from None


def parse_form(data: bytes) -> list[tuple[str, str]]:
    """Parse an application/x-www-form-urlencoded body strictly as UTF-8."""
    text = decode_utf8(data, "the form body")
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParameterError(f"the form body is not valid URL-encoded UTF-8: {exc}") from None


def parse_url_query(query_string: bytes) -> list[tuple[str, str]]:
    """Parse a URL's query string strictly as UTF-8, as a form body is parsed."""
    text = decode_utf8(query_string, "the URL's query string")
    try:
        return parse_qsl(text, keep_blank_values=True, strict_parsing=False, errors="strict")
    except (UnicodeDecodeError, ValueError) as exc:
        raise ParameterError(
            f"the URL's query string is not UTF-8 once its %-escapes are decoded{_where(exc)}; "
            "percent-encode the UTF-8 bytes of the text"
        ) from None


def _where(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f" (byte 0x{exc.object[exc.start]:02X} is not valid there)"
    return ""


def media_type_of(request: Request) -> str | None:
    header = request.headers.get("content-type")
    if not header:
        return None
    return header.split(";", 1)[0].strip().lower()
