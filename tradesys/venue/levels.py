"""Book levels printed as JSON text read as scaled integers in bulk: the market server's hot path.

A depth frame carries 10 to 20 levels a side; reading them one string at a time (a Python ``int`` per
number, after checking its digits) costs more than everything else the server does with the frame. The
compiled scanner (``_levelscan.c`` beside this file, built when the project is installed) reads a whole side
from the frame's bytes to integer mantissas in one call, for the three prints the venues use:

- ``string_pairs``: ``[["64999.70","4.806"], ...]`` (Binance), any number of decimals as long as those past
  the scale are zeros (BTCUSDT prints its 0.10 tick with two decimals);
- ``action_triples``: ``[["new",65000.5,1200.0], ...]`` (Deribit), JSON numbers in their shortest form;
- ``price_size_objects``: ``[{"price":"65038.01","size":"3456.78","num_orders":12}, ...]`` (GRVT).

The scanner reads only a narrow form (plain digits, no whitespace, signs, exponents or escapes, mantissas
below 2**53) exactly, in integer arithmetic, and declines everything else. What it declines, the exact path
reads string by string and raises its precise error (``PrecisionError``, ``ProtocolError``) for: both paths
give the same integers wherever both read. ``fast`` and ``exact`` count the frames each path read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec

from tradesys.numeric import parse_scaled_many
from tradesys.venue.errors import ProtocolError

log = logging.getLogger(__name__)

try:
    from tradesys.venue import _levelscan
except ImportError:          # a checkout whose extension was not built: correct, only slower
    _levelscan = None
    log.warning("tradesys.venue._levelscan is not built (pip install -e . builds it): book levels are read "
                "string by string, about twice as slow")

Sides = tuple[list[int], list[int], list[int], list[int]]
# reads one side's raw JSON array exactly at (price scale, size scale), raising on what it cannot read
ExactSide = Callable[[bytes, int, int], tuple[list[int], list[int]]]

_PAIRS = msgspec.json.Decoder(list[tuple[str, str]])


def scanner(name: str) -> Callable | None:
    """The compiled scanner of that print, or None when the extension is not built."""
    return getattr(_levelscan, name) if _levelscan is not None else None


class ScannedLevels:
    """One instrument's level arrays at its price and size scales: the compiled scanner for ``print_``'s
    form, the caller's exact path for the rest."""

    __slots__ = ("price_scale", "size_scale", "_scan", "fast", "exact")

    def __init__(self, price_scale: int, size_scale: int, print_: str):
        self.price_scale, self.size_scale = price_scale, size_scale
        self._scan = scanner(print_)
        self.fast = self.exact = 0          # frames read each way

    def read(self, bids, asks, exactly: ExactSide) -> Sides:
        """Bid prices, bid sizes, ask prices, ask sizes as mantissas, from the raw JSON arrays (bytes or
        ``msgspec.Raw``) of the two sides; ``exactly(raw, price_scale, size_scale)`` reads a side the scanner
        declines, with its errors."""
        if self._scan is not None:
            sides = self._scan(bids, asks, self.price_scale, self.size_scale)
            if sides is not None:
                self.fast += 1
                return sides
        self.exact += 1
        return (*exactly(bids, self.price_scale, self.size_scale), *exactly(asks, self.price_scale, self.size_scale))


def exact_string_pairs(raw, price_scale: int, size_scale: int) -> tuple[list[int], list[int]]:
    """One side of ``[["price","size"], ...]`` string by string (PrecisionError, ProtocolError)."""
    try:
        levels = _PAIRS.decode(raw)
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"book levels are not [price, size] string pairs: {exc}") from None
    if not levels:
        return [], []
    prices, sizes = zip(*levels)
    return parse_scaled_many(prices, price_scale), parse_scaled_many(sizes, size_scale)


class LevelReader(ScannedLevels):
    """One symbol's ``[["price","size"], ...]`` level arrays (Binance) at its price and size scales."""

    __slots__ = ()

    def __init__(self, price_scale: int, size_scale: int):
        super().__init__(price_scale, size_scale, "string_pairs")

    def read(self, bids, asks, exactly: ExactSide = exact_string_pairs) -> Sides:
        return ScannedLevels.read(self, bids, asks, exactly)
