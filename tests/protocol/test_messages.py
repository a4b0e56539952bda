from hypothesis import given
from hypothesis import strategies as st

from tradesys.messages import BODY_TYPES, KIND_OF, BookDelta, MessageKind, NewOrder, OrderRequest, kind_name
from tradesys.numeric import from_scaled, get_decimal, set_decimal

int64s = st.integers(min_value=-(2**63), max_value=2**63 - 1)


def test_every_message_kind_has_a_body_type_and_back():
    defined = {v for v in MessageKind.values() if v != MessageKind.MESSAGE_KIND_UNSPECIFIED}
    assert set(BODY_TYPES) == defined
    assert all(KIND_OF[cls] == kind for kind, cls in BODY_TYPES.items())


def test_kind_names_are_short_and_unknown_kinds_are_named():
    assert kind_name(MessageKind.MESSAGE_KIND_BOOK_DELTA) == "book_delta"
    assert kind_name(999) == "unknown_999"


@given(st.lists(st.tuples(int64s, int64s), max_size=40), st.integers(-18, 18), st.integers(-18, 18))
def test_book_levels_survive_a_round_trip_exactly(levels, price_scale, size_scale):
    delta = BookDelta(venue="binance", symbol="BTCUSDT", price_scale=price_scale, size_scale=size_scale,
                      bid_prices=[p for p, _ in levels], bid_sizes=[s for _, s in levels])
    back = BookDelta.FromString(delta.SerializeToString())
    expected_prices = [from_scaled(p, price_scale) for p, _ in levels]
    assert [from_scaled(p, back.price_scale) for p in back.bid_prices] == expected_prices
    assert [from_scaled(s, back.size_scale) for s in back.bid_sizes] == [from_scaled(s, size_scale) for _, s in levels]


@given(st.decimals(allow_nan=False, allow_infinity=False, places=8, min_value=0, max_value=10**9),
       st.decimals(allow_nan=False, allow_infinity=False, places=8, min_value=0, max_value=10**9))
def test_order_request_prices_and_quantities_are_exact(price, quantity):
    request = OrderRequest(request_id=1, client_order_id="c1", new_order=NewOrder())
    set_decimal(request.new_order.price, price)
    set_decimal(request.new_order.quantity, quantity)
    back = OrderRequest.FromString(request.SerializeToString())
    assert back.WhichOneof("action") == "new_order"
    assert get_decimal(back.new_order.price) == price
    assert get_decimal(back.new_order.quantity) == quantity
