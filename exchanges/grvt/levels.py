"""GRVT's book levels read as scaled integers in bulk: the market server's hot path.

A side is ``[{"price":"65038.01","size":"3456.78","num_orders":123}, ...]``: decimal strings, as many
decimals as the value needs, the fields in that order. The compiled scanner (``tradesys/venue/levels.py``,
print ``price_size_objects``) reads that form exactly; what it declines (another field order, a digit past the
scale, a mantissa of 2**53 or more) goes to the string-by-string path (``parse._exact_side``), with its errors.
"""

from __future__ import annotations

from tradesys.venue.levels import ScannedLevels


class GrvtLevels(ScannedLevels):
    """One instrument's level arrays at its price and size scales."""

    __slots__ = ()

    def __init__(self, price_scale: int, size_scale: int):
        super().__init__(price_scale, size_scale, "price_size_objects")
