"""The matching engine, rule by rule, and its invariants under random operation sequences."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tradesys.sim.engine import MatchingEngine
from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.orders import ExecType, OrderStatus, OrderType, Side, SimOrder, StpMode, TimeInForce

BUY, SELL = Side.BUY, Side.SELL
_ids = itertools.count(1)


def order(side, price, qty, *, account="a", tif=TimeInForce.GTC, type=OrderType.LIMIT, stp=StpMode.NONE):
    oid = next(_ids)
    return SimOrder(oid, f"c{oid}", account, "BTCUSDT", side, type, tif, price, qty, stp_mode=stp)


def market(side, qty, account="t"):
    return order(side, 0, qty, account=account, tif=TimeInForce.IOC, type=OrderType.MARKET)


@pytest.fixture
def engine():
    return MatchingEngine("BTCUSDT")


def test_price_then_time_priority(engine):
    first = order(SELL, 101, 5, account="m1")
    second = order(SELL, 101, 5, account="m2")
    better = order(SELL, 100, 2, account="m3")
    for o in (first, second, better):
        engine.submit(o, 1)
    result = engine.submit(order(BUY, 101, 4, account="t"), 2)
    assert [(t.price, t.quantity, t.maker_order_id) for t in result.trades] == [
        (100, 2, better.order_id), (101, 2, first.order_id)]
    assert engine.book.levels(SELL) == [(101, 8)]
    assert first.status is OrderStatus.PARTIALLY_FILLED and second.status is OrderStatus.NEW


def test_a_partially_filled_gtc_order_rests_its_remainder(engine):
    engine.submit(order(SELL, 100, 3, account="m"), 1)
    taker = order(BUY, 100, 5)
    result = engine.submit(taker, 2)
    assert [u.exec_type for u in result.updates] == [ExecType.NEW, ExecType.TRADE, ExecType.TRADE]
    assert taker.status is OrderStatus.PARTIALLY_FILLED and taker.remaining == 2
    assert engine.book.levels(BUY) == [(100, 2)] and engine.book.levels(SELL) == []
    assert taker.cum_quote == 300


def test_ioc_and_market_remainders_expire(engine):
    engine.submit(order(SELL, 100, 3, account="m"), 1)
    ioc = order(BUY, 100, 5, tif=TimeInForce.IOC)
    result = engine.submit(ioc, 2)
    assert ioc.status is OrderStatus.EXPIRED and ioc.filled == 3
    assert result.updates[-1].exec_type is ExecType.EXPIRED
    assert engine.book.levels(BUY) == []
    mkt = market(BUY, 1)
    engine.submit(mkt, 3)
    assert mkt.status is OrderStatus.EXPIRED and mkt.filled == 0


def test_fok_fills_whole_or_is_refused_without_a_trace(engine):
    engine.submit(order(SELL, 100, 3, account="m"), 1)
    engine.submit(order(SELL, 102, 3, account="m"), 1)
    before = engine.update_id
    with pytest.raises(SimReject) as info:
        engine.submit(order(BUY, 101, 4, tif=TimeInForce.FOK), 2)
    assert info.value.code is RejectCode.FOK_NOT_FILLABLE
    assert engine.update_id == before and engine.book.levels(SELL) == [(100, 3), (102, 3)]
    fok = order(BUY, 102, 5, tif=TimeInForce.FOK)
    engine.submit(fok, 3)
    assert fok.status is OrderStatus.FILLED and engine.book.levels(SELL) == [(102, 1)]


def test_post_only_is_refused_if_it_would_take_and_rests_otherwise(engine):
    engine.submit(order(SELL, 100, 3, account="m"), 1)
    with pytest.raises(SimReject) as info:
        engine.submit(order(BUY, 100, 1, tif=TimeInForce.GTX), 2)
    assert info.value.code is RejectCode.POST_ONLY_WOULD_CROSS
    maker = order(BUY, 99, 1, tif=TimeInForce.GTX)
    engine.submit(maker, 3)
    assert maker.status is OrderStatus.NEW and engine.book.levels(BUY) == [(99, 1)]


def test_stp_expire_maker_expires_own_resting_orders_and_trades_with_others(engine):
    own = order(SELL, 100, 2, account="a")
    other = order(SELL, 100, 2, account="b")
    engine.submit(own, 1)
    engine.submit(other, 1)
    taker = order(BUY, 100, 3, account="a", stp=StpMode.EXPIRE_MAKER)
    result = engine.submit(taker, 2)
    assert own.status is OrderStatus.EXPIRED_IN_MATCH
    assert [(t.maker_order_id, t.quantity) for t in result.trades] == [(other.order_id, 2)]
    assert taker.status is OrderStatus.PARTIALLY_FILLED and engine.book.levels(BUY) == [(100, 1)]


@pytest.mark.parametrize("mode, maker_status, taker_status", [
    (StpMode.EXPIRE_TAKER, OrderStatus.NEW, OrderStatus.EXPIRED_IN_MATCH),
    (StpMode.EXPIRE_BOTH, OrderStatus.EXPIRED_IN_MATCH, OrderStatus.EXPIRED_IN_MATCH),
    (StpMode.NONE, OrderStatus.PARTIALLY_FILLED, OrderStatus.FILLED),
])
def test_other_stp_modes(engine, mode, maker_status, taker_status):
    maker = order(SELL, 100, 2, account="a")
    engine.submit(maker, 1)
    taker = order(BUY, 100, 1, account="a", stp=mode)
    engine.submit(taker, 2)
    assert (maker.status, taker.status) == (maker_status, taker_status)


def test_stp_does_not_apply_to_fok(engine):
    engine.submit(order(SELL, 100, 2, account="a"), 1)
    fok = order(BUY, 100, 2, account="a", tif=TimeInForce.FOK, stp=StpMode.EXPIRE_MAKER)
    engine.submit(fok, 2)
    assert fok.status is OrderStatus.FILLED


def test_modify_loses_queue_priority_and_keeps_the_order_id(engine):
    first = order(SELL, 100, 2, account="m1")
    second = order(SELL, 100, 2, account="m2")
    engine.submit(first, 1)
    engine.submit(second, 1)
    result = engine.modify(first.order_id, SELL, 100, 1, 2)
    assert result.updates[0].exec_type is ExecType.AMENDMENT and first.quantity == 1
    trade = engine.submit(order(BUY, 100, 1), 3).trades[0]
    assert trade.maker_order_id == second.order_id


def test_a_venue_that_keeps_priority_on_a_size_decrease():
    engine = MatchingEngine("BTC-PERPETUAL", keep_priority_on_decrease=True)
    first = order(SELL, 100, 2, account="m1")
    engine.submit(first, 1)
    engine.submit(order(SELL, 100, 2, account="m2"), 1)
    engine.modify(first.order_id, SELL, 100, 1, 2)
    assert engine.submit(order(BUY, 100, 1), 3).trades[0].maker_order_id == first.order_id
    assert engine.book.levels(SELL) == [(100, 2)]


def test_modify_to_a_crossing_price_trades_at_once(engine):
    engine.submit(order(SELL, 101, 1, account="m"), 1)
    bid = order(BUY, 99, 1)
    engine.submit(bid, 1)
    result = engine.modify(bid.order_id, BUY, 101, 1, 2)
    assert [u.exec_type for u in result.updates] == [ExecType.AMENDMENT, ExecType.TRADE, ExecType.TRADE]
    assert bid.status is OrderStatus.FILLED and engine.book.levels(BUY) == []


def test_modify_rules_that_cancel_or_refuse(engine):
    engine.submit(order(SELL, 100, 1, account="m"), 1)
    bid = order(BUY, 100, 3)
    engine.submit(bid, 1)  # 1 filled, 2 resting
    result = engine.modify(bid.order_id, BUY, 100, 1, 2)
    assert bid.status is OrderStatus.CANCELED and result.updates[0].exec_type is ExecType.CANCELED
    post = order(BUY, 98, 1, tif=TimeInForce.GTX)
    engine.submit(post, 3)
    engine.submit(order(SELL, 99, 1, account="m"), 3)
    engine.modify(post.order_id, BUY, 99, 1, 4)
    assert post.status is OrderStatus.CANCELED
    resting = order(BUY, 90, 1)
    engine.submit(resting, 5)
    for args, code in (((resting.order_id, BUY, 90, 1), RejectCode.MODIFY_NO_CHANGE),
                       ((resting.order_id, SELL, 91, 1), RejectCode.MODIFY_SIDE_MISMATCH),
                       ((999_999, BUY, 91, 1), RejectCode.UNKNOWN_ORDER)):
        with pytest.raises(SimReject) as info:
            engine.modify(*args, 6)
        assert info.value.code is code


def test_cancel_and_cancel_all(engine):
    mine = [order(BUY, 90 + i, 1, account="a") for i in range(3)]
    theirs = order(BUY, 95, 1, account="b")
    for o in (*mine, theirs):
        engine.submit(o, 1)
    engine.cancel(mine[0].order_id, 2)
    with pytest.raises(SimReject):
        engine.cancel(mine[0].order_id, 3)
    result = engine.cancel_all("a", 4)
    assert [u.order.order_id for u in result.updates] == [mine[1].order_id, mine[2].order_id]
    assert engine.open_orders() == [theirs]


def test_book_changes_and_update_ids(engine):
    r1 = engine.submit(order(SELL, 100, 2, account="m"), 1)
    r2 = engine.submit(order(BUY, 100, 2), 2)
    assert (r1.first_update_id, r2.first_update_id) == (1, 2)
    assert r1.book_changes == {(SELL, 100): 2}
    assert r2.book_changes == {(SELL, 100): 0}
    with pytest.raises(SimReject):
        engine.cancel(12345, 3)
    assert engine.update_id == 2


ops = st.lists(st.tuples(
    st.sampled_from(["limit", "ioc", "fok", "gtx", "market", "cancel", "modify"]),
    st.sampled_from([BUY, SELL]), st.integers(95, 105), st.integers(1, 5), st.sampled_from(["a", "b", "c"]),
    st.sampled_from(list(StpMode)), st.integers(0, 50)), max_size=120)


@settings(max_examples=150, deadline=None)
@given(ops)
@example([("limit", BUY, 95, 1, "a", StpMode.NONE, 0), ("limit", BUY, 95, 1, "a", StpMode.NONE, 0),
          ("limit", SELL, 96, 1, "a", StpMode.NONE, 0), ("modify", BUY, 95, 1, "a", StpMode.NONE, 2)])
def test_invariants_hold_after_every_operation(sequence):
    engine = MatchingEngine("X")
    placed: list[SimOrder] = []
    bought = sold = 0
    tifs = {"limit": TimeInForce.GTC, "ioc": TimeInForce.IOC, "fok": TimeInForce.FOK, "gtx": TimeInForce.GTX}
    for now, (kind, side, price, qty, account, stp, pick) in enumerate(sequence, start=1):
        try:
            if kind == "cancel" and placed:
                engine.cancel(placed[pick % len(placed)].order_id, now)
                continue
            if kind in ("cancel", "modify") and not placed:
                continue
            if kind == "modify":
                target = placed[pick % len(placed)]
                # A modify to a crossing price trades at once: its trades count like any other.
                result = engine.modify(target.order_id, target.side, price, qty + target.filled, now)
            else:
                new = (market(side, qty, account) if kind == "market"
                       else order(side, price, qty, account=account, tif=tifs[kind], stp=stp))
                result = engine.submit(new, now)
                placed.append(new)
            for trade in result.trades:
                bought += trade.quantity
                sold += trade.quantity
        except SimReject:
            continue
        book = engine.book
        assert not book.is_crossed()
        for resting in engine.resting.values():
            assert not resting.status.is_final and 0 < resting.remaining <= resting.quantity
        for side_ in (BUY, SELL):
            totals = {}
            for resting in engine.resting.values():
                if resting.side is side_:
                    totals[resting.price] = totals.get(resting.price, 0) + resting.remaining
            assert dict(book.levels(side_)) == totals
    for o in placed:
        assert 0 <= o.filled <= o.quantity
        assert (o.order_id in engine.resting) == (not o.status.is_final)
    assert sum(o.filled for o in placed) == bought + sold
