"""Topic names of the bus: built here, parsed here, nowhere else.

    md.<venue>.<symbol>.<kind>   market data: book, bbo, trade, mark, status
    oe.<venue>.<strategy>        order lifecycle of one strategy
    pos.<venue>.<symbol>         positions
    bal.<venue>.<asset>          balances
    hb.<actor>                   heartbeats
    inv.<asset>                  external inventory deltas
    risk.<venue>                 risk commands (kill switch); venue "all" reaches every venue
    raw.<venue>.<connection>     a venue connection's frames as they arrived (for the recorder)

Subscriptions are ZeroMQ byte-prefix matches, so "md.binance." takes every
Binance market-data topic. Parts must not contain a dot.
"""

from __future__ import annotations

ALL_VENUES = "all"
_PREFIXES = ("md", "oe", "pos", "bal", "hb", "inv", "risk", "raw")


def _join(*parts: str) -> str:
    for part in parts:
        if not part or "." in part:
            raise ValueError(f"topic part {part!r} must be non-empty and contain no '.'")
    return ".".join(parts)


def md(venue: str, symbol: str, kind: str) -> str:
    """Market-data topic, e.g. md.binance.BTCUSDT.book."""
    return _join("md", venue, symbol, kind)


def oe(venue: str, strategy: str) -> str:
    """Order-event topic of one strategy on one venue."""
    return _join("oe", venue, strategy)


def pos(venue: str, symbol: str) -> str:
    return _join("pos", venue, symbol)


def bal(venue: str, asset: str) -> str:
    return _join("bal", venue, asset)


def hb(actor: str) -> str:
    """Heartbeat topic of one actor."""
    return _join("hb", actor)


def inv(asset: str) -> str:
    return _join("inv", asset)


def risk(venue: str = ALL_VENUES) -> str:
    return _join("risk", venue)


def raw(venue: str, connection: str) -> str:
    """The raw frames of one venue connection, e.g. raw.binance.binance-public-0."""
    return _join("raw", venue, connection)


def partition(topic: str) -> tuple[str, str]:
    """Return (venue, symbol) for storage partitioning; "_" where the topic has none.

    For hb.<actor> the actor stands in the symbol's place, for bal the asset,
    for oe the strategy, for raw the connection. Raises ValueError for a topic of no known family.
    """
    parts = topic.split(".")
    family = parts[0]
    if family not in _PREFIXES or len(parts) < 2:
        raise ValueError(f"unknown topic family in {topic!r}")
    if family in ("md", "oe", "pos", "bal", "raw") and len(parts) >= 3:
        return parts[1], parts[2]
    if family == "risk":
        return parts[1], "_"
    return "_", parts[1]
