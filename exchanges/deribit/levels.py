"""Deribit's book levels read as scaled integers in bulk: the market server's hot path.

A side is ``[["new", 65000.5, 1200.0], ["delete", 64999.0, 0.0], ...]``: an action, then the price and the
amount as JSON numbers, printed as floats print (the shortest form: ``65000.5``, ``1200.0``, ``0.0015``).
The compiled scanner (``tradesys/venue/levels.py``, print ``action_triples``) reads that form exactly, each
number's decimal text at the instrument's scale, a delete's amount as 0. What it declines (an exponent, float
noise such as ``64999.70000000001``, an unknown action) goes to the level-by-level path (``parse._levels``),
which reads the double and takes it onto the grid when it is within 1e-6 of it, or says why not.
"""

from __future__ import annotations

from tradesys.venue.levels import ScannedLevels


class DeribitLevels(ScannedLevels):
    """One instrument's level arrays at its price and size scales."""

    __slots__ = ()

    def __init__(self, price_scale: int, size_scale: int):
        super().__init__(price_scale, size_scale, "action_triples")
