"""A backtest's instruments: its venue's, as that venue's simulator lists them (filters and fees), as the
simulated exchange's ``SimInstrument`` and as the ``Instrument`` messages a live engine gives strategies."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from tradesys.messages import Instrument, InstrumentKind
from tradesys.numeric import set_decimal
from tradesys.sim.instruments import SimInstrument
from tradesys.venue.registry import get_simulator


class InstrumentError(ValueError):
    pass


def venue_instruments(venue: str, symbols: list[str], maker_fee: float | None = None,
                      taker_fee: float | None = None) -> dict[str, tuple[SimInstrument, Instrument]]:
    """symbol -> (SimInstrument, Instrument) for ``symbols`` of ``venue``, with the fees overridden when given."""
    catalog = get_simulator(venue).catalog
    out = {}
    for symbol in symbols:
        entry = catalog.get(symbol)
        if entry is None:
            raise InstrumentError(f"{venue} has no instrument {symbol} to backtest on (its simulator lists "
                                  f"{', '.join(catalog)})")
        sim = entry.instrument
        if maker_fee is not None:
            sim = dataclasses.replace(sim, maker_fee=Decimal(str(maker_fee)))
        if taker_fee is not None:
            sim = dataclasses.replace(sim, taker_fee=Decimal(str(taker_fee)))
        out[symbol] = sim, as_message(venue, sim, getattr(entry, "contract_size", Decimal(1)))
    return out


def as_message(venue: str, sim: SimInstrument, contract_size: Decimal) -> Instrument:
    """The ``Instrument`` the venue's connector reads from its instrument list (tests/unit/test_backtest_venue.py
    compares the two for every simulated symbol)."""
    out = Instrument(venue=venue, symbol=sim.symbol, kind=InstrumentKind.INSTRUMENT_KIND_PERPETUAL, base=sim.base,
                     quote=sim.quote, settle=sim.settle or sim.quote, inverse=sim.inverse,
                     price_scale=sim.price_scale, size_scale=sim.qty_scale, trading=True)
    set_decimal(out.tick_size, sim.price(sim.tick).normalize())
    set_decimal(out.lot_size, sim.qty(sim.step).normalize())
    set_decimal(out.min_quantity, sim.qty(sim.min_qty).normalize())
    set_decimal(out.min_notional, sim.min_notional.normalize())
    set_decimal(out.contract_size, contract_size.normalize())
    return out
