"""Deribit's book levels read as scaled integers in bulk: the market server's hot path.

A side is ``[["new", 65000.5, 1200.0], ["delete", 64999.0, 0.0], ...]``: an action, then the price and the
amount as JSON numbers, printed as floats print (the shortest form: ``65000.5``, ``1200.0``, ``0.0015``).
Reading each level in Python (a float times the scale, rounded, checked against the grid) costs most of the
frame; here both sides take a constant number of C calls, as Binance's string pairs do
(``tradesys/venue/levels.py``):

1. one regular expression checks both sides: each action one of ``new``, ``change`` or ``delete`` (whose
   amount is zero), each number digits and dots;
2. a translation leaves of each action its quotes, as the number 11, and byte replacements give each number
   its scale as an exponent (``65000.5e1``) and flatten each side to one array;
3. msgspec decodes both arrays, each number to an int when its value is whole, and refuses what is not a
   number (``6.5.0e1``) or not whole (a price off the grid).

The venue sends floats: the level-by-level path (``parse._levels``) reads the double and takes it onto the
grid when it is within 1e-6 of it. msgspec reads the scaled decimal (``65000.5e1``) to its nearest double and
takes it when it is whole: the same mantissa whenever it takes one, and what it refuses (a value off the
grid by float noise, ``64999.70000000001``) goes to that path, level by level, with its errors, as does
anything the form does not hold (an exponent, an unknown action, a delete with an amount).
"""

from __future__ import annotations

import re

import msgspec

_LAX_SIDES = msgspec.json.Decoder(tuple[list[list[int]], list[list[int]]], strict=False)
_ACTIONS = b"acdeghlntw"                         # the letters of new, change and delete
_QUOTES_TO_ONES = bytes.maketrans(b'"', b"1")    # an action's quotes, all that is left of it: the number 11
_SEPARATORS = bytes.maketrans(b";", b",")


class DeribitLevels:
    """One instrument's level arrays at its price and size scales."""

    __slots__ = ("price_scale", "size_scale", "_match", "_steps", "fast", "exact")

    def __init__(self, price_scale: int, size_scale: int):
        self.price_scale, self.size_scale = price_scale, size_scale
        self.fast = self.exact = 0          # frames read each way
        level = rb'(?:\["(?:new|change)",[0-9.]++,[0-9.]++\]|\["delete",[0-9.]++,0(?:\.0)?\])'
        side = rb"\[(?:(?:" + level + rb",)*+" + level + rb")?\]"
        # The sides joined by ';' and closed by '|]': no other ']]' than a side's last level's (an empty side
        # is '[]'), and the separators put back after.
        self._match = re.compile(rb"\[" + side + b";" + side + rb"\|\]").fullmatch
        price_exp, size_exp = b"e%d" % price_scale, b"e%d" % size_scale
        # Once an action is the number 11 ('[11,65000.5,1200.0]'): each ',' ends a price (or the 11, which is
        # not read), except between levels (']<price_exp>,[' after the first step), where an amount ends; a
        # side's last amount ends at ']]'. Each side becomes one array: 11, price, amount, 11, ...
        self._steps = ((b",", price_exp + b","), (b"]" + price_exp + b",[", size_exp + b","),
                       (b"]]", size_exp + b"]]"))

    def read(self, bids, asks, exactly) -> tuple[list[int], list[int], list[int], list[int]]:
        """Bid prices, bid sizes, ask prices, ask sizes as mantissas, from the raw JSON arrays (bytes or
        ``msgspec.Raw``); ``exactly(raw, price_scale, size_scale)`` reads one side level by level when the
        fast form does not hold."""
        if self.price_scale >= 0 and self.size_scale >= 0:
            body = b"".join((b"[", bids, b";", asks, b"|]"))
            if self._match(body) is not None:
                body = body.translate(_QUOTES_TO_ONES, _ACTIONS)
                for old, new in self._steps:
                    body = body.replace(old, new)
                try:
                    sides = _LAX_SIDES.decode(body.translate(_SEPARATORS, b"|"))
                except msgspec.DecodeError:      # a value off the grid: the exact path says so
                    pass
                else:
                    self.fast += 1
                    bid, ask = sides
                    bid, ask = bid[0] if bid else bid, ask[0] if ask else ask
                    return bid[1::3], bid[2::3], ask[1::3], ask[2::3]
        self.exact += 1
        return (*exactly(bids, self.price_scale, self.size_scale), *exactly(asks, self.price_scale, self.size_scale))
