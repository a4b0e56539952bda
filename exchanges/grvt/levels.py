"""GRVT's book levels read as scaled integers in bulk: the market server's hot path.

A side is ``[{"price":"65038.01","size":"3456.78","num_orders":123}, ...]``: decimal strings, as many
decimals as the value needs. Reading each level in Python (a string to a mantissa, checked) costs most of the
frame; here both sides take a constant number of C calls, as Binance's string pairs do
(``tradesys/venue/levels.py``):

1. one regular expression checks both sides: each level exactly ``price``, ``size`` and ``num_orders`` in
   that order (as the venue prints them), each number plain digits with at most its scale's decimals, 15
   digits at most;
2. three byte replacements drop the names and give each number its scale as an exponent (``65038.01e2``),
   and a translation drops the braces: each side one array of price, size, orders, price, ...;
3. msgspec decodes both arrays, each number to an int when its value is whole at its scale (refused
   otherwise: a digit past the tick), and the values are checked to be below 2**53.

Fifteen digits is what a double holds exactly, and a whole value below 2**53 is exactly that integer:
nothing is rounded. Anything else takes the exact path
(``parse._exact_side``), string by string, with its errors.
"""

from __future__ import annotations

import re

import msgspec

_LAX_SIDES = msgspec.json.Decoder(tuple[list[int], list[int]], strict=False)
MAX_DIGITS = 15
EXACT_BELOW = 2 ** 53
_FORMS: dict[tuple[int, int], object] = {}


def _number(scale: int) -> bytes:
    """At most ``scale`` decimals, and as many whole digits as keep the number to MAX_DIGITS digits."""
    decimals = min(scale, MAX_DIGITS - 1)
    number = rb"[0-9]{1,%d}+" % (MAX_DIGITS - decimals)
    return number + (rb"(?:\.[0-9]{1,%d}+)?" % decimals if decimals else b"")


def _form(price_scale: int, size_scale: int):
    form = _FORMS.get((price_scale, size_scale))
    if form is None:
        level = (rb'\{"price":"' + _number(price_scale) + rb'","size":"' + _number(size_scale)
                 + rb'","num_orders":[0-9]{1,15}+\}')
        side = rb"\[(?:(?:" + level + rb",)*+" + level + rb")?\]"
        form = _FORMS[(price_scale, size_scale)] = re.compile(rb"\[" + side + b"," + side + rb"\]").fullmatch
    return form


class GrvtLevels:
    """One instrument's level arrays at its price and size scales."""

    __slots__ = ("price_scale", "size_scale", "_form", "_steps", "fast", "exact")

    def __init__(self, price_scale: int, size_scale: int):
        self.price_scale, self.size_scale = price_scale, size_scale
        self.fast = self.exact = 0          # frames read each way
        self._form = _form(price_scale, size_scale) if price_scale >= 0 and size_scale >= 0 else None
        self._steps = ((b'{"price":"', b""), (b'","size":"', b"e%d," % price_scale),
                       (b'","num_orders":', b"e%d," % size_scale))

    def read(self, bids, asks, exactly) -> tuple[list[int], list[int], list[int], list[int]]:
        """Bid prices, bid sizes, ask prices, ask sizes as mantissas, from the raw JSON arrays (bytes or
        ``msgspec.Raw``); ``exactly(raw, price_scale, size_scale)`` reads one side string by string when the
        fast form does not hold."""
        body = b"".join((b"[", bids, b",", asks, b"]"))
        if self._form is not None and self._form(body) is not None:
            for old, new in self._steps:
                body = body.replace(old, new)
            try:
                bid, ask = _LAX_SIDES.decode(body.translate(None, b"}"))
            except msgspec.DecodeError:      # a digit past the scale: the exact path says which
                pass
            else:
                if (not bid or max(bid) < EXACT_BELOW) and (not ask or max(ask) < EXACT_BELOW):
                    self.fast += 1
                    return bid[0::3], bid[1::3], ask[0::3], ask[1::3]
        self.exact += 1
        return (*exactly(bids, self.price_scale, self.size_scale), *exactly(asks, self.price_scale, self.size_scale))
