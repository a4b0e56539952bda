"""What a strategy is: ``AbstractStrategy`` and the context it trades through.

A strategy is plain Python called from its StrategyActor's event loop. Its
callbacks are synchronous and must return quickly (no I/O, no sleeping):
the actor calls them as market data, order events, fills, positions and
inventory arrive, and ``on_timer`` every ``timer_seconds``. To trade it
calls its context (``self.ctx``): ``place``, ``modify``, ``cancel``,
``cancel_all``. Each of these checks the strategy's pre-trade limits and
its Mini OMS first and raises ``PreTradeRejected`` or ``IntentBusy`` with
the reason; the engine's answer and the venue's lifecycle come back through
``on_order_event``. Numbers are exact ``Decimal``s; ``ctx.round_price``
and ``ctx.round_quantity`` put them on the instrument's grid.

A strategy declares its settings as a dataclass ``Params``: the config's
``strategy.<id>.params`` are checked against it at start (unknown keys and
wrong types stop the start with the key named).
"""

from __future__ import annotations

import dataclasses
import typing
from decimal import Decimal
from typing import ClassVar, Protocol

from tradesys.messages import Fill, Instrument, InventoryDelta, OrderEvent, Position, Trade
from tradesys.strategy.oms import Order
from tradesys.strategy.risk import StrategyLimits
from tradesys.venue.book import L2Book


@dataclasses.dataclass(frozen=True)
class NoParams:
    pass


class StrategyContext(Protocol):
    """What a strategy can ask of its actor (``tradesys.strategy.actor``)."""

    strategy_id: str
    venue: str
    symbols: tuple[str, ...]
    limits: StrategyLimits

    def place(self, symbol: str, side: int, price: Decimal | None, quantity: Decimal, *, intent: str,
              post_only: bool = False, ioc: bool = False, reduce_only: bool = False) -> Order: ...

    def modify(self, client_order_id: str, price: Decimal, quantity: Decimal | None = None) -> Order | None:
        """Amend a live order; on a venue that cannot amend (GRVT) it cancels the order and returns None,
        and the strategy's next quote places a new one."""

    def cancel(self, client_order_id: str) -> Order | None: ...

    def cancel_all(self, symbol: str | None = None) -> None: ...

    def live(self, symbol: str, intent: str) -> Order | None: ...

    def book(self, symbol: str) -> L2Book | None: ...

    def is_live(self, symbol: str) -> bool: ...

    def instrument(self, symbol: str) -> Instrument: ...

    def round_price(self, symbol: str, side: int, price: Decimal) -> Decimal: ...

    def round_quantity(self, symbol: str, quantity: Decimal) -> Decimal: ...

    def position(self, symbol: str) -> Decimal: ...

    @property
    def trading_allowed(self) -> bool: ...

    @property
    def reduce_only(self) -> bool: ...

    def now(self) -> float: ...


class AbstractStrategy:
    """Base of every strategy; override the callbacks it needs (each default does nothing)."""

    Params: ClassVar[type] = NoParams
    timer_seconds: ClassVar[float] = 1.0
    # What ``on_book`` is given: "full", every level, rebuilt from every delta; or "top", the best bid and ask
    # only, from the market server's top-of-book stream (md.<venue>.<symbol>.top, sent when the touch
    # changes): a strategy that only reads the touch then never decodes nor applies a delta.
    book_view: ClassVar[str] = "full"

    def __init__(self, ctx: StrategyContext, params):
        self.ctx = ctx
        self.params = params

    def on_start(self) -> None:
        """Market data and the engine are connected; recovered orders are in the Mini OMS."""

    def on_book(self, symbol: str, book: L2Book) -> None:
        """The book of ``symbol`` changed (it is live: in sync and fresh)."""

    def on_book_status(self, symbol: str, live: bool, reason: str) -> None:
        """The book of ``symbol`` stopped (or started again) being usable; stop quoting on it while not live."""

    def on_trade(self, trade: Trade) -> None:
        """A public trade on a subscribed symbol."""

    def on_order_event(self, order: Order, event: OrderEvent | None) -> None:
        """One of this strategy's orders moved (``order`` is the Mini OMS's state after it); ``event`` is the
        venue's lifecycle event, or None when the engine's reply to a request moved it."""

    def on_fill(self, fill: Fill, order: Order | None) -> None:
        """One of this strategy's orders traded (every venue fill exactly once)."""

    def on_position(self, position: Position) -> None:
        """The position server's view of this strategy's sub-ledger on a symbol."""

    def on_inventory(self, delta: InventoryDelta) -> None:
        """External inventory (e.g. a DeFi LP position) changed by ``delta``."""

    def on_timer(self, now: float) -> None:
        """Every ``timer_seconds``."""

    def on_kill_switch(self, mode: str, reason: str) -> None:
        """The kill switch changed for this strategy (``normal``, ``halt``, ``reduce_only``, ``flatten``)."""

    def on_stop(self) -> None:
        """The actor is stopping; it cancels every open order after this returns."""

    def recovered_intent(self, order: OrderEvent) -> str | None:
        """An open order of this strategy found at start (its actor was restarted): the intent to adopt it
        under, or None to cancel it. The default cancels: nothing is left resting that the strategy does
        not know about, and nothing is doubled."""
        return None


def parse_params(cls: type, raw: dict, where: str):
    """``raw`` as the strategy's Params dataclass; ValueError naming the key for unknown keys or bad values."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in raw:
        if key not in fields:
            raise ValueError(f"{where}.{key}: unknown parameter; {cls.__name__} takes {', '.join(fields) or 'none'}")
    hints = typing.get_type_hints(cls)
    values = {}
    for key, value in raw.items():
        kind = hints[key]
        try:
            if kind is Decimal:
                values[key] = Decimal(str(value))
            elif kind is bool:
                if not isinstance(value, bool):
                    raise TypeError("expected true or false")
                values[key] = value
            else:
                values[key] = kind(value)
        except Exception as exc:
            raise ValueError(f"{where}.{key}: {value!r} is not a {kind.__name__} ({exc})") from None
    return cls(**values)
