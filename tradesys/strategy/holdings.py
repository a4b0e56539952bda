"""What a strategy holds: its own ledger per symbol, built from its fills (each booked once, by key), the
fills its orders' events reported before their fill messages came (``booked.py``), and the position
server's view of its sub-ledger."""

from __future__ import annotations

from decimal import Decimal

from tradesys.messages import Fill, Instrument, Position
from tradesys.numeric import get_decimal
from tradesys.positions import FillKeys, Ledger
from tradesys.strategy.booked import BookedFills
from tradesys.strategy.oms import Order

KEEP_FILLS = 50_000


class Holdings:
    def __init__(self, strategy_id: str, symbols: tuple[str, ...]):
        self.strategy_id = strategy_id
        self.ledgers: dict[str, Ledger] = {s: Ledger(strategy_id, s) for s in symbols}
        self.venue_positions: dict[str, Position] = {}
        self.instruments: dict[str, Instrument] = {}
        self.fill_keys = FillKeys(KEEP_FILLS)
        self.booked = BookedFills(KEEP_FILLS)  # per order: its fills booked beside its events' filled
        self.count = {"fills": 0, "duplicate_fills": 0, "positions": 0}

    def set_instruments(self, instruments: dict[str, Instrument]) -> None:
        """The contracts are known: each ledger takes its contract's rule (inverse: USD quantities, PnL in
        the coin). Called before any fill is booked."""
        self.instruments = instruments
        self.ledgers = {s: Ledger(self.strategy_id, s, inverse=instruments[s].inverse) for s in self.ledgers}

    def recover(self, state: dict) -> None:
        """The position server's record of this strategy (after a restart): ledgers and the fills booked."""
        for symbol, fields in state["ledgers"].items():
            self.ledgers[symbol] = Ledger(**fields)
        for key in state["fill_keys"]:
            self.fill_keys.add(key)

    def adopted(self, order: Order) -> None:
        """An order found open at start: its fills so far are in the recovered ledger."""
        self.booked.recovered(order.client_order_id, order.filled)

    def order_moved(self, order: Order) -> None:
        """An order event changed ``order``: what it reports filled counts in the position at once."""
        self.booked.update(order)

    def on_fill(self, fill: Fill, order: Order | None) -> bool:
        """Book ``fill`` (``order``: the Mini OMS's, None for one it does not know); False if already booked."""
        if not self.fill_keys.first(fill):
            self.count["duplicate_fills"] += 1
            return False
        ledger = self.ledgers.get(fill.symbol)
        if ledger is None:
            instrument = self.instruments.get(fill.symbol)
            ledger = self.ledgers[fill.symbol] = Ledger(self.strategy_id, fill.symbol,
                                                        inverse=instrument is not None and instrument.inverse)
        ledger.apply_fill(fill.side, get_decimal(fill.price), get_decimal(fill.quantity), get_decimal(fill.fee))
        self.booked.fill(fill.client_order_id, get_decimal(fill.quantity), order)
        self.count["fills"] += 1
        return True

    def on_position(self, message: Position) -> bool:
        """The position server's view of this strategy's sub-ledger; False for another strategy's."""
        if message.strategy_id != self.strategy_id:
            return False
        self.count["positions"] += 1
        self.venue_positions[message.symbol] = message
        ledger = self.ledgers.get(message.symbol)
        if ledger is not None and message.HasField("funding"):
            ledger.funding = get_decimal(message.funding)   # funding is booked by the position server
        return True

    def position(self, symbol: str) -> Decimal:
        """The ledger's position, plus what the venue reported filled that no fill has booked yet."""
        ledger = self.ledgers.get(symbol)
        return (ledger.quantity if ledger is not None else Decimal(0)) + self.booked.in_flight(symbol)

    def symbols(self) -> list[str]:
        """Every symbol with a ledger or a fill in flight, sorted."""
        return sorted(set(self.ledgers) | self.booked.symbols())

    def unbooked(self) -> list[str]:
        """Orders whose events reported fills not booked yet."""
        return self.booked.unbooked()

    def fills(self) -> int:
        return sum(ledger.fills for ledger in self.ledgers.values())

    def volume(self) -> Decimal:
        return sum((ledger.volume for ledger in self.ledgers.values()), Decimal(0))
