"""The simulated exchange: filters, accounting, reduce-only, margin, funding, events."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.exchange import FIRST_ORDER_ID, SimExchange
from tradesys.sim.instruments import SimInstrument
from tradesys.sim.orders import OrderStatus, OrderType, Side, StpMode, TimeInForce

BUY, SELL = Side.BUY, Side.SELL
LIMIT, MARKET = OrderType.LIMIT, OrderType.MARKET

BTC = SimInstrument.from_decimals("BTCUSDT", "BTC", "USDT", tick="0.10", step="0.001", min_qty="0.001",
                                  max_qty="1000", min_price="556.80", max_price="4529764", min_notional="5",
                                  maker_fee=Decimal("0.0002"), taker_fee=Decimal("0.0005"), max_open_orders=3)


def exchange(**balances):
    clock = itertools.count(1_700_000_000_000_000_000, 1_000_000)
    ex = SimExchange([BTC], seed=7, clock=lambda: next(clock))
    for name, amount in (balances or {"maker": "100000", "taker": "100000"}).items():
        ex.add_account(name, {"USDT": amount})
    return ex


def px(text):
    return BTC.price_of(text)


def qty(text):
    return BTC.qty_of(text)


def test_scales_follow_tick_and_step():
    assert (BTC.price_scale, BTC.qty_scale, BTC.tick, BTC.step) == (1, 3, 1, 1)
    assert BTC.price(px("65000.1")) == Decimal("65000.1") and BTC.qty(qty("0.010")) == Decimal("0.010")


def test_a_display_precision_finer_than_the_tick_sets_the_scale():
    ctk = SimInstrument.from_decimals("CTKUSDT", "CTK", "USDT", tick="0.00100", step="1", min_qty="1",
                                      max_qty="10000000", min_price="0.02600", max_price="100", min_notional="5",
                                      price_precision=5)
    assert (ctk.price_scale, ctk.tick) == (5, 100)
    assert ctk.price_text(ctk.price_of("1.006")) == "1.00600" and ctk.qty_text(ctk.qty_of("14217")) == "14217"


@pytest.mark.parametrize("kwargs, code", [
    (dict(symbol="NOPE"), RejectCode.UNKNOWN_SYMBOL),
    (dict(account="nobody"), RejectCode.UNKNOWN_ACCOUNT),
    (dict(quantity=0), RejectCode.INVALID_QUANTITY),
    (dict(quantity=2_000_000), RejectCode.QUANTITY_ABOVE_MAX),
    (dict(price=px("100.0")), RejectCode.PRICE_BELOW_MIN),
    (dict(price=px("5000000.0")), RejectCode.PRICE_ABOVE_MAX),
    (dict(quantity=qty("0.001"), price=px("1000.0")), RejectCode.NOTIONAL_BELOW_MIN),
])
def test_filters_refuse_with_the_right_code(kwargs, code):
    ex = exchange()
    args = dict(account="maker", symbol="BTCUSDT", quantity=qty("0.010"), price=px("65000.0")) | kwargs
    with pytest.raises(SimReject) as info:
        ex.place(args["account"], args["symbol"], BUY, LIMIT, args["quantity"], price=args["price"])
    assert info.value.code is code
    assert ex.engines["BTCUSDT"].update_id == 0


def test_price_band_around_the_mark_and_tick_alignment():
    coarse = SimInstrument.from_decimals("X", "X", "USDT", tick="0.5", step="1", min_qty="1", max_qty="100",
                                         min_price="1", max_price="1000", min_notional="1",
                                         price_band=Decimal("0.05"))
    ex = SimExchange([coarse])
    ex.add_account("a", {"USDT": "1000"})
    with pytest.raises(SimReject) as info:
        ex.place("a", "X", BUY, LIMIT, 1, price=coarse.price_of("10.7"))  # tick is 0.5 -> mantissa 7 of 5
    assert info.value.code is RejectCode.PRICE_NOT_ON_TICK
    ex.set_mark("X", Decimal("100"))
    for price, code in (("106.0", RejectCode.PRICE_ABOVE_BAND), ("94.0", RejectCode.PRICE_BELOW_BAND)):
        with pytest.raises(SimReject) as info:
            ex.place("a", "X", BUY, LIMIT, 1, price=coarse.price_of(price))
        assert info.value.code is code
    assert ex.place("a", "X", BUY, LIMIT, 1, price=coarse.price_of("95.5")).status is OrderStatus.NEW


def test_ids_are_64_bit_and_client_ids_generated_deterministically():
    first, second = exchange(), exchange()
    a = first.place("maker", "BTCUSDT", BUY, LIMIT, qty("0.010"), price=px("60000.0"))
    b = second.place("maker", "BTCUSDT", BUY, LIMIT, qty("0.010"), price=px("60000.0"))
    assert a.order_id == FIRST_ORDER_ID > 2**53
    assert len(a.client_order_id) == 22 and a.client_order_id == b.client_order_id


def test_duplicate_client_ids_among_open_orders_and_the_open_order_cap():
    ex = exchange()
    ex.place("maker", "BTCUSDT", BUY, LIMIT, qty("0.010"), price=px("60000.0"), client_order_id="mine")
    with pytest.raises(SimReject) as info:
        ex.place("maker", "BTCUSDT", BUY, LIMIT, qty("0.010"), price=px("60000.0"), client_order_id="mine")
    assert info.value.code is RejectCode.DUPLICATE_CLIENT_ORDER_ID
    for _ in range(2):
        ex.place("maker", "BTCUSDT", BUY, LIMIT, qty("0.010"), price=px("60000.0"))
    with pytest.raises(SimReject) as info:
        ex.place("maker", "BTCUSDT", BUY, LIMIT, qty("0.010"), price=px("60000.0"))
    assert info.value.code is RejectCode.MAX_OPEN_ORDERS
    ex.cancel("maker", "BTCUSDT", client_order_id="mine")
    ex.place("maker", "BTCUSDT", BUY, LIMIT, qty("0.010"), price=px("60000.0"), client_order_id="mine")


def test_a_trade_books_positions_fees_and_realized_pnl_on_both_sides():
    ex = exchange()
    events = []
    ex.listeners.append(events.append)
    ex.place("maker", "BTCUSDT", SELL, LIMIT, qty("0.100"), price=px("65000.0"))
    taker = ex.place("taker", "BTCUSDT", BUY, MARKET, qty("0.100"))
    assert taker.status is OrderStatus.FILLED
    maker_acct, taker_acct = ex.accounts["maker"], ex.accounts["taker"]
    assert maker_acct.positions["BTCUSDT"].quantity == Decimal("-0.100")
    assert taker_acct.positions["BTCUSDT"].entry_price == Decimal("65000.0")
    assert maker_acct.wallet["USDT"] == Decimal("100000") - Decimal("6500.0") * Decimal("0.0002")
    assert taker_acct.wallet["USDT"] == Decimal("100000") - Decimal("6500.0") * Decimal("0.0005")
    booking = events[-1].bookings
    assert {b.fee for b in booking.values()} == {Decimal("1.30000"), Decimal("3.25000")}
    assert events[-1].accounts == {"maker", "taker"}
    # The taker sells back higher: realised profit for it, loss for the maker.
    ex.place("maker", "BTCUSDT", BUY, LIMIT, qty("0.100"), price=px("65100.0"))
    ex.place("taker", "BTCUSDT", SELL, MARKET, qty("0.100"))
    assert taker_acct.positions["BTCUSDT"].realized_pnl == Decimal("10.0000")
    assert maker_acct.positions["BTCUSDT"].realized_pnl == Decimal("-10.0000")
    assert taker_acct.positions["BTCUSDT"].quantity == 0 == maker_acct.positions["BTCUSDT"].quantity


def test_a_fill_through_zero_flips_the_position_at_the_fill_price():
    ex = exchange()
    ex.place("maker", "BTCUSDT", SELL, LIMIT, qty("0.100"), price=px("65000.0"))
    ex.place("taker", "BTCUSDT", BUY, MARKET, qty("0.100"))
    ex.place("maker", "BTCUSDT", BUY, LIMIT, qty("0.300"), price=px("64000.0"))
    ex.place("taker", "BTCUSDT", SELL, MARKET, qty("0.300"))
    position = ex.accounts["taker"].positions["BTCUSDT"]
    assert position.quantity == Decimal("-0.200") and position.entry_price == Decimal("64000.0")
    assert position.realized_pnl == Decimal("-100.0000")


def test_reduce_only_must_close_and_may_not_exceed_the_position():
    ex = exchange()
    with pytest.raises(SimReject) as info:
        ex.place("taker", "BTCUSDT", SELL, LIMIT, qty("0.010"), price=px("65000.0"), reduce_only=True)
    assert info.value.code is RejectCode.REDUCE_ONLY_REJECTED
    ex.place("maker", "BTCUSDT", SELL, LIMIT, qty("0.050"), price=px("65000.0"))
    ex.place("taker", "BTCUSDT", BUY, MARKET, qty("0.050"))
    with pytest.raises(SimReject):
        ex.place("taker", "BTCUSDT", SELL, LIMIT, qty("0.060"), price=px("66000.0"), reduce_only=True)
    with pytest.raises(SimReject):
        ex.place("taker", "BTCUSDT", BUY, LIMIT, qty("0.010"), price=px("64000.0"), reduce_only=True)
    # Below the minimum notional is fine for reduce-only; no bid rests, so it waits.
    order = ex.place("taker", "BTCUSDT", SELL, LIMIT, qty("0.001"), price=px("1000.0"), reduce_only=True)
    assert order.status is OrderStatus.NEW and order.reduce_only


def test_margin_counts_open_orders_and_refuses_what_the_account_cannot_hold():
    ex = exchange(poor="100")  # 100 USDT at 20x: 2,000 USDT of notional
    ex.place("poor", "BTCUSDT", BUY, LIMIT, qty("0.020"), price=px("60000.0"))  # 1,200 notional
    with pytest.raises(SimReject) as info:
        ex.place("poor", "BTCUSDT", BUY, LIMIT, qty("0.020"), price=px("60000.0"))
    assert info.value.code is RejectCode.INSUFFICIENT_MARGIN
    ex.cancel_all("poor", "BTCUSDT")
    ex.place("poor", "BTCUSDT", BUY, LIMIT, qty("0.030"), price=px("60000.0"))


def test_funding_moves_money_from_longs_to_shorts_when_the_rate_is_positive():
    ex = exchange()
    ex.place("maker", "BTCUSDT", SELL, LIMIT, qty("1.000"), price=px("65000.0"))
    ex.place("taker", "BTCUSDT", BUY, MARKET, qty("1.000"))
    ex.set_mark("BTCUSDT", Decimal("65000"))
    received = ex.fund("BTCUSDT", Decimal("0.0001"))
    assert received == {"maker": Decimal("6.5000"), "taker": Decimal("-6.5000")}
    assert ex.accounts["taker"].positions["BTCUSDT"].funding == Decimal("-6.5000")


def test_post_only_refusal_uses_no_order_id_and_leaves_history_alone():
    ex = exchange()
    ex.place("maker", "BTCUSDT", SELL, LIMIT, qty("0.010"), price=px("65000.0"))
    with pytest.raises(SimReject):
        ex.place("taker", "BTCUSDT", BUY, LIMIT, qty("0.010"), price=px("65000.0"),
                 time_in_force=TimeInForce.GTX)
    nxt = ex.place("taker", "BTCUSDT", BUY, LIMIT, qty("0.010"), price=px("64000.0"))
    assert nxt.order_id == FIRST_ORDER_ID + 1 and len(ex.orders("taker", "BTCUSDT")) == 1
    assert ex.order("taker", "BTCUSDT", order_id=nxt.order_id).status is OrderStatus.NEW


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from([BUY, SELL]),
                          st.integers(-20, 20), st.integers(1, 50)), min_size=1, max_size=60),
       st.integers(-50, 50))
def test_pnl_is_zero_sum_and_positions_net_to_zero(trades, mark_offset):
    ex = SimExchange([BTC], default_stp=StpMode.NONE)
    for name in "abc":
        ex.add_account(name, {"USDT": "10000000"})
    for account, side, offset, size in trades:
        price = px("65000.0") + offset
        ex.place(account, "BTCUSDT", side, LIMIT, size, price=price)
        other = "abc"[("abc".index(account) + 1) % 3]
        ex.place(other, "BTCUSDT", side.opposite, LIMIT, size, price=price, time_in_force=TimeInForce.IOC)
    mark = BTC.price(px("65000.0") + mark_offset)
    positions = [a.positions.get("BTCUSDT") for a in ex.accounts.values()]
    positions = [p for p in positions if p is not None]
    assert sum(p.quantity for p in positions) == 0
    total = sum(p.realized_pnl + p.unrealized_pnl(mark) for p in positions)
    assert abs(total) < Decimal("1e-20")
