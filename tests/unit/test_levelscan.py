"""The compiled level scanner: built by the install, and wherever it reads a side it gives exactly what the
exact path gives; what it declines (None) the exact path reads or refuses. Checked on the venues' prints and
on those prints with one byte changed, dropped or added."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchanges.deribit import parse as deribit
from exchanges.grvt import parse as grvt
from tradesys.numeric import PrecisionError
from tradesys.venue import levels
from tradesys.venue.errors import ProtocolError

LIMIT = 2 ** 53


def test_the_install_built_the_scanner():
    assert levels._levelscan is not None, "tradesys.venue._levelscan is missing: `pip install -e .` builds it"
    assert all(levels.scanner(name) is not None for name in ("string_pairs", "action_triples",
                                                              "price_size_objects"))


def decimal(mantissa: int, scale: int) -> str:
    if scale == 0:
        return str(mantissa)
    whole, frac = divmod(mantissa, 10 ** scale)
    return f"{whole}.{frac:0{scale}d}"


def binance_side(levels_, price_scale, size_scale) -> bytes:
    return json.dumps([[decimal(p, price_scale) + "0", decimal(s, size_scale)] for p, s in levels_],
                      separators=(",", ":")).encode()


def deribit_side(levels_, price_scale, size_scale) -> bytes:
    return json.dumps([["delete" if s == 0 else "change", p / 10 ** price_scale, s / 10 ** size_scale]
                       for p, s in levels_], separators=(",", ":")).encode()


def grvt_side(levels_, price_scale, size_scale) -> bytes:
    return json.dumps([{"price": decimal(p, price_scale), "size": decimal(s, size_scale), "num_orders": 3}
                       for p, s in levels_], separators=(",", ":")).encode()


PRINTS = {
    "string_pairs": (binance_side, levels.exact_string_pairs),
    "action_triples": (deribit_side, deribit._exact_side),
    "price_size_objects": (grvt_side, grvt._exact_side),
}


def exactly_or_error(exact, raw: bytes, price_scale: int, size_scale: int):
    try:
        return exact(raw, price_scale, size_scale)
    except (PrecisionError, ProtocolError) as exc:
        return exc


def mutated(data, raw: bytes) -> bytes:
    """``raw`` with one byte replaced, dropped or added, at a place hypothesis picks."""
    if not raw:
        return raw
    at = data.draw(st.integers(0, len(raw) - 1))
    byte = data.draw(st.sampled_from(b'0159.,-e"[]{} ')).to_bytes(1, "big")
    how = data.draw(st.sampled_from(["replace", "drop", "add"]))
    return raw[:at] + (b"" if how == "drop" else byte) + raw[at + (0 if how == "add" else 1):]


@pytest.mark.parametrize("print_", sorted(PRINTS))
@given(data=st.data(), price_scale=st.integers(0, 4), size_scale=st.integers(0, 3))
def test_a_changed_byte_is_read_as_the_exact_path_reads_it_or_left_to_it(print_, data, price_scale, size_scale):
    make, exact = PRINTS[print_]
    scan = levels.scanner(print_)
    level = st.tuples(st.integers(1, 10 ** 9), st.integers(0, 10 ** 7))
    bids = make(data.draw(st.lists(level, max_size=6)), price_scale, size_scale)
    asks = mutated(data, make(data.draw(st.lists(level, max_size=6)), price_scale, size_scale))
    got = scan(bids, asks, price_scale, size_scale)
    want_asks = exactly_or_error(exact, asks, price_scale, size_scale)
    if got is None:
        return              # declined: the exact path reads it, or raises, as the readers' tests check
    assert not isinstance(want_asks, Exception), f"{asks!r} was read here but the exact path refuses it"
    assert got == (*exact(bids, price_scale, size_scale), *want_asks)


def test_deep_sides_are_read_whole():
    bids = [(650000 - i, i) for i in range(1000)]             # past the scanner's stack buffer
    raw = binance_side(bids, 1, 3)
    assert levels.scanner("string_pairs")(raw, raw, 1, 3) == ([p for p, _ in bids], [s for _, s in bids]) * 2


@pytest.mark.parametrize("text, scale, want", [
    ("9007199254740991", 0, LIMIT - 1),        # the largest mantissa read here
    ("9007199254740992", 0, None),             # 2**53: the exact path's
    ("900719925474099.1", 1, LIMIT - 1),
    ("0.000000000000000001", 18, 1),
    ("1", 19, None),                           # past the scales the scanner knows
    ("1.10000000000000000000000", 1, 11),      # any number of padding zeros
    ("1.11", 1, None),                         # a digit past the scale
    ("-1", 1, None), ("1e3", 0, None), ("1.", 0, None), (".5", 1, None), ("", 0, None), ("1\\u0030", 0, None),
])
def test_a_number_is_read_to_the_limits_and_no_further(text, scale, want):
    got = levels.scanner("string_pairs")(json.dumps([[text, "1"]]).replace(" ", "").encode(), b"[]", scale, 0)
    assert (got and got[0][0]) == want


def test_json_numbers_keep_jsons_rules_and_a_deletes_amount_goes():
    scan = levels.scanner("action_triples")
    assert scan(b'[["new",65000.5,10.0],["delete",64999.0,3.25]]', b"[]", 1, 0) == ([650005, 649990], [10, 0], [], [])
    assert scan(b'[["new",065000.5,10.0]]', b"[]", 1, 0) is None        # JSON has no leading zeros
    assert scan(b'[["moved",65000.5,10.0]]', b"[]", 1, 0) is None
    assert scan(b'[["new",65000.5,10.0]', b"[]", 1, 0) is None           # cut short


def test_what_is_not_bytes_or_not_four_arguments_is_a_type_error():
    scan = levels.scanner("price_size_objects")
    with pytest.raises(TypeError):
        scan("[]", b"[]", 1, 1)
    with pytest.raises(TypeError):
        scan(b"[]", b"[]", 1)
    assert scan(b"[]", b"[]", -1, 0) is None
