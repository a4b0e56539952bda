"""Exact numbers on the bus: Python ``Decimal`` <-> scaled integers.

A value travels as (mantissa, scale) with value = mantissa * 10**-scale, in a
``Decimal`` protobuf message for scalars and as packed int64 arrays with one
scale per message for book levels. The mantissa is a signed 64-bit integer:
that holds 18 significant digits, more than any venue sends (Binance uses
at most 8 decimals; GRVT's 9-decimal fixed point fits too). A value that does
not fit raises ``PrecisionError``; nothing is ever rounded silently here.
Rounding to an instrument's tick or lot happens in the venue connectors, in
exactly one place each.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
# Venues use 0..18 decimals; a scale outside this band is a bug upstream.
SCALE_MIN = -64
SCALE_MAX = 64


class PrecisionError(ValueError):
    """A value cannot be carried exactly: too many digits, out of range, or not finite."""


def to_scaled(value: Decimal | str | int, scale: int | None = None) -> tuple[int, int]:
    """Return (mantissa, scale) with value == mantissa * 10**-scale exactly.

    Without ``scale`` the value's own exponent is kept ("1.10" -> (110, 2)).
    With ``scale`` the value is expressed at that scale, which must not drop a
    non-zero digit ("1.25" at scale 1 raises). Raises PrecisionError when the
    mantissa does not fit in int64 or the value is NaN/infinite.
    """
    dec = value if isinstance(value, Decimal) else _parse(value)
    if not dec.is_finite():
        raise PrecisionError(f"not a finite number: {value!r}")
    sign, digits, exponent = dec.as_tuple()
    mantissa = int("".join(map(str, digits)) or "0")
    if sign:
        mantissa = -mantissa
    own_scale = -exponent
    if scale is None:
        scale = own_scale
    elif scale > own_scale:
        mantissa *= 10 ** (scale - own_scale)
    elif scale < own_scale:
        factor = 10 ** (own_scale - scale)
        if mantissa % factor:
            raise PrecisionError(f"{value} has more than {scale} decimals")
        mantissa //= factor
    if not INT64_MIN <= mantissa <= INT64_MAX:
        raise PrecisionError(f"{value} at scale {scale} does not fit in a signed 64-bit mantissa")
    if not SCALE_MIN <= scale <= SCALE_MAX:
        raise PrecisionError(f"{value}: scale {scale} out of range")
    return mantissa, scale


def from_scaled(mantissa: int, scale: int) -> Decimal:
    """Return the exact Decimal mantissa * 10**-scale, keeping the scale as its exponent."""
    # Built from text, not by arithmetic: exact, whatever the decimal context (and five times faster than from
    # the digit tuple: it runs for every price and size a strategy or an engine reads off the bus).
    return Decimal(f"{mantissa}E{-scale}")


def set_decimal(target, value: Decimal | str | int, scale: int | None = None) -> None:
    """Fill a protobuf ``tradesys.v1.Decimal`` field in place (see ``to_scaled`` for errors)."""
    target.mantissa, target.scale = to_scaled(value, scale)


_DERIVED_PLACES = Decimal("1e-12")


def set_derived(target, value: Decimal | str) -> None:
    """Fill a Decimal field with a value a venue *derives* (an average entry price, a PnL in coins): it may
    carry more digits than an int64 mantissa holds, and it is a description rather than a state, so it is
    rounded to 12 decimals instead of losing the event. Quantities and balances use ``set_decimal``: exact."""
    if not isinstance(value, Decimal):
        value = _parse(value)
    if not value.is_finite():
        raise PrecisionError(f"not a finite number: {value!r}")
    if value.as_tuple().exponent < -12:
        value = value.quantize(_DERIVED_PLACES)
    set_decimal(target, value)


def get_decimal(source) -> Decimal:
    """Read a protobuf ``tradesys.v1.Decimal`` as an exact Decimal."""
    return from_scaled(source.mantissa, source.scale)


def _parse(value: str | int) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        # floats are refused: 0.1 is not exactly one tenth.
        raise PrecisionError(f"expected a Decimal, str or int, got {type(value).__name__}")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise PrecisionError(f"not a decimal number: {value!r}") from None


def parse_scaled(text: str, scale: int) -> int:
    """Return the mantissa of a plain decimal string at ``scale``, without building a Decimal.

    The hot-path twin of ``to_scaled`` for venue strings like "68005.10": trailing zeros beyond
    ``scale`` are dropped ("68005.00" at scale 1 is 680050); a non-zero digit beyond it, an
    exponent, or anything that is not a number raises PrecisionError.
    """
    whole, _, frac = text.partition(".")
    if len(frac) > scale:
        extra = frac[scale:]
        if extra.strip("0"):
            raise PrecisionError(f"{text} has more than {scale} decimals")
        frac = frac[:scale]
    digits = whole + frac + "0" * (scale - len(frac))
    body = digits[1:] if digits[:1] == "-" else digits
    if not (body.isascii() and body.isdigit()) or not (whole.lstrip("-") or frac):
        raise PrecisionError(f"not a plain decimal number: {text!r}")
    return int(digits)


_BATCH_FORMS: dict[int, re.Pattern] = {}


def _batch_form(scale: int) -> re.Pattern:
    form = _BATCH_FORMS.get(scale)
    if form is None:
        form = _BATCH_FORMS[scale] = re.compile(rf"(?:[0-9]+\.[0-9]{{{scale}}},)*" if scale > 0 else r"(?:[0-9]+,)*")
    return form


_PADDED_FORMS: dict[tuple[int, int], re.Pattern] = {}


def _padded_form(scale: int, zeros: int) -> re.Pattern:
    form = _PADDED_FORMS.get((scale, zeros))
    if form is None:
        form = _PADDED_FORMS[(scale, zeros)] = re.compile(rf"(?:[0-9]+\.[0-9]{{{scale}}}0{{{zeros}}},)*")
    return form


def parse_scaled_many(texts, scale: int) -> list[int]:
    """``parse_scaled`` over many strings at once: the hot path of book levels.

    Venues print every price (size) of a symbol with the same decimals, so the
    common case is checked for the whole batch by one regular-expression match
    (ASCII digits, one dot each with exactly ``scale`` digits after it) and
    converted by ``int`` in C. A venue may print more decimals than the tick
    has, always zeros (Binance prints BTCUSDT's 0.10 tick with two decimals):
    a batch wholly of that form (``scale`` digits, then the same number of
    zeros, as many as the first string has) has its zeros cut in C as well.
    Anything else takes the general exact path, string by string, with its
    errors.
    """
    joined = ",".join(texts)
    if not joined:
        return [parse_scaled(t, scale) for t in texts]
    batch = joined + ","
    if _batch_form(scale).fullmatch(batch):
        return list(map(int, joined.replace(".", "").split(",")))
    first = texts[0]
    zeros = len(first) - first.find(".") - 1 - scale if "." in first else 0
    if 0 < zeros <= 18 and _padded_form(scale, zeros).fullmatch(batch):
        for _ in range(zeros):
            batch = batch.replace("0,", ",")      # each string's last zero: the form says it is one
        return list(map(int, batch[:-1].replace(".", "").split(",")))
    return [parse_scaled(t, scale) for t in texts]
