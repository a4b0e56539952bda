"""A live synthetic market: seeded order flow that moves the book and fills resting quotes.

Per symbol, a mid price follows a geometric random walk; a liquidity-provider
account keeps a ladder of limit orders around it (re-quoting as the mid
moves), and a flow account sends market orders at a Poisson rate. All of it
goes through ``SimExchange`` like any client's orders, so a market maker's
resting quotes are filled by the same flow, at the same prices, in the same
queue. The mark price follows the mid; funding is charged every
``funding_interval_s``.

Deterministic: driven by ``step(now_ns)`` with the time passed in; the same
seed and the same step times give the same market.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import zlib
from dataclasses import dataclass, replace
from decimal import Decimal

from tradesys.sim.errors import SimReject
from tradesys.sim.exchange import SimExchange
from tradesys.sim.orders import OrderType, Side, StpMode

log = logging.getLogger(__name__)
LP_ACCOUNT = "sim-liquidity"
FLOW_ACCOUNT = "sim-flow"
_HUGE = "1000000000000"


@dataclass(frozen=True)
class MarketSettings:
    start_price: Decimal
    volatility: float = 0.0001          # of log-returns per sqrt(second): ~56 % a year, BTC-like
    levels: int = 20                    # ladder depth on each side
    half_spread_ticks: int = 1          # best bid/ask distance from the mid, in ticks
    level_gap_ticks: int = 1
    level_lots: tuple[int, int] = (5, 50)         # ladder order size, in steps (min lots), uniform
    market_orders_per_second: float = 2.0
    market_order_lots: tuple[int, int] = (1, 20)  # market order size, in steps
    funding_rate: Decimal = Decimal("0.0001")
    funding_interval_s: float = 8 * 3600.0


def select_entries(catalog: dict, symbols, funding_interval_s: float | None) -> dict:
    """A simulator's catalog entries (each with a ``market``: MarketSettings) for ``symbols``, funding every
    ``funding_interval_s`` when given (a venue's 8 h is too long to watch in a test or a demo). ValueError
    names an unknown symbol or a bad interval."""
    unknown = [s for s in symbols if s not in catalog]
    if unknown:
        raise ValueError(f"unknown symbols {unknown}; the simulator has {', '.join(catalog)}")
    chosen = {s: catalog[s] for s in symbols}
    if funding_interval_s is not None:
        if funding_interval_s <= 0:
            raise ValueError(f"funding_interval_s must be positive, got {funding_interval_s}")
        chosen = {s: replace(e, market=replace(e.market, funding_interval_s=funding_interval_s))
                  for s, e in chosen.items()}
    return chosen


class _SymbolState:
    def __init__(self, mid: float, rng: random.Random):
        self.mid = mid                   # in price mantissa units (float: only the walk uses it)
        self.rng = rng
        self.quotes: dict[tuple[Side, int], int] = {}   # (side, price) -> the LP's order id
        self.last_ns = 0
        self.next_funding_ns = 0


class SyntheticMarket:
    def __init__(self, exchange: SimExchange, settings: dict[str, MarketSettings], seed: int = 0):
        self.exchange = exchange
        self.settings = settings
        self.seed = seed
        self._state: dict[str, _SymbolState] = {}
        self.market_orders = 0

    def start(self, now_ns: int) -> None:
        """Create the flow accounts and the first ladders."""
        for account in (LP_ACCOUNT, FLOW_ACCOUNT):
            if account not in self.exchange.accounts:
                self.exchange.add_account(account, {i.settle: _HUGE for i in self.exchange.instruments.values()},
                                          leverage=125, house=True)
        for symbol, settings in self.settings.items():
            instrument = self.exchange.instrument(symbol)
            # A stable per-symbol seed: Python's hash() of a str changes from process to process.
            rng = random.Random(self.seed * 1_000_003 + zlib.crc32(symbol.encode()))
            state = self._state[symbol] = _SymbolState(float(instrument.price_of(settings.start_price)), rng)
            state.last_ns = now_ns
            state.next_funding_ns = now_ns + int(settings.funding_interval_s * 1e9)
            self._mark(symbol, state)
            self._requote(symbol, state, settings, now_ns)

    def step(self, now_ns: int) -> None:
        """Advance every symbol to ``now_ns``: move the mid, re-quote, send the flow, charge funding."""
        for symbol, state in self._state.items():
            settings = self.settings[symbol]
            dt = max(0.0, (now_ns - state.last_ns) / 1e9)
            state.last_ns = now_ns
            if dt > 0:
                state.mid *= math.exp(settings.volatility * math.sqrt(dt) * state.rng.gauss(0.0, 1.0))
            self._mark(symbol, state)
            self._requote(symbol, state, settings, now_ns)
            for _ in range(self._poisson(state.rng, settings.market_orders_per_second * dt)):
                self._market_order(symbol, state, settings)
            if now_ns >= state.next_funding_ns:
                self.exchange.fund(symbol, settings.funding_rate)
                state.next_funding_ns += int(settings.funding_interval_s * 1e9)

    async def run(self, step_seconds: float, clock_ns) -> None:
        """Step every ``step_seconds`` at ``clock_ns()`` until cancelled (a simulator's market task). A failing
        step is logged and the market keeps running."""
        while True:
            await asyncio.sleep(step_seconds)
            try:
                self.step(clock_ns())
            except Exception:
                log.exception("synthetic market step failed")

    def mid(self, symbol: str) -> Decimal:
        instrument = self.exchange.instrument(symbol)
        return instrument.price(round(self._state[symbol].mid))

    def next_funding_ns(self, symbol: str) -> int:
        """When ``symbol``'s next funding is charged (ns); 0 before the market has started."""
        state = self._state.get(symbol)
        return state.next_funding_ns if state is not None else 0

    # -- internals ---------------------------------------------------------------------

    def _mark(self, symbol: str, state: _SymbolState) -> None:
        self.exchange.set_mark(symbol, self.mid(symbol))

    def _ladder(self, symbol: str, state: _SymbolState, settings: MarketSettings) -> set[tuple[Side, int]]:
        instrument = self.exchange.instrument(symbol)
        tick = instrument.tick
        center = round(state.mid / tick) * tick
        wanted = set()
        for k in range(settings.levels):
            offset = (settings.half_spread_ticks + k * settings.level_gap_ticks) * tick
            if center - offset >= instrument.min_price:
                wanted.add((Side.BUY, center - offset))
            if center + offset <= instrument.max_price:
                wanted.add((Side.SELL, center + offset))
        return wanted

    def _requote(self, symbol: str, state: _SymbolState, settings: MarketSettings, now_ns: int) -> None:
        exchange = self.exchange
        instrument = exchange.instrument(symbol)
        resting = {o.order_id for o in exchange.engines[symbol].open_orders(LP_ACCOUNT)}
        # Forget quotes that were filled away.
        state.quotes = {key: oid for key, oid in state.quotes.items() if oid in resting}
        wanted = self._ladder(symbol, state, settings)
        for key in sorted(set(state.quotes) - wanted, key=lambda k: (k[0].value, k[1])):
            exchange.cancel(LP_ACCOUNT, symbol, order_id=state.quotes.pop(key))
        for side, price in sorted(wanted - set(state.quotes), key=lambda k: (k[0].value, k[1])):
            lots = state.rng.randint(*settings.level_lots)
            try:
                order = exchange.place(LP_ACCOUNT, symbol, side, OrderType.LIMIT, lots * instrument.min_qty,
                                       price=price, stp_mode=StpMode.EXPIRE_MAKER)
            except SimReject:
                continue  # e.g. outside the band after a jump: the next step re-quotes
            if not order.status.is_final:
                state.quotes[(side, price)] = order.order_id

    def _market_order(self, symbol: str, state: _SymbolState, settings: MarketSettings) -> None:
        instrument = self.exchange.instrument(symbol)
        side = Side.BUY if state.rng.random() < 0.5 else Side.SELL
        lots = state.rng.randint(*settings.market_order_lots)
        try:
            self.exchange.place(FLOW_ACCOUNT, symbol, side, OrderType.MARKET, lots * instrument.min_qty)
            self.market_orders += 1
        except SimReject:
            pass  # an empty side: the flow simply does not trade this time

    @staticmethod
    def _poisson(rng: random.Random, mean: float) -> int:
        # Knuth's method: fine for the small means of one step.
        if mean <= 0:
            return 0
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= rng.random()
            if p <= limit:
                return k
            k += 1
