"""Authenticating to the remote store: HTTP basic, or digest with the store's challenge reused.

Digest costs two round trips when every request waits for its own challenge; answering the
store's last challenge again, with a new nonce count, costs one. The challenge is therefore kept
in ``Credentials``, which the blocking client and the event loop's client share, and answered
by every request until the store sends a new one (``policy.Exchange`` decides when to answer a
401 again; this module only knows what to send).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
from dataclasses import dataclass, field

_PARAM = re.compile(r'(\w+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,\s]+)')
_HASHES = {"MD5": hashlib.md5, "SHA-256": hashlib.sha256}


@dataclass
class Challenge:
    """A digest challenge, answered again with a new count until the store sends a new one."""

    params: dict[str, str]
    count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def answer(self, user: str, password: str, method: str, target: str) -> str:
        algorithm = self.params.get("algorithm", "MD5").upper()
        digest = _HASHES[algorithm.removesuffix("-SESS")]

        def h(text: str) -> str:
            return digest(text.encode()).hexdigest()

        realm, nonce = self.params.get("realm", ""), self.params.get("nonce", "")
        with self._lock:  # each request its own nonce count, whichever thread sends it
            self.count += 1
            nc = f"{self.count:08x}"
        cnonce = secrets.token_hex(8)
        secret = h(f"{user}:{realm}:{password}")
        if algorithm.endswith("-SESS"):
            secret = h(f"{secret}:{nonce}:{cnonce}")
        qops = [q.strip() for q in self.params.get("qop", "").split(",") if q.strip()]
        fields = {
            "username": f'"{user}"', "realm": f'"{realm}"', "nonce": f'"{nonce}"',
            "uri": f'"{target}"', "algorithm": algorithm,
        }  # fmt: skip
        if "auth" in qops:
            answer = h(f"{secret}:{nonce}:{nc}:{cnonce}:auth:{h(f'{method}:{target}')}")
            fields.update(qop="auth", nc=nc, cnonce=f'"{cnonce}"')
        else:
            answer = h(f"{secret}:{nonce}:{h(f'{method}:{target}')}")
        fields["response"] = f'"{answer}"'
        if "opaque" in self.params:
            fields["opaque"] = f'"{self.params["opaque"]}"'
        return "Digest " + ", ".join(f"{k}={v}" for k, v in fields.items())


def parse_challenge(header: str) -> Challenge | None:
    """The digest challenge in a WWW-Authenticate header (None: the store asks for another)."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    params = {k.lower(): v[1:-1] if v.startswith('"') else v for k, v in _PARAM.findall(rest)}
    if params.get("algorithm", "MD5").upper().removesuffix("-SESS") not in _HASHES:
        return None
    return Challenge(params)


@dataclass
class Credentials:
    """The store's user and password, and the digest challenge being answered: shared by the
    blocking client and the event loop's, so that a challenge one of them received spares the
    other its round trip."""

    user: str | None = None
    password: str | None = field(default=None, repr=False)
    auth: str = "basic"
    _challenge: Challenge | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def authorization(self, method: str, target: str) -> str | None:
        if self.user is None:
            return None
        if self.auth == "digest":
            challenge = self._challenge
            if challenge is None:
                return None
            return challenge.answer(self.user, self.password or "", method, target)
        token = base64.b64encode(f"{self.user}:{self.password or ''}".encode()).decode()
        return f"Basic {token}"

    def take_challenge(self, header: str, authorization: str | None) -> bool:
        """Whether a 401 with this WWW-Authenticate header is worth answering (and if so, answer
        its challenge from now on). A first challenge, or a new nonce for an old one, is; the
        same nonce again means the credentials are wrong, and the store's 401 says so."""
        if self.user is None or self.auth != "digest":
            return False
        challenge = parse_challenge(header)
        if challenge is None:
            return False
        with self._lock:
            current = self._challenge
            fresh = (
                authorization is None
                or challenge.params.get("stale", "").lower() == "true"
                or current is None
                or challenge.params.get("nonce") != current.params.get("nonce")
            )
            # Threads challenged at the same time with the same nonce keep one count (a nonce
            # count used twice may be taken for a replay).
            if fresh and (
                current is None or current.params.get("nonce") != challenge.params.get("nonce")
            ):
                self._challenge = challenge
        return fresh


__all__ = ["Challenge", "Credentials", "parse_challenge"]
