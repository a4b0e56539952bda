"""DeribitLevels: book levels read in bulk equal the level-by-level reading, or raise what it raises."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchanges.deribit import parse
from exchanges.deribit.levels import DeribitLevels
from tradesys.venue.errors import ProtocolError

LEVELS = msgspec.json.Decoder(list[tuple[str, float, float]])


def exactly(raw: bytes, price_scale: int, size_scale: int) -> tuple[list[int], list[int]]:
    return parse._levels(LEVELS.decode(raw), price_scale, size_scale)


def printed(levels) -> bytes:
    """A side as the venue prints it: JSON floats in their shortest form."""
    return json.dumps([[action, price, amount] for action, price, amount in levels], separators=(",", ":")).encode()


def side(price_scale: int, size_scale: int):
    level = st.tuples(st.sampled_from(["new", "change", "delete"]), st.integers(1, 10 ** 9),
                      st.integers(0, 10 ** 7))
    return st.lists(level, max_size=20).map(lambda levels: [
        (action, price / 10 ** price_scale, 0.0 if action == "delete" else amount / 10 ** size_scale)
        for action, price, amount in levels])


@given(st.data(), st.integers(0, 4), st.integers(0, 3))
def test_levels_as_the_venue_prints_them_are_read_fast_and_equal_the_level_by_level_reading(data, price_scale,
                                                                                            size_scale):
    bids, asks = (printed(data.draw(side(price_scale, size_scale))) for _ in range(2))
    reader = DeribitLevels(price_scale, size_scale)
    got = reader.read(bids, asks, exactly)
    assert got == (*exactly(bids, price_scale, size_scale), *exactly(asks, price_scale, size_scale))
    assert reader.fast == 1 and reader.exact == 0


def test_what_the_fast_form_does_not_hold_is_read_level_by_level_with_its_errors():
    reader = DeribitLevels(1, 0)
    read = exactly
    # An exponent, and a delete that still carries an amount (the level goes: amount 0): the exact path.
    assert reader.read(b'[["new",6.5e4,10.0]]', b'[["delete",65001.0,5.0]]', read) == ([650000], [10], [650010], [0])
    assert reader.exact == 1 and reader.fast == 0
    with pytest.raises(ProtocolError, match="not on the grid"):
        reader.read(b'[["new",65000.25,10.0]]', b"[]", read)
    with pytest.raises(ProtocolError, match="not on the grid"):
        reader.read(b'[["new",65000.5,10.5]]', b"[]", read)
    with pytest.raises(ProtocolError, match="unknown book action"):
        reader.read(b'[["moved",65000.5,10.0]]', b"[]", read)
    assert reader.read(b"[]", b"[]", read) == ([], [], [], [])
