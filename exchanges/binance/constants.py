"""Binance USD-M futures: the venue's static facts, as data (protocol notes sections 1, 5, 6)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

VENUE = "binance"


@dataclass(frozen=True)
class Endpoints:
    """Base URLs of one environment. WebSocket bases end where the stream form starts (``/ws``, ``/stream``)."""

    rest: str
    ws_public: str      # high-frequency book data: depth, partial depth, bookTicker, trade
    ws_market: str      # everything else public: aggTrade, markPrice, klines, tickers
    ws_private: str     # user data by listen key
    ws_api: str         # request/response trading

    @classmethod
    def for_simulator(cls, published: Mapping[str, str]) -> Endpoints:
        """The simulator serves every role on one host, its ``rest`` URL (``http://127.0.0.1:<port>``)."""
        if not published.get("rest"):
            raise ValueError("the Binance simulator did not publish its rest URL")
        base = published["rest"]
        ws = base.replace("http://", "ws://", 1)
        return cls(base, f"{ws}/public", f"{ws}/market", f"{ws}/private", f"{ws}/ws-fapi/v1")


ENDPOINTS = {
    "live": Endpoints("https://fapi.binance.com", "wss://fstream.binance.com/public",
                      "wss://fstream.binance.com/market", "wss://fstream.binance.com/private",
                      "wss://ws-fapi.binance.com/ws-fapi/v1"),
    "testnet": Endpoints("https://testnet.binancefuture.com", "wss://fstream.binancefuture.com/public",
                         "wss://fstream.binancefuture.com/market", "wss://fstream.binancefuture.com/private",
                         "wss://testnet.binancefuture.com/ws-fapi/v1"),
}

# Which path carries which stream kind (since 2026-04-23; a stream on the wrong path is silent).
PUBLIC_STREAMS = frozenset({"depth", "bookTicker", "trade"})
MARKET_STREAMS = frozenset({"aggTrade", "markPrice", "kline"})

DEPTH_SNAPSHOT_LIMIT = 1000          # levels asked for on a resync
DEPTH_SPEED = "100ms"                # diff depth speed we subscribe to by default
DEPTH_SPEEDS_MS = (100, 250, 500)    # what the venue offers for <symbol>@depth@<n>ms
MAX_STREAMS_PER_CONNECTION = 200     # the venue allows 1024; keep reconnect resubscriptions small
MAX_INCOMING_PER_SECOND = 10         # client frames per connection per second (subscribe etc.)
CONNECTION_LIFETIME_S = 24 * 3600

# Rate limits (exchangeInfo.rateLimits); our budget names -> (capacity, window seconds).
WEIGHT_1M = "weight_1m"
ORDERS_10S = "orders_10s"
ORDERS_1M = "orders_1m"
RATE_LIMITS = {WEIGHT_1M: (2400, 60.0), ORDERS_10S: (300, 10.0), ORDERS_1M: (1200, 60.0)}
# exchangeInfo.rateLimits and WS API rateLimits entries (type, interval, intervalNum) -> our budget names.
LIMIT_TYPES = {("REQUEST_WEIGHT", "MINUTE", 1): WEIGHT_1M, ("ORDERS", "SECOND", 10): ORDERS_10S,
               ("ORDERS", "MINUTE", 1): ORDERS_1M}
# Response headers carrying the venue's own counts -> our budget names.
LIMIT_HEADERS = {"x-mbx-used-weight-1m": WEIGHT_1M, "x-mbx-order-count-10s": ORDERS_10S,
                 "x-mbx-order-count-1m": ORDERS_1M}

LISTEN_KEY_KEEPALIVE_S = 20 * 60     # valid 60 minutes; refresh well inside
RECV_WINDOW_MS = 5000
MAX_BATCH_ORDERS = 5
MAX_BATCH_CANCELS = 10
CLIENT_ORDER_ID_MAX = 36             # ^[\.A-Z\:/a-z0-9_-]{1,36}$
COUNTDOWN_CANCEL_MS = 10_000         # cancel-on-disconnect: everything goes if we are silent this long
COUNTDOWN_REFRESH_S = 3.0
