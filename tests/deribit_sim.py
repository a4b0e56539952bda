"""Helpers for tests that talk to the Deribit simulator as clients do: a bare JSON-RPC WebSocket
client (not the connector: these tests check the simulator's wire protocol itself)."""

from __future__ import annotations

import asyncio
import itertools
import json

import aiohttp

from exchanges.deribit import auth
from exchanges.deribit.simulator import DeribitSimulator

CREDENTIALS = auth.Credentials("sim-client", "sim-client-secret-1234567890")


def simulator(**kwargs) -> DeribitSimulator:
    kwargs.setdefault("credentials", CREDENTIALS)
    return DeribitSimulator(**kwargs)


class RpcClient:
    """One WebSocket: ``call`` sends a request and waits for its reply; notifications queue up."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse):
        self.ws = ws
        self.notifications: list[dict] = []
        self.heartbeats: list[dict] = []
        self.answer_test_requests = True
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future] = {}
        self._reader = asyncio.create_task(self._read())
        self.closed = asyncio.Event()

    @classmethod
    async def connect(cls, http: aiohttp.ClientSession, sim: DeribitSimulator) -> RpcClient:
        return cls(await http.ws_connect(sim.urls["ws"]))

    async def _read(self) -> None:
        try:
            async for msg in self.ws:
                if msg.type is not aiohttp.WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                if frame.get("method") == "subscription":
                    self.notifications.append(frame["params"])
                elif frame.get("method") == "heartbeat":
                    self.heartbeats.append(frame["params"])
                    if frame["params"]["type"] == "test_request" and self.answer_test_requests:
                        await self.ws.send_str(json.dumps({"jsonrpc": "2.0", "id": next(self._ids),
                                                           "method": "public/test", "params": {}}))
                elif frame.get("id") in self._waiting:
                    self._waiting.pop(frame["id"]).set_result(frame)
        finally:
            self.closed.set()
            for future in self._waiting.values():
                if not future.done():
                    future.set_exception(ConnectionError("closed"))

    async def call(self, method: str, params: dict | None = None, timeout: float = 10.0) -> dict:
        """The whole reply frame (``result`` or ``error``)."""
        rid = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._waiting[rid] = future
        await self.ws.send_str(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}}))
        return await asyncio.wait_for(future, timeout)

    async def result(self, method: str, params: dict | None = None):
        reply = await self.call(method, params)
        assert "result" in reply, reply
        return reply["result"]

    async def login(self, sim: DeribitSimulator) -> dict:
        return await self.result("public/auth", auth.client_signature_params(sim.credentials, sim.now_ms()))

    def on(self, channel: str) -> list:
        return [n["data"] for n in self.notifications if n["channel"] == channel]

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        try:
            await self._reader
        except (asyncio.CancelledError, ConnectionError):
            pass


def apply_book(book: dict, data: dict) -> None:
    """Apply one book notification to ``{"bids": {price: amount}, "asks": {...}}``."""
    if data["type"] == "snapshot":
        book["bids"], book["asks"] = {}, {}
    for side in ("bids", "asks"):
        for action, price, amount in data[side]:
            if action == "delete":
                book[side].pop(price)
            else:
                book[side][price] = amount


def limiter_for_tests(max_wait_s: float = 2.0):
    """A rate limiter with the connector's default budgets, as a connector process holds it."""
    from exchanges.deribit.constants import RATE_LIMITS
    from tradesys.venue.ratelimit import Budget, Limit, LocalBudget, RateLimiter

    return RateLimiter(LocalBudget(Budget([Limit(name, cap, window) for name, (cap, window) in RATE_LIMITS.items()])),
                       max_wait_s=max_wait_s, venue="deribit")


def connector(sim: DeribitSimulator, credentials=CREDENTIALS, *, limiter=None, heartbeat_s: float = 30.0, **config):
    """Subscriber, OMS, PMS and fetcher pointed at the simulator as ``exchanges.deribit.connect`` builds them."""
    from exchanges.deribit import VENUE, connect
    from tradesys.config.schema import VenueConfig

    venue = VenueConfig(venue="deribit", stale_book_seconds=3.0, **config)
    parts = connect(venue, credentials, limiter or limiter_for_tests(), VENUE.endpoints_for(venue, sim.urls),
                    heartbeat_s=heartbeat_s)
    return parts.subscriber, parts.oms, parts.pms, parts.fetcher
