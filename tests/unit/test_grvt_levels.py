"""GrvtLevels: book levels read in bulk equal the string-by-string reading, or raise what it raises."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchanges.grvt import parse
from exchanges.grvt.levels import GrvtLevels
from tradesys.venue.errors import ProtocolError


def printed(mantissa: int, scale: int) -> str:
    """A decimal string as the venue prints it: as many decimals as the value needs."""
    if scale == 0:
        return str(mantissa)
    whole, frac = divmod(mantissa, 10 ** scale)
    return f"{whole}.{frac:0{scale}d}".rstrip("0").rstrip(".")


def side(levels, price_scale: int, size_scale: int) -> bytes:
    return json.dumps([{"price": printed(p, price_scale), "size": printed(s, size_scale), "num_orders": n}
                       for p, s, n in levels], separators=(",", ":")).encode()


levels = st.lists(st.tuples(st.integers(1, 10 ** 12), st.integers(0, 10 ** 12), st.integers(0, 500)), max_size=20)


@given(st.integers(0, 9), st.integers(0, 9), levels, levels)
def test_levels_as_the_venue_prints_them_are_read_fast_and_equal_the_string_by_string_reading(price_scale, size_scale,
                                                                                              bids, asks):
    raw_bids, raw_asks = side(bids, price_scale, size_scale), side(asks, price_scale, size_scale)
    reader = GrvtLevels(price_scale, size_scale)
    got = reader.read(raw_bids, raw_asks, parse._exact_side)
    assert got == (*parse._exact_side(raw_bids, price_scale, size_scale),
                   *parse._exact_side(raw_asks, price_scale, size_scale))
    assert got == ([p for p, _, _ in bids], [s for _, s, _ in bids], [p for p, _, _ in asks], [s for _, s, _ in asks])
    assert reader.fast == 1 and reader.exact == 0


def test_what_the_fast_form_does_not_hold_is_read_string_by_string_with_its_errors():
    reader = GrvtLevels(1, 3)
    # Fields in another order, a padded price: the exact path, the same numbers.
    assert reader.read(b'[{"size":"1.5","price":"65000.10","num_orders":2}]', b"[]", parse._exact_side) == (
        [650001], [1500], [], [])
    assert reader.read(b'[{"price":"1234567890123.1","size":"1","num_orders":1}]', b"[]",
                       parse._exact_side) == ([12345678901231], [1000], [], [])      # 14 digits: still exact
    assert reader.exact == 1 and reader.fast == 1
    with pytest.raises(ProtocolError, match="off the grid"):
        reader.read(b'[{"price":"65000.15","size":"1","num_orders":1}]', b"[]", parse._exact_side)
    with pytest.raises(ProtocolError, match="off the grid"):
        reader.read(b'[{"price":"65000.1000000000000001","size":"1","num_orders":1}]', b"[]", parse._exact_side)
    with pytest.raises(ProtocolError, match="not price/size objects"):
        reader.read(b'[["65000.1","1"]]', b"[]", parse._exact_side)
