"""Book levels printed as JSON string pairs (``[["64999.70","4.806"], ...]``) read as scaled integers in bulk.

The market server's hot path: a depth frame carries 10 to 20 such levels a side, and reading them one string
at a time (a Python ``int`` per number, after checking its digits) costs more than everything else the server
does with the frame. Here both sides are read with a constant number of C calls, whatever the level count:

1. one regular expression checks the bytes are exactly the form this symbol is printed in: each price with
   its scale's decimals and then the venue's padding zeros (Binance prints BTCUSDT's 0.10 tick with two
   decimals, the second always ``0``), each size likewise, at most 15 digits before the padding;
2. three byte replacements give each number its scale as an exponent (``"64999.70"`` at scale 1 becomes
   ``64999.70e1``, ``"0.050"`` at scale 3 ``0.050e3``) and flatten each side's pairs to one array, and a
   translation drops the quotes;
3. msgspec decodes the two arrays in C, each number to an int: it takes a number with a fraction or an
   exponent when its value is whole and refuses it otherwise.

What the form checked is what makes step 3 exact: every number's value at its scale is a whole number of at
most 15 digits, which a double holds exactly. The padding is learned from the first level (venues print every
level of a symbol alike) and learned again if the print changes. Anything else (another form, a negative or
empty number, a malformed array) takes the exact path, string by string, with its precise errors
(``PrecisionError``, ``ProtocolError``).
"""

from __future__ import annotations

import re

import msgspec

from tradesys.numeric import parse_scaled_many
from tradesys.venue.errors import ProtocolError

MAX_DIGITS = 15          # a number's digits the fast form admits: far inside an int64 mantissa
_FIRST_LEVEL = re.compile(rb'\["[0-9]+(?:\.([0-9]+))?","[0-9]+(?:\.([0-9]+))?"\]')
# Not strict: a JSON number with a fraction or an exponent is taken as an int when it is a whole one, and
# refused otherwise. The form bounds a number to MAX_DIGITS digits, so its double is exactly that whole number.
_SIDES = msgspec.json.Decoder(tuple[list[list[int]], list[list[int]]], strict=False)
_PAIRS = msgspec.json.Decoder(list[tuple[str, str]])


def _number(scale: int, zeros: int) -> bytes:
    """A number's pattern: whole digits, then ``scale`` decimals and ``zeros`` padding (none at scale 0)."""
    if scale == 0:
        return rb"[0-9]{1,%d}+" % MAX_DIGITS
    # Spelled out, digit by digit: Python's re matches "[0-9][0-9]0" faster than "[0-9]{2}0{1}".
    return rb"[0-9]{1,%d}+\." % (MAX_DIGITS - scale) + rb"[0-9]" * scale + b"0" * zeros


class _Form:
    """One print of a symbol's levels: each number with its scale's decimals then ``zeros`` padding zeros."""

    __slots__ = ("match", "steps")

    def __init__(self, price_scale: int, size_scale: int, price_zeros: int, size_zeros: int):
        level = rb'\["' + _number(price_scale, price_zeros) + rb'","' + _number(size_scale, size_zeros) + rb'"\]'
        side = rb"\[(?:(?:" + level + rb",)*+" + level + rb")?\]"
        self.match = re.compile(rb"\[" + side + rb"," + side + rb"\]").fullmatch
        # Each number gets its scale as an exponent ("64999.70" at scale 1 is 64999.70e1, the integer 649997),
        # and each side's pairs become one array: a price ends before '","' (the only place it occurs),
        # a size before '"],["' (the next level) or '"]]' (the side's end).
        price_exp, size_exp = (b"e%d" % scale if scale else b"" for scale in (price_scale, size_scale))
        self.steps = ((b'","', price_exp + b'","'), (b'"],["', size_exp + b'","'), (b'"]]', size_exp + b'"]]'))


class LevelReader:
    """One symbol's level arrays at its price and size scales. The fast path reads numbers with at least
    their scale's decimals (scale 0: whole numbers, no dot); a negative scale is read exactly."""

    __slots__ = ("price_scale", "size_scale", "_form", "_forms", "fast", "exact")

    def __init__(self, price_scale: int, size_scale: int):
        self.price_scale, self.size_scale = price_scale, size_scale
        self._form: _Form | None = None                       # the form the last frame was in
        self._forms: dict[tuple[int, int], _Form] = {}         # by padding zeros (price, size)
        self.fast = self.exact = 0          # frames read each way

    def read(self, bids, asks) -> tuple[list[int], list[int], list[int], list[int]]:
        """Bid prices, bid sizes, ask prices, ask sizes as mantissas, from the raw JSON arrays (bytes or
        ``msgspec.Raw``) of the two sides. Raises PrecisionError or ProtocolError on what cannot be read
        exactly."""
        body = b"".join((b"[", bids, b",", asks, b"]"))
        form = self._form
        if form is None or form.match(body) is None:
            if body == b"[[],[]]":
                self.fast += 1
                return [], [], [], []
            form = self._learn(body)
        if form is not None:
            for old, new in form.steps:
                body = body.replace(old, new)
            try:
                sides = _SIDES.decode(body.translate(None, b'"'))
            except msgspec.DecodeError:      # a number JSON refuses ("007"): read exactly below
                pass
            else:
                self.fast += 1
                bid, ask = (side[0] if side else side for side in sides)
                return bid[0::2], bid[1::2], ask[0::2], ask[1::2]
        self.exact += 1
        return (*self._exactly(bids), *self._exactly(asks))

    def _learn(self, body: bytes) -> _Form | None:
        """The form of ``body``'s first level, if it is a form the fast path reads and ``body`` is in it."""
        first = _FIRST_LEVEL.search(body)
        if first is None:
            return None
        zeros = []
        for decimals, scale in ((first[1], self.price_scale), (first[2], self.size_scale)):
            if decimals is None:
                decimals = b""
            if scale < 0 or len(decimals) < scale or (scale == 0 and decimals):
                return None
            zeros.append(len(decimals) - scale)
        price_zeros, size_zeros = zeros
        form = self._forms.get((price_zeros, size_zeros))
        if form is None:
            form = self._forms[(price_zeros, size_zeros)] = _Form(self.price_scale, self.size_scale, price_zeros,
                                                                   size_zeros)
        if form.match(body) is None:
            return None
        self._form = form
        return form

    def _exactly(self, raw) -> tuple[list[int], list[int]]:
        try:
            levels = _PAIRS.decode(raw)
        except msgspec.DecodeError as exc:
            raise ProtocolError(f"book levels are not [price, size] string pairs: {exc}") from None
        if not levels:
            return [], []
        prices, sizes = zip(*levels)
        return parse_scaled_many(prices, self.price_scale), parse_scaled_many(sizes, self.size_scale)
