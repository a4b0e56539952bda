"""GRVT: the venue's static facts, as data (docs/protocols/grvt.md sections 1, 2, 7)."""

from __future__ import annotations

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
    def for_simulator(cls, urls: dict[str, str], chain_id: int = 326) -> Endpoints:
        """From the simulator's printed URLs (``edge``, ``market data``, ``trade data``, ``ws ...``)."""
        return cls(urls["edge"], urls["market data"], urls["trade data"], urls["ws market data"],
                   urls["ws trade data"], chain_id)


ENDPOINTS = {
    "live": Endpoints("https://edge.grvt.io", "https://market-data.grvt.io", "https://trades.grvt.io",
                      "wss://market-data.grvt.io/ws/full", "wss://trades.grvt.io/ws/full", 325),
    "testnet": Endpoints("https://edge.testnet.grvt.io", "https://market-data.testnet.grvt.io",
                         "https://trades.testnet.grvt.io", "wss://market-data.testnet.grvt.io/ws/full",
                         "wss://trades.testnet.grvt.io/ws/full", 326),
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
