"""LevelReader: JSON string-pair levels read in bulk equal the exact one-string-at-a-time reading, or raise
what it raises."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradesys.numeric import PrecisionError, parse_scaled
from tradesys.venue.errors import ProtocolError
from tradesys.venue.levels import LevelReader


def printed(mantissa: int, scale: int, zeros: int) -> str:
    """A mantissa printed as a venue does: ``scale`` decimals and ``zeros`` padding zeros."""
    if scale == 0:
        return str(mantissa)
    whole, frac = divmod(mantissa, 10 ** scale)
    return f"{whole}.{frac:0{scale}d}" + "0" * zeros


def side(levels: list[tuple[str, str]]) -> bytes:
    return json.dumps([list(level) for level in levels], separators=(",", ":")).encode()


def exactly(levels: list[tuple[str, str]], price_scale: int, size_scale: int) -> tuple[list[int], list[int]]:
    return [parse_scaled(p, price_scale) for p, _ in levels], [parse_scaled(s, size_scale) for _, s in levels]


scales = st.integers(0, 6)
mantissas = st.integers(0, 10 ** 12)


@given(scales, scales, st.integers(0, 8), st.integers(0, 8),
       st.lists(st.tuples(st.integers(1, 10 ** 12), mantissas), max_size=25),
       st.lists(st.tuples(st.integers(1, 10 ** 12), mantissas), max_size=25))
def test_levels_in_the_venues_print_are_read_fast_and_equal_the_exact_reading(price_scale, size_scale, price_zeros,
                                                                              size_zeros, bids, asks):
    price_zeros, size_zeros = (price_zeros if price_scale else 0), (size_zeros if size_scale else 0)
    reader = LevelReader(price_scale, size_scale)
    texts = [[(printed(p, price_scale, price_zeros), printed(s, size_scale, size_zeros)) for p, s in levels]
             for levels in (bids, asks)]
    got = reader.read(side(texts[0]), side(texts[1]))
    assert got == (*exactly(texts[0], price_scale, size_scale), *exactly(texts[1], price_scale, size_scale))
    assert got == ([p for p, _ in bids], [s for _, s in bids], [p for p, _ in asks], [s for _, s in asks])
    assert reader.fast == 1 and reader.exact == 0        # every form printed here is one the fast path reads


def test_zero_sizes_and_leading_zeros_of_the_fraction_survive_the_cuts():
    reader = LevelReader(1, 3)       # BTCUSDT: a 0.10 tick printed with two decimals, a 0.001 step
    bids = [("64999.70", "0.000"), ("64999.00", "0.005"), ("64998.90", "0.050"), ("64998.80", "0.500")]
    asks = [("65000.10", "10.000"), ("0.10", "1.001")]
    assert reader.read(side(bids), side(asks)) == (
        [649997, 649990, 649989, 649988], [0, 5, 50, 500], [650001, 1], [10000, 1001])
    many = LevelReader(3, 1)         # more price decimals than size decimals: a zero size keeps its zero
    assert many.read(side([("0.005", "0.0"), ("1.000", "0.5")]), b"[]") == ([5, 1000], [0, 5], [], [])
    assert reader.fast == many.fast == 1


def test_any_padding_and_mixed_prints_are_read_fast_and_whitespace_is_read_exactly():
    reader = LevelReader(1, 3)
    assert reader.read(side([("100.10", "1.000")]), b"[]") == ([1001], [1000], [], [])
    assert reader.read(side([("100.1", "1.000")]), b"[]") == ([1001], [1000], [], [])   # the padding went
    assert reader.read(side([("100.1", "1.000"), ("100.20", "2.0")]), b"[]") == ([1001, 1002], [1000, 2000], [], [])
    assert reader.read(b'[["007.5","1"]]', b"[]") == ([75], [1000], [], [])            # a string's leading zeros
    assert reader.fast == 4 and reader.exact == 0
    # Spaces after the separators: the exact path, the same numbers.
    assert reader.read(b'[["100.1","1.000"]]', b'[["100.20", "2.000"]]') == ([1001], [1000], [1002], [2000])
    assert reader.exact == 1 and reader.fast == 4


@pytest.mark.parametrize("bids, error", [
    (b'[["64999.75","1.000"]]', PrecisionError),      # a digit past the tick: never rounded
    (b'[["64999.7","1.0005"]]', PrecisionError),
    (b'[["abc","1.000"]]', PrecisionError),
    (b'[["64999.7"]]', ProtocolError),                 # not a pair
    (b'[[64999.7,1.0]]', ProtocolError),               # numbers, not strings
    (b'{"p":"1"}', ProtocolError),
])
def test_what_cannot_be_read_exactly_raises_a_precise_error(bids, error):
    with pytest.raises(error):
        LevelReader(1, 3).read(bids, b"[]")
