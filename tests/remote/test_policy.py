"""The remote engine's request policy on its own, without I/O (both transports follow it:
``test_http`` runs them against a server)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from graphsvc.store.remote.auth import Credentials
from graphsvc.store.remote.policy import Exchange, destination

TO = destination("http://store.example:8890/sparql?query=ASK%7B%7D")
CHALLENGE = 'Digest realm="r", nonce="{}", qop="auth"'


@dataclass
class Reply:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    url: str = TO.where
    closed: bool = False

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    def close(self) -> None:
        self.closed = True


def challenge(nonce: str) -> Reply:
    return Reply(401, {"www-authenticate": CHALLENGE.format(nonce)})


def test_a_query_broken_on_a_reused_connection_is_sent_once_more() -> None:
    exchange = Exchange(Credentials(), "GET", TO, True)
    assert exchange.resend(ConnectionResetError("reset"), reused=True)
    assert not exchange.resend(ConnectionResetError("reset"), reused=True)


@pytest.mark.parametrize(
    ("retry", "reused", "exc"),
    [
        (False, True, ConnectionResetError("reset")),  # an update: never sent twice
        (True, False, ConnectionResetError("reset")),  # a new connection: the store is down
        (True, True, TimeoutError()),  # the store took too long: not asked again
    ],
)
def test_a_request_that_got_no_answer_is_otherwise_not_sent_again(
    retry: bool, reused: bool, exc: BaseException
) -> None:
    assert not Exchange(Credentials(), "POST", TO, retry).resend(exc, reused)


def test_the_errors_name_the_store_never_its_query() -> None:
    exchange = Exchange(Credentials(), "GET", TO, True)
    assert str(exchange.error(TimeoutError())) == (
        "the remote SPARQL store at http://store.example:8890/sparql did not answer in time"
    )
    assert "cannot be reached: reset" in str(exchange.error(ConnectionResetError("reset")))
    assert "did not accept a connection in time" in str(exchange.unreachable(TimeoutError()))
    assert "ASK" not in str(exchange.unreachable(ConnectionRefusedError("refused")))


def test_a_digest_challenge_is_answered_and_a_repeated_one_is_the_answer() -> None:
    credentials = Credentials("u", "p", "digest")
    exchange = Exchange(credentials, "GET", TO, True)
    assert exchange.authorization() is None  # no challenge yet: nothing to answer
    assert exchange.challenged(challenge("n0"))
    first = exchange.authorization()
    assert first is not None and first.startswith("Digest ") and 'nonce="n0"' in first
    assert not exchange.challenged(challenge("n0"))  # same nonce: wrong credentials
    # The next request answers the kept challenge at once, with the next count.
    again = Exchange(credentials, "GET", TO, True).authorization()
    assert again is not None and "nc=00000002" in again


def test_at_most_three_attempts() -> None:
    exchange = Exchange(Credentials("u", "p", "digest"), "GET", TO, True)
    exchange.authorization()
    assert exchange.resend(ConnectionResetError(), reused=True)
    exchange.authorization()
    assert exchange.challenged(challenge("n1"))
    exchange.authorization()
    assert not exchange.challenged(challenge("n2"))  # a new nonce, but the third attempt


def test_basic_credentials_are_sent_and_a_401_is_the_answer() -> None:
    exchange = Exchange(Credentials("u", "p", "basic"), "GET", TO, True)
    assert exchange.authorization() == "Basic dTpw"
    assert not exchange.challenged(Reply(401, {"www-authenticate": 'Basic realm="r"'}))
    assert not exchange.challenged(Reply(200))
