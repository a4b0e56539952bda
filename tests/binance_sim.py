"""Helpers for tests that talk to the Binance simulator as clients do."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import aiohttp
from yarl import URL

from exchanges.binance import auth


def shape(value):
    """JSON types of a value, recursively, with dict keys: what a client's parser depends on."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


async def frames(ws, count: int, timeout: float = 20.0) -> list:
    """The next ``count`` text frames as JSON; fails after ``timeout`` seconds."""
    out, deadline = [], time.monotonic() + timeout
    while len(out) < count:
        msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        out.append(json.loads(msg.data))
    return out


class SignedClient:
    """Calls the simulator's REST API and signs like the clients do: query string or form body."""

    def __init__(self, sim, http: aiohttp.ClientSession, credentials, placement: str = "query"):
        self.base, self.http, self.credentials, self.placement = sim.urls["rest"], http, credentials, placement

    async def call(self, method: str, path: str, params: dict | None = None, *, signed: bool = True,
                   key: str | None = None, secret: str | None = None, timestamp: int | None = None):
        """Return (status, JSON body, headers)."""
        items = list((params or {}).items())
        key = self.credentials.api_key if key is None else key
        headers = {auth.API_KEY_HEADER: key} if key else {}
        if signed:
            items.append(("timestamp", str(timestamp if timestamp is not None else int(time.time() * 1000))))
            encoded = auth.signed_query(items, self.credentials.api_secret if secret is None else secret)
        else:
            encoded = urlencode(items)
        if self.placement == "body" and method in ("POST", "PUT"):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            response = await self.http.request(method, self.base + path, data=encoded.encode(), headers=headers)
        else:
            # encoded=True: send the bytes that were signed, not a re-quoted copy.
            url = URL(self.base + path + (f"?{encoded}" if encoded else ""), encoded=True)
            response = await self.http.request(method, url, headers=headers)
        async with response:
            return response.status, await response.json(), response.headers
