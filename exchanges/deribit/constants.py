"""Deribit: the venue's static facts, as data (docs/protocols/deribit.md sections 1, 5, 6)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

VENUE = "deribit"


@dataclass(frozen=True)
class Endpoints:
    """Base URLs of one environment: ``rest`` ends in ``/api/v2`` (methods follow), ``ws`` is the socket."""

    rest: str
    ws: str

    @classmethod
    def for_simulator(cls, published: Mapping[str, str]) -> Endpoints:
        """The simulator serves both on one host; its ``rest`` URL is ``.../api/v2`` (or its root)."""
        if not published.get("rest"):
            raise ValueError("the Deribit simulator did not publish its rest URL")
        root = published["rest"].rstrip("/").removesuffix("/api/v2")
        return cls(f"{root}/api/v2", root.replace("http://", "ws://", 1) + "/ws/api/v2")


ENDPOINTS = {
    "live": Endpoints("https://www.deribit.com/api/v2", "wss://www.deribit.com/ws/api/v2"),
    "testnet": Endpoints("https://test.deribit.com/api/v2", "wss://test.deribit.com/ws/api/v2"),
}

BOOK_INTERVAL = "100ms"        # book.<instrument>.100ms: public; raw needs auth and sends every change
BOOK_INTERVALS = {100: "100ms", 0: "raw"}   # config depth_update_ms -> the book, ticker and trades interval
HEARTBEAT_S = 30               # the venue's minimum is 10 s; it recommends 30-60
REQUEST_TIMEOUT_S = 10.0       # a reply later than this is "no verdict"
TOKEN_REFRESH_AT = 0.8         # refresh the access token at this fraction of its lifetime
LABEL_MAX = 64                 # our client order ids travel as labels
CURRENCIES = ("BTC", "ETH", "USDC")
BOOK_SNAPSHOT_DEPTH = 1000

# Our budget names -> (capacity, window seconds). The venue's default tier: 20 non-matching requests a
# second (500 credits each from 50,000 refilled at 10,000/s) and about 5 matching-engine requests a second
# with bursts of 20; a market-making account has a higher tier. These defaults assume 20 of each a second:
# set the account's real tier where it differs.
REQUESTS_1S = "requests_1s"
MATCHING_1S = "matching_1s"
RATE_LIMITS = {REQUESTS_1S: (20, 1.0), MATCHING_1S: (20, 1.0)}
MATCHING_METHODS = frozenset({"private/buy", "private/sell", "private/edit", "private/cancel",
                              "private/cancel_all", "private/cancel_all_by_instrument",
                              "private/cancel_all_by_currency", "private/cancel_by_label"})
UNMETERED_METHODS = frozenset({"public/test", "public/auth", "public/get_time", "public/hello",
                               "public/set_heartbeat"})

# How often the private stream checks its token with a private request (a listening session hears nothing of a
# token that lapsed; the venue then stops its private notifications).
TOKEN_CHECK_S = 5.0
