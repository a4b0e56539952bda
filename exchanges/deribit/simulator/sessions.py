"""``public/auth``: the three grant types, access and refresh tokens with expiry and scope.

A token issued on a WebSocket with the default scope ``connection`` is valid
on that connection only (ccxt's note on 13009); ``session:<name>`` scope and
tokens issued over HTTP are valid anywhere. A refresh token is good for one
use. The client_signature ``timestamp`` must be within ``max_skew_ms`` of the
server clock and a (timestamp, nonce) pair is accepted once.
"""

from __future__ import annotations

import secrets
from collections import deque
from dataclasses import dataclass

from exchanges.deribit import auth
from exchanges.deribit.simulator.errors import INVALID_CREDENTIALS, UNAUTHORIZED, invalid_arguments
from exchanges.deribit.simulator.rpc import RpcError

DEFAULT_SCOPE = "account:read_write trade:read_write wallet:read_write block_trade:read_write"


@dataclass
class Token:
    access: str
    refresh: str
    account: str
    scope: str
    expires_ms: int
    connection: int | None     # the connection it is bound to (scope "connection"), else None


class Sessions:
    def __init__(self, credentials: auth.Credentials, account: str, *, ttl_s: int = 900,
                 max_skew_ms: int = 60_000):
        self.credentials = credentials
        self.account = account
        self.ttl_s = ttl_s
        self.max_skew_ms = max_skew_ms
        self._by_access: dict[str, Token] = {}
        self._by_refresh: dict[str, Token] = {}
        self._nonces: deque[tuple[int, str]] = deque(maxlen=10_000)

    def authenticate(self, params: dict, now_ms: int, connection: int | None) -> dict:
        """Answer ``public/auth``; raise RpcError for bad credentials or arguments."""
        grant = params.get("grant_type")
        if grant == "client_credentials":
            self._check_client(params.get("client_id"))
            secret = params.get("client_secret")
            if not isinstance(secret, str) or not secrets.compare_digest(secret, self.credentials.client_secret):
                raise INVALID_CREDENTIALS
            account = self.account
        elif grant == "client_signature":
            self._check_client(params.get("client_id"))
            account = self._check_signature(params, now_ms)
        elif grant == "refresh_token":
            old = self._by_refresh.pop(str(params.get("refresh_token", "")), None)
            if old is None:
                raise RpcError(13009, "unauthorized", {"reason": "invalid refresh token"})
            self._by_access.pop(old.access, None)
            account = old.account
            params = {"scope": old.scope, **params}
        else:
            raise invalid_arguments("grant_type", "must be client_credentials, client_signature or refresh_token")
        scope = self._scope(params.get("scope"), connection)
        token = Token(secrets.token_urlsafe(24), secrets.token_urlsafe(24), account, scope,
                      now_ms + self.ttl_s * 1000,
                      connection if connection is not None and "connection" in scope.split() else None)
        self._by_access[token.access] = token
        self._by_refresh[token.refresh] = token
        return {"access_token": token.access, "expires_in": self.ttl_s, "refresh_token": token.refresh,
                "scope": scope, "token_type": "bearer", "enabled_features": [],
                "sid": f"sim-{connection if connection is not None else 'http'}"}

    def account_of(self, access_token: str, now_ms: int, connection: int | None) -> str:
        """The account a token stands for; raise 13009 when it is unknown, expired or bound elsewhere."""
        token = self._by_access.get(access_token)
        if token is None:
            raise UNAUTHORIZED
        if token.expires_ms <= now_ms:
            raise RpcError(13009, "unauthorized", {"reason": "token has expired", "param": "access_token"})
        if token.connection is not None and token.connection != connection:
            raise RpcError(13009, "unauthorized", {"reason": "connection scope token used on another connection"})
        return token.account

    def owner_of(self, access_token: str) -> str | None:
        """The account a token was issued to, valid or expired; None for one never issued."""
        token = self._by_access.get(access_token)
        return token.account if token is not None else None

    def check_http_signature(self, fields: dict[str, str], method: str, uri: str, body: bytes, now_ms: int) -> str:
        """Verify a ``deri-hmac-sha256`` header's fields over the request as received; return the account."""
        self._check_client(fields.get("id"))
        try:
            ts = int(fields["ts"])
        except ValueError:
            raise INVALID_CREDENTIALS from None
        self._check_fresh(ts, fields["nonce"], now_ms)
        if not auth.verify(self.credentials.client_secret, auth.http_payload(ts, fields["nonce"], method, uri, body),
                           fields["sig"]):
            raise INVALID_CREDENTIALS
        return self.account

    def check_basic(self, client_id: str, secret: str) -> str:
        self._check_client(client_id)
        if not secrets.compare_digest(secret, self.credentials.client_secret):
            raise INVALID_CREDENTIALS
        return self.account

    def expire_all(self, now_ms: int) -> None:
        """Fault switch: every access token lapses now (refresh tokens stay good)."""
        for token in self._by_access.values():
            token.expires_ms = now_ms

    def drop_connection(self, connection: int) -> None:
        """A closed connection's bound tokens die with it."""
        for token in [t for t in self._by_access.values() if t.connection == connection]:
            self._by_access.pop(token.access, None)
            self._by_refresh.pop(token.refresh, None)

    # -- checks ------------------------------------------------------------------------

    def _check_client(self, client_id) -> None:
        if not isinstance(client_id, str) or not secrets.compare_digest(client_id, self.credentials.client_id):
            raise INVALID_CREDENTIALS

    def _check_signature(self, params: dict, now_ms: int) -> str:
        timestamp, nonce, data = params.get("timestamp"), params.get("nonce"), params.get("data", "")
        signature = params.get("signature")
        if isinstance(timestamp, str) and timestamp.isdigit():
            timestamp = int(timestamp)  # HTTP GET carries it as text
        if not isinstance(timestamp, int) or not isinstance(nonce, str) or not isinstance(signature, str):
            raise invalid_arguments("signature", "client_signature needs timestamp, nonce and signature")
        self._check_fresh(timestamp, nonce, now_ms)
        if not auth.verify(self.credentials.client_secret,
                           auth.client_signature_payload(timestamp, nonce, str(data or "")), signature):
            raise INVALID_CREDENTIALS
        return self.account

    def _check_fresh(self, timestamp: int, nonce: str, now_ms: int) -> None:
        if abs(now_ms - timestamp) > self.max_skew_ms:
            raise RpcError(13004, "invalid_credentials", {"reason": "timestamp outside the allowed window"})
        if (timestamp, nonce) in self._nonces:
            raise RpcError(13004, "invalid_credentials", {"reason": "nonce already used"})
        self._nonces.append((timestamp, nonce))

    @staticmethod
    def _scope(requested, connection: int | None) -> str:
        parts = [p for p in str(requested or "").split() if p]
        if not any(p == "connection" or p.startswith("session:") for p in parts):
            parts.insert(0, "connection" if connection is not None else "session:http")
        for default in DEFAULT_SCOPE.split():
            if not any(p.split(":")[0] == default.split(":")[0] for p in parts):
                parts.append(default)
        return " ".join(parts)
