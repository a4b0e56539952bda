"""Deribit authentication strings and signatures, for the connector and the simulator alike.

    public/auth client_signature:  hex(HMAC_SHA256(secret, f"{timestamp}\n{nonce}\n{data}"))
    HTTP header:  Authorization: deri-hmac-sha256 id=<client_id>,ts=<ms>,nonce=<nonce>,sig=<hex>
                  sig = hex(HMAC_SHA256(secret, f"{ts}\n{nonce}\n{METHOD}\n{path?query}\n{body}\n"))

The header's fields may come in any order (clients differ); the simulator
verifies over the body bytes as received. Vectors:
shared/protocols/deribit-signing-vectors.json.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

HMAC_SCHEME = "deri-hmac-sha256"


@dataclass(frozen=True)
class Credentials:
    """A client id and its client secret. The secret never appears in a repr."""

    client_id: str
    client_secret: str

    @classmethod
    def generate(cls) -> Credentials:
        """Random test credentials (for a simulator)."""
        return cls(secrets.token_urlsafe(6), secrets.token_urlsafe(32))

    @property
    def api_key(self) -> str:  # the simulator CLI's common name for the public half
        return self.client_id

    @property
    def api_secret(self) -> str:
        return self.client_secret

    def __repr__(self) -> str:
        return f"Credentials(client_id={self.client_id}, client_secret=***)"


def sign(secret: str, payload: str | bytes) -> str:
    """Return the lower-case hex HMAC-SHA256 of ``payload`` under ``secret``."""
    data = payload.encode() if isinstance(payload, str) else payload
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def client_signature_payload(timestamp: int, nonce: str, data: str = "") -> str:
    """The string ``public/auth`` with grant_type client_signature signs."""
    return f"{timestamp}\n{nonce}\n{data}"


def http_payload(timestamp: int, nonce: str, method: str, uri: str, body: bytes | str = b"") -> bytes:
    """The bytes an HTTP request's ``deri-hmac-sha256`` header signs (``uri``: path with its query)."""
    raw = body.encode() if isinstance(body, str) else body
    return f"{timestamp}\n{nonce}\n{method.upper()}\n{uri}\n".encode() + raw + b"\n"


def client_signature_params(credentials: Credentials, timestamp: int, nonce: str | None = None,
                            data: str = "") -> dict:
    """The params of a ``public/auth`` call with grant_type client_signature."""
    nonce = nonce or secrets.token_hex(8)
    return {"grant_type": "client_signature", "client_id": credentials.client_id, "timestamp": timestamp,
            "nonce": nonce, "data": data,
            "signature": sign(credentials.client_secret, client_signature_payload(timestamp, nonce, data))}


def http_header(credentials: Credentials, timestamp: int, method: str, uri: str, body: bytes | str = b"",
                nonce: str | None = None) -> str:
    """The value of an ``Authorization`` header signing one HTTP request."""
    nonce = nonce or secrets.token_hex(8)
    sig = sign(credentials.client_secret, http_payload(timestamp, nonce, method, uri, body))
    return f"{HMAC_SCHEME} id={credentials.client_id},ts={timestamp},nonce={nonce},sig={sig}"


def parse_http_header(value: str) -> dict[str, str] | None:
    """The key=value fields of a ``deri-hmac-sha256`` header, or None when it is not one."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != HMAC_SCHEME:
        return None
    fields = {}
    for part in rest.split(","):
        key, sep, val = part.strip().partition("=")
        if not sep:
            return None
        fields[key] = val
    return fields if {"id", "ts", "nonce", "sig"} <= fields.keys() else None


def verify(secret: str, payload: str | bytes, signature: str) -> bool:
    """True when ``signature`` (hex, any case) is the HMAC of ``payload``; constant time."""
    return hmac.compare_digest(sign(secret, payload), signature.lower())
