from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradesys import numeric
from tradesys.messages import Decimal as PbDecimal
from tradesys.numeric import INT64_MAX, PrecisionError, from_scaled, get_decimal, set_decimal, to_scaled

mantissas = st.integers(min_value=-(2**63), max_value=2**63 - 1)
scales = st.integers(min_value=-20, max_value=20)


@given(mantissas, scales)
def test_any_int64_mantissa_and_scale_survive_a_protobuf_round_trip(mantissa, scale):
    value = from_scaled(mantissa, scale)
    msg = PbDecimal()
    set_decimal(msg, value)
    back = get_decimal(PbDecimal.FromString(msg.SerializeToString()))
    assert back == value
    assert back.as_tuple() == value.as_tuple()  # same digits and exponent: "1.10" stays "1.10"


@given(st.decimals(allow_nan=False, allow_infinity=False, places=8, min_value=-10**10, max_value=10**10))
def test_venue_style_decimals_round_trip_exactly(value):
    assert get_decimal(PbDecimal.FromString(_encoded(value))) == value


def _encoded(value):
    msg = PbDecimal()
    set_decimal(msg, value)
    return msg.SerializeToString()


@pytest.mark.parametrize("text, scale, expected", [
    ("65000.1", None, (650001, 1)),
    ("1.10", None, (110, 2)),
    ("65000.1", 3, (65000100, 3)),
    ("0", 8, (0, 8)),
    ("-0.5", 1, (-5, 1)),
    ("1E+3", None, (1, -3)),
])
def test_to_scaled_examples(text, scale, expected):
    assert to_scaled(text, scale) == expected


def test_rescaling_never_drops_a_digit():
    with pytest.raises(PrecisionError, match="more than 1 decimals"):
        to_scaled("1.25", 1)


def test_a_mantissa_beyond_int64_is_refused_not_wrapped():
    with pytest.raises(PrecisionError, match="does not fit"):
        to_scaled(str(INT64_MAX + 1))


@pytest.mark.parametrize("bad", [0.1, "NaN", "Infinity", "abc", True, None])
def test_floats_and_non_numbers_are_refused(bad):
    with pytest.raises(PrecisionError):
        to_scaled(bad)


def test_from_scaled_is_exact_beyond_the_default_decimal_context():
    # 19 digits: more than a float holds, fewer than the decimal context's 28.
    assert str(from_scaled(INT64_MAX, 9)) == "9223372036.854775807"
    assert from_scaled(-1, 18) == Decimal("-0.000000000000000001")


@pytest.mark.parametrize("text, scale, mantissa", [
    ("68005.10", 2, 6800510), ("68005.00", 1, 680050), ("0.2463", 4, 2463), ("631", 0, 631), ("631", 3, 631000),
    ("-0.5", 2, -50), ("1.00600", 5, 100600), ("0", 8, 0), ("0.000", 2, 0), ("12.", 1, 120),
])
def test_parse_scaled_reads_venue_strings_exactly(text, scale, mantissa):
    assert numeric.parse_scaled(text, scale) == mantissa
    assert numeric.parse_scaled(text, scale) == numeric.to_scaled(text, scale)[0]


@pytest.mark.parametrize("text", ["1.25", "abc", "", "1e5", "1.2.3", ".", "--1", "1_000", " 1"])
def test_parse_scaled_refuses_what_is_not_exact_at_the_scale(text):
    with pytest.raises(numeric.PrecisionError):
        numeric.parse_scaled(text, 1)


@pytest.mark.parametrize("texts, scale", [
    (["68005.10", "68004.90"], 2), (["68005.1", "68005.10"], 2), (["631", "1490"], 0), (["631", "1.5"], 1),
    (["5", "12.345"], 3), ([".5", "1.5"], 1), ([], 2), (["0.000", "2.214"], 3), (["68005.00"], 1)])
def test_parse_scaled_many_equals_parse_scaled_one_by_one(texts, scale):
    assert numeric.parse_scaled_many(texts, scale) == [numeric.parse_scaled(t, scale) for t in texts]


@pytest.mark.parametrize("texts, scale", [(["1.2.3"], 1), (["1_0.5"], 1), (["", "1.5"], 1), ([" 12"], 0),
                                          (["1e5"], 0), (["12.34"], 1), (["-1.5", "1.5"], 0), (["²"], 0)])
def test_parse_scaled_many_refuses_what_parse_scaled_refuses(texts, scale):
    with pytest.raises(numeric.PrecisionError):
        numeric.parse_scaled_many(texts, scale)


@given(st.lists(st.decimals(min_value=-10**6, max_value=10**6, places=3, allow_nan=False), max_size=8),
       st.integers(0, 4))
def test_parse_scaled_many_agrees_with_to_scaled_on_any_decimals(values, scale):
    texts = [f"{v:f}" for v in values]
    try:
        expected = [to_scaled(t, scale)[0] for t in texts]
    except PrecisionError:
        with pytest.raises(PrecisionError):
            numeric.parse_scaled_many(texts, scale)
        return
    assert numeric.parse_scaled_many(texts, scale) == expected


@pytest.mark.parametrize("texts, scale, expected", [
    (["65000.10", "64999.90", "1.00"], 1, [650001, 649999, 10]),      # BTCUSDT: two decimals on a 0.10 tick
    (["65000.1000", "0.5000"], 2, [6500010, 50]),                      # two zeros more
    (["7.0", "10.0"], 0, [7, 10]),                                     # whole numbers printed with a decimal
    (["100.10", "100.1"], 1, [1001, 1001]),                            # mixed: the general path, same answer
    (["100.10", "100.15"], 1, None),                                   # a digit beyond the tick: refused
])
def test_prices_printed_with_more_decimals_than_the_tick_take_the_batch_path_exactly(texts, scale, expected):
    if expected is None:
        with pytest.raises(numeric.PrecisionError):
            numeric.parse_scaled_many(texts, scale)
    else:
        assert numeric.parse_scaled_many(texts, scale) == expected == [numeric.parse_scaled(t, scale) for t in texts]
