"""Helpers for tests that talk to the Binance simulator as clients do."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
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


def limiter_for_tests(max_wait_s: float = 2.0):
    """A rate limiter with the venue's declared limits, as a connector process would hold it."""
    from exchanges.binance.constants import RATE_LIMITS
    from tradesys.venue.ratelimit import Budget, Limit, LocalBudget, RateLimiter

    return RateLimiter(LocalBudget(Budget([Limit(name, cap, window) for name, (cap, window) in RATE_LIMITS.items()])),
                       max_wait_s=max_wait_s, venue="binance")


def connector(sim, credentials, *, limiter=None, transport: str = "rest", **config):
    """Subscriber, OMS, PMS and fetcher pointed at the simulator as ``exchanges.binance.connect`` builds them
    from a venue config: each with its own HTTP client, one shared rate limiter (one budget per account)."""
    from exchanges.binance import VENUE, connect
    from exchanges.binance.config import BinanceConfig, OrderTransport

    venue = BinanceConfig(order_transport=OrderTransport(transport), stale_book_seconds=3.0, **config)
    parts = connect(venue, credentials, limiter or limiter_for_tests(), VENUE.endpoints_for(venue, sim.urls))
    return parts.subscriber, parts.oms, parts.pms, parts.fetcher


class Recorder:
    """A MarketDataHandler and AccountHandler that keeps everything it is given."""

    def __init__(self):
        self.books, self.bbos, self.trades, self.marks, self.statuses = [], [], [], [], []
        self.order_events, self.fills, self.positions, self.balances, self.connection = [], [], [], [], []
        self.funding = []

    def on_book(self, message, venue_ts, recv_ts):
        self.books.append(message)

    def on_bbo(self, bbo, venue_ts, recv_ts):
        self.bbos.append(bbo)

    def on_trade(self, trade, venue_ts, recv_ts):
        self.trades.append(trade)

    def on_mark(self, mark, venue_ts, recv_ts):
        self.marks.append(mark)

    def on_order_event(self, event, venue_ts, recv_ts):
        self.order_events.append(event)

    def on_fill(self, fill, venue_ts, recv_ts):
        self.fills.append(fill)

    def on_position(self, position, venue_ts, recv_ts):
        self.positions.append(position)

    def on_balance(self, balance, venue_ts, recv_ts):
        self.balances.append(balance)

    def on_funding(self, symbol, balance, venue_ts, recv_ts):
        self.funding.append((symbol, balance))

    def on_status(self, *args):
        # Market data: (symbol, FeedStatus, reason); account: (connected, reason).
        (self.statuses if len(args) == 3 and not isinstance(args[0], bool) else self.connection).append(args)


class Contender:
    """A process trading on the account, as an engine does: the Binance connector on the shared limiter."""

    async def place(self, urls: dict, credentials, budget: str, prefix: str, count: int) -> dict:
        import ray

        from exchanges.binance import VENUE, connect
        from exchanges.binance.config import BinanceConfig
        from tests.connector_checks import best
        from tradesys.messages import Side, TimeInForce
        from tradesys.services.budget import RayBudget
        from tradesys.venue.base import OrderSpec
        from tradesys.venue.errors import RateLimited
        from tradesys.venue.lease import LeasedBudget
        from tradesys.venue.ratelimit import RateLimiter

        leased = LeasedBudget(RayBudget(ray.get_actor(budget)))
        limiter = RateLimiter(leased, max_wait_s=2.0, venue="binance")
        config = BinanceConfig()
        parts = connect(config, credentials, limiter, VENUE.endpoints_for(config, urls))
        await parts.oms.start()
        bid, _ = await best(parts.fetcher, "BTCUSDT")
        price, _ = parts.oms.round_to_filters("BTCUSDT", Side.SIDE_BUY, bid * Decimal("0.99"), Decimal("0.010"))
        placed = refused = 0
        try:
            while placed < count:
                spec = OrderSpec("BTCUSDT", f"{prefix}-{placed}", Side.SIDE_BUY, Decimal("0.010"), price=price,
                                 time_in_force=TimeInForce.TIME_IN_FORCE_POST_ONLY)
                try:
                    await parts.oms.place(spec)
                    placed += 1
                except RateLimited as exc:        # refused here, nothing sent: the window is full
                    refused += 1
                    await asyncio.sleep(min(exc.retry_after_s, 1.0))   # time itself: the next window
        finally:
            await parts.oms.stop()
            await parts.fetcher.close()
        held_back = limiter.counters["waited"] + refused      # waited for the next window, or told to
        return {"placed": placed, "held_back": held_back, "venue_429s": limiter.counters["throttled"],
                "leases": leased.counters["leases"], "spent_locally": leased.counters["local"]}
