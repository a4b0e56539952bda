"""GRVT: the venue's static facts, as data (docs/protocols/grvt.md sections 1, 2, 7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

VENUE = "grvt"


@dataclass(frozen=True)
class Endpoints:
    """The three hosts of one environment, and the two WebSocket endpoints (which must differ)."""

    edge: str
    market_data: str
    trade_data: str
    ws_market_data: str
    ws_trade_data: str
    chain_id: int

    @classmethod
    def for_simulator(cls, published: Mapping[str, str]) -> Endpoints:
        """From what the simulator publishes: its URLs (``edge``, ``market data``, ``trade data``, ``ws ...``)
        and the chain its signatures are checked on (``chain-id``), as a client takes them."""
        missing = [k for k in ("edge", "market data", "trade data", "ws market data", "ws trade data", "chain-id")
                   if k not in published]
        if missing:
            raise ValueError(f"the GRVT simulator did not publish its {', '.join(missing)}")
        return cls(published["edge"], published["market data"], published["trade data"],
                   published["ws market data"], published["ws trade data"], int(published["chain-id"]))

    @classmethod
    def for_replay(cls, host: str, config) -> Endpoints:
        """One loopback host serving a recording again (``tradesys.recording.replay``): every host is it, the
        streams at the path they were recorded at; the chain is the configured simulator's (nothing is signed)."""
        http, ws = f"http://{host}", f"ws://{host}/ws/full"
        return cls(http, http, http, ws, ws, int(config.sim_chain_id))


PRODUCTION_CHAIN_ID = 325     # EIP-712 domain chainId of GRVT's production; testnet 326 (docs/protocols/grvt.md 6.1)
TESTNET_CHAIN_ID = 326

ENDPOINTS = {
    "live": Endpoints("https://edge.grvt.io", "https://market-data.grvt.io", "https://trades.grvt.io",
                      "wss://market-data.grvt.io/ws/full", "wss://trades.grvt.io/ws/full", PRODUCTION_CHAIN_ID),
    "testnet": Endpoints("https://edge.testnet.grvt.io", "https://market-data.testnet.grvt.io",
                         "https://trades.testnet.grvt.io", "wss://market-data.testnet.grvt.io/ws/full",
                         "wss://trades.testnet.grvt.io/ws/full", TESTNET_CHAIN_ID),
}

LOGIN_PATH = "/auth/api_key/login"
SESSION_COOKIE = "gravity"
ACCOUNT_HEADER = "X-Grvt-Account-Id"
SESSION_REFRESH_BEFORE_S = 300        # log in again this long before the cookie's Expires
SIGNATURE_EXPIRY_S = 30 * 24 * 3600 - 60   # the venue caps an order signature at 30 days ahead
BOOK_STREAM = "v1.book.d"
BOOK_RATE_MS = 100
COUNTDOWN_MS = 10_000                 # cancel-on-disconnect countdown (1,000 to 300,000 ms)
COUNTDOWN_REFRESH_S = 3.0
TICKER_STREAM = "v1.ticker.s"
TICKER_RATE_MS = 500
TRADE_STREAM = "v1.trade"
TRADE_LIMIT = 50
PRIVATE_STREAMS = ("v1.order", "v1.state", "v1.fill", "v1.position", "v1.cancel")

# The account's budgets: per-tier figures are on GRVT's site, not in its spec (docs/protocols/grvt.md 5), so
# these are ours, below what a default tier is known to take; a live account on another tier sets its own.
ORDERS_1S = "orders_1s"
REQUESTS_1S = "requests_1s"
RATE_LIMITS = {ORDERS_1S: (20, 1.0), REQUESTS_1S: (50, 1.0)}
ORDER_ROUTES = frozenset({"create_order", "cancel_order", "cancel_all_orders"})
UNMETERED_ROUTES = frozenset({"cancel_on_disconnect"})   # the dead man's switch must never wait for a budget
