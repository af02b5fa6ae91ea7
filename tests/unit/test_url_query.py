"""A GET query string is decoded strictly as UTF-8, as a POSTed form is (README: 400, bad UTF-8)."""

from __future__ import annotations

import pytest

from graphsvc.errors import ParameterError
from graphsvc.web.body import parse_url_query


def test_valid_query_strings_decode() -> None:
    assert parse_url_query(b"query=ASK%7B%7D&a=%C3%A9&b=c+d&e=") == [
        ("query", "ASK{}"),
        ("a", "é"),
        ("b", "c d"),
        ("e", ""),
    ]


@pytest.mark.parametrize(
    ("query_string", "byte"), [(b"query=%FF", "0xFF"), (b"query=ASK%C3", "0xC3")]
)
def test_escapes_that_are_not_utf8_are_refused(query_string: bytes, byte: str) -> None:
    with pytest.raises(ParameterError, match=f"not UTF-8 .*byte {byte} is not valid there"):
        parse_url_query(query_string)


def test_raw_bytes_that_are_not_utf8_are_refused() -> None:
    with pytest.raises(ParameterError, match="not valid UTF-8"):
        parse_url_query(b"query=\xff")
