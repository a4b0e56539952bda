"""The edge's API-key login: a ``gravity`` session cookie with a GMT ``Expires`` and the account id header.

    POST /auth/api_key/login {"api_key": K}  ->  200 {"status": "success"}
    POST /auth/wallet/login {"address": A, "signature": {...}}   (EIP-712 WalletLogin by the account's signer)
         Set-Cookie: gravity=<token>; Path=/; Expires=Wed, 02 Dec 2026 15:00:00 GMT; HttpOnly
         X-Grvt-Account-Id: <account id>

A private call must carry the cookie and the same account id; an unknown or
expired cookie is refused (401, code 1000). The fault switch
``expire_sessions`` makes every cookie lapse at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from email.utils import formatdate

COOKIE = "gravity"
ACCOUNT_HEADER = "X-Grvt-Account-Id"


@dataclass
class Session:
    account_id: str
    expires_ms: int


class Sessions:
    def __init__(self, api_key: str, account_id: str, *, ttl_s: int = 3600):
        self.api_key = api_key
        self.account_id = account_id
        self.ttl_s = ttl_s
        self._by_token: dict[str, Session] = {}

    def login(self, api_key: object, now_ms: int) -> tuple[str, str] | None:
        """(cookie header value, account id) for a known key; None otherwise."""
        if not isinstance(api_key, str) or not secrets.compare_digest(api_key, self.api_key):
            return None
        return self.open(now_ms)

    def open(self, now_ms: int) -> tuple[str, str]:
        """A new session of the account (its key or its wallet checked by the caller)."""
        token = secrets.token_urlsafe(32)
        session = self._by_token[token] = Session(self.account_id, now_ms + self.ttl_s * 1000)
        expires = formatdate(session.expires_ms / 1000, usegmt=True)   # "Wed, 02 Dec 2026 15:00:00 GMT"
        return f"{COOKIE}={token}; Path=/; Expires={expires}; HttpOnly", self.account_id

    def account_of(self, token: str | None, account_header: str | None, now_ms: int) -> str | None:
        """The account of a live session whose header names it; None when the call is not authenticated."""
        session = self._by_token.get(token or "")
        if session is None or session.expires_ms <= now_ms or account_header != session.account_id:
            return None
        return session.account_id

    def expire_all(self, now_ms: int) -> None:
        for session in self._by_token.values():
            session.expires_ms = now_ms
