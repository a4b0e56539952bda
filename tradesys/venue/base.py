"""The four venue interfaces of the original design, and what crosses them.

Services never know which venue they talk to: a MarketServer drives an
``IExchangeSubscriber``, a TradingEngine an ``IExchangeOMS``, a
PositionServer an ``IExchangePMS``, and every one of them recovers its
state at start through an ``IExchangeDataFetcher``. What crosses the
interfaces is tradesys's own bus messages (``tradesys.messages``), exact
numbers only, so a connector's output goes onto the bus as it is.

Shared rules for every implementation:

- ``__init__`` does no I/O; ``start()`` connects, ``stop()`` cancels every
  task it started and closes every socket, and may be called twice.
- Failures raise the tree in ``tradesys.venue.errors``: a ``TransientError`` is
  worth retrying, a ``VenueRejected`` is not, ``ExecutionUnknown`` means
  "reconcile by client order id before sending again".
- Handler callbacks are plain functions called on the connector's event
  loop; they must not block. Timestamps are integer nanoseconds: the
  venue's event time and our receive time.
- Venue message oddities (unknown fields) are ignored; unknown states and
  malformed payloads are counted in ``counters`` and logged, never raised
  into the handler and never allowed to end a stream.

The registry of venues lives in ``tradesys.venue.registry``; the error tree in
``tradesys.venue.errors``. Both are re-exported here.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from tradesys.messages import (
    Balance,
    Bbo,
    BookSnapshot,
    Fill,
    Instrument,
    LevelsDelta,
    MarkPrice,
    OrderEvent,
    OrderType,
    Position,
    Side,
    TimeInForce,
    Trade,
)
from tradesys.venue.book import L2Book
from tradesys.venue.errors import *  # noqa: F403  (the error tree is part of this interface)
from tradesys.venue.errors import __all__ as _error_names
from tradesys.venue.registry import (
    ENTRY_POINT_GROUP,
    VenueParts,
    VenueRegistryError,
    VenueSpec,
    get_venue,
    venue_names,
    venues,
)


class StreamKind(enum.Enum):
    """A kind of public market data a subscriber can deliver."""

    BOOK = "book"      # L2 book: a snapshot, then deltas, only while in sync
    BBO = "bbo"        # best bid and offer, as fast as the venue sends it
    TRADES = "trades"
    MARK = "mark"      # mark / index price and funding


class FeedStatus(enum.Enum):
    """The state of one symbol's book feed, as a strategy must know it."""

    SYNCING = "syncing"            # waiting for the first consistent snapshot: do not quote
    LIVE = "live"                  # in sync; the published book is right
    RESYNCING = "resyncing"        # a gap was seen: the book is wrong until the next snapshot
    STALE = "stale"                # no update for longer than the staleness limit
    DISCONNECTED = "disconnected"  # the socket is down; reconnecting


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """A new order as the venue-neutral caller states it. ``price`` and ``quantity`` are exact and
    must already sit on the instrument's tick and lot (``round_to_filters`` in each venue)."""

    symbol: str
    client_order_id: str
    side: int                      # tradesys.messages.Side
    quantity: Decimal
    type: int = OrderType.ORDER_TYPE_LIMIT
    price: Decimal | None = None   # required for limit orders
    time_in_force: int = TimeInForce.TIME_IN_FORCE_GTC
    reduce_only: bool = False


@dataclass(frozen=True, slots=True)
class ModifySpec:
    """A change of a resting limit order; both values are the order's new state (unchanged ones repeated)."""

    symbol: str
    client_order_id: str
    side: int
    price: Decimal
    quantity: Decimal


class MarketDataHandler(Protocol):
    """Where a subscriber delivers; each call carries (venue_ts, recv_ts) in ns."""

    def on_book(self, message: BookSnapshot | LevelsDelta, venue_ts: int, recv_ts: int) -> None:
        """A snapshot (first, and after every resync) or a delta that follows the previous message."""

    def on_bbo(self, bbo: Bbo, venue_ts: int, recv_ts: int) -> None: ...

    def on_trade(self, trade: Trade, venue_ts: int, recv_ts: int) -> None: ...

    def on_mark(self, mark: MarkPrice, venue_ts: int, recv_ts: int) -> None: ...

    def on_status(self, symbol: str, status: FeedStatus, reason: str) -> None:
        """The book feed of ``symbol`` changed state; anything but LIVE means: stop quoting on it."""

    def on_raw(self, connection: str, stream: str, text: str, recv_ts: int) -> None:
        """Every frame of the subscriber's connections as it arrived, before it is parsed (``ws.RawTap``):
        a subscriber hands its sessions this when the handler has it."""


class AccountHandler(Protocol):
    """Where a PMS delivers the private stream, translated; each call carries (venue_ts, recv_ts) in ns."""

    def on_order_event(self, event: OrderEvent, venue_ts: int, recv_ts: int) -> None: ...

    def on_fill(self, fill: Fill, venue_ts: int, recv_ts: int) -> None: ...

    def on_position(self, position: Position, venue_ts: int, recv_ts: int) -> None: ...

    def on_balance(self, balance: Balance, venue_ts: int, recv_ts: int) -> None: ...

    def on_funding(self, symbol: str, balance: Balance, venue_ts: int, recv_ts: int) -> None:
        """The venue settled funding on ``symbol``; ``balance`` is the settle asset's wallet right after it
        (the amount is its change; ``on_balance`` follows with the same balance)."""

    def on_status(self, connected: bool, reason: str) -> None:
        """The private stream went down (events may be missed: reconcile) or came back."""


class IExchangeSubscriber(ABC):
    """Public market data of one venue: books kept in sync, BBO, trades, marks."""

    venue: str

    @abstractmethod
    async def start(self, handler: MarketDataHandler) -> None:
        """Connect; deliver to ``handler`` from now on. Raises ConnectivityError if the venue is unreachable
        (later drops are retried inside and reported through ``on_status``)."""

    @abstractmethod
    async def subscribe(self, symbols: Sequence[str], kinds: Collection[StreamKind]) -> None:
        """Start these streams (idempotent). Books start SYNCING and become LIVE after a consistent snapshot.
        Raises UnknownSymbol for a symbol the venue does not list."""

    @abstractmethod
    async def stop(self) -> None:
        """Close every connection and task."""

    @abstractmethod
    def status(self, symbol: str) -> FeedStatus:
        """The book feed's state of ``symbol`` (SYNCING before the first snapshot)."""

    @abstractmethod
    def book(self, symbol: str) -> L2Book | None:
        """The book of ``symbol`` as the published messages built it, while LIVE; None otherwise.
        Read-only for the caller: the subscriber updates it in place."""

    @property
    @abstractmethod
    def counters(self) -> dict[str, int]:
        """Monotonic counts: messages, resyncs, reconnects, malformed, ... (names are the venue's choice)."""


class IExchangeOMS(ABC):
    """Order entry on one account of one venue. Every call is at most once: nothing is retried inside
    once it may have reached the venue (``ExecutionUnknown`` says so)."""

    venue: str

    @abstractmethod
    async def start(self) -> None:
        """Authenticate, sync the clock, load instruments, arm cancel-on-disconnect where configured."""

    @abstractmethod
    async def stop(self) -> None:
        """Stop keep-alives and close connections (open orders stay; cancelling them is the caller's call)."""

    @abstractmethod
    def keep_frames(self, tap) -> None:
        """Hand every frame of its connections, the venue's answers included, to ``tap`` (``ws.RawTap``) as it
        arrives, from ``start`` on: the recorder keeps them (the tap withholds what carries a credential)."""

    @abstractmethod
    async def place(self, order: OrderSpec) -> OrderEvent:
        """Send a new order; return its state as the venue acknowledged it (ACCEPTED, or already
        PARTIALLY_FILLED / FILLED / EXPIRED). Raises VenueRejected, RateLimited, ExecutionUnknown, ..."""

    async def place_batch(self, orders: Sequence[OrderSpec]) -> list[OrderEvent | ExchangeError]:  # noqa: F405
        """Send several orders in as few requests as the venue allows; one result per order, in order.
        This default sends them one by one, for a venue with no batch call."""
        results: list[OrderEvent | ExchangeError] = []  # noqa: F405
        for order in orders:
            try:
                results.append(await self.place(order))
            except ExchangeError as exc:  # noqa: F405
                results.append(exc)
        return results

    @abstractmethod
    async def cancel(self, symbol: str, client_order_id: str) -> OrderEvent:
        """Cancel one order; return its final state. Raises UnknownOrder if it is not open."""

    @abstractmethod
    async def modify(self, change: ModifySpec) -> OrderEvent:
        """Change a resting order's price and/or quantity (the venue's queue-priority rules apply)."""

    @abstractmethod
    async def cancel_all(self, symbol: str) -> None:
        """Cancel every open order of the account on ``symbol``."""

    @abstractmethod
    def round_to_filters(self, symbol: str, side: int, price: Decimal | None,
                         quantity: Decimal) -> tuple[Decimal | None, Decimal]:
        """The price and quantity the venue will accept: price to the tick (buys down, sells up, so a
        quote never becomes more aggressive), quantity down to the lot. The one rounding place."""


class IExchangePMS(ABC):
    """The private stream of one account: order events, fills, positions, balances."""

    venue: str

    @abstractmethod
    async def start(self, handler: AccountHandler) -> None:
        """Open the private stream and deliver to ``handler``; keeps itself alive (keep-alives, re-auth,
        reconnects) until ``stop``. Raises AuthError for credentials the venue refuses."""

    @abstractmethod
    async def stop(self) -> None: ...

    @property
    @abstractmethod
    def counters(self) -> dict[str, int]: ...


class IExchangeDataFetcher(ABC):
    """One-shot queries a restarted service reconciles from. All return our types, exact."""

    venue: str

    @abstractmethod
    def keep_frames(self, tap) -> None:
        """Hand every answer of its connections to ``tap`` (``ws.RawTap``) as it arrives (as the OMS's)."""

    @abstractmethod
    async def server_time_ns(self) -> int:
        """The venue's clock now, in ns."""

    @abstractmethod
    async def instruments(self) -> list[Instrument]:
        """Every tradable instrument with its filters (tick, lot, minimum quantity and notional)."""

    @abstractmethod
    async def book_snapshot(self, symbol: str, depth: int) -> BookSnapshot: ...

    @abstractmethod
    async def open_orders(self, symbol: str | None = None) -> list[OrderEvent]:
        """The account's open orders (all symbols when ``symbol`` is None), as order events."""

    @abstractmethod
    async def order_status(self, symbol: str, client_order_id: str) -> OrderEvent | None:
        """The venue's word on one order of ours, found by its client order id, open or final: an event of its
        state now (filled quantity included). None when the venue does not know it (never placed, or gone from
        what it keeps). How an engine settles a request whose answer was lost."""

    @abstractmethod
    async def positions(self) -> list[Position]:
        """The account's non-zero positions."""

    @abstractmethod
    async def balances(self) -> list[Balance]: ...

    @abstractmethod
    async def recent_fills(self, symbol: str, since_ns: int = 0) -> list[Fill]:
        """Every fill of the account on ``symbol`` since ``since_ns`` (as far back as the venue keeps them),
        oldest first, each with its client order id: history is read page after page, never one page."""

    async def close(self) -> None:
        """Release connections (a fetcher may hold an HTTP session)."""


__all__ = [
    "AccountHandler", "ENTRY_POINT_GROUP", "FeedStatus", "IExchangeDataFetcher", "IExchangeOMS", "IExchangePMS",
    "IExchangeSubscriber", "MarketDataHandler", "ModifySpec", "OrderSpec", "Side", "StreamKind",
    "VenueParts", "VenueRegistryError", "VenueSpec", "get_venue", "venue_names", "venues", *_error_names,
]
