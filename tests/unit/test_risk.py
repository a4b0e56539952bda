"""The engine's risk gate, the kill switch's tiers, and a strategy's pre-trade limits: each limit refuses with its
reason."""

import time
from decimal import Decimal

import pytest

from tradesys.config.schema import RiskConfig
from tradesys.messages import BookState, BookStatus, RejectReason, RiskAction, Side
from tradesys.risk import GateLimits, KillSwitch, Mode, OrderCheck, RiskGate
from tradesys.risk.killswitch import command
from tradesys.services.engine.market import MarketWatch
from tradesys.strategy.risk import PreTradeRejected, StrategyLimits, check_new

pytestmark = pytest.mark.unit
D = Decimal
R = RejectReason
BUY, SELL = Side.SIDE_BUY, Side.SIDE_SELL


def gate(**overrides):
    risk = RiskConfig(**{"max_order_notional": 1000.0, "max_position_notional": 5000.0,
                         "max_orders_per_second": 5.0, "price_band_bps": 100.0, "halt_on_stale_book_seconds": 2.0,
                         **overrides})
    switch = KillSwitch("binance")
    return RiskGate(GateLimits.from_config(risk), switch), switch


def check(g, side=BUY, qty="1", price="100", *, mid="100", down=0.0, position="0", resting="0", now=0.0,
          reduce_only=False):
    return g.check(OrderCheck("X", side, D(qty), D(price) if price else None, reduce_only),
                   mid=D(mid) if mid else None, book_down_for=down, position=D(position),
                   resting_same_side=D(resting), now=now)


def test_a_sane_order_passes():
    g, _ = gate()
    assert check(g) is None


@pytest.mark.parametrize("kwargs, reason, words", [
    ({"qty": "0"}, R.REJECT_REASON_INVALID_QUANTITY, "positive"),
    ({"price": "102"}, R.REJECT_REASON_INVALID_PRICE, "200 bps from the mid"),
    ({"qty": "11"}, R.REJECT_REASON_RISK_LIMIT, "order notional 1100.00"),
    ({"position": "45", "resting": "5"}, R.REJECT_REASON_RISK_LIMIT, "could reach 5100.00"),
    ({"mid": None}, R.REJECT_REASON_RISK_LIMIT, "no market price"),
    ({"down": 3.0}, R.REJECT_REASON_HALTED, "not been live for 3.0s"),
    ({"reduce_only": True}, R.REJECT_REASON_RISK_LIMIT, "would not reduce"),
])
def test_each_limit_refuses_with_its_reason(kwargs, reason, words):
    g, _ = gate()
    verdict = check(g, **kwargs)
    assert verdict is not None and verdict[0] == reason and words in verdict[1]


def test_reducing_orders_pass_the_position_limit():
    g, _ = gate()
    assert check(g, side=SELL, qty="5", position="60") is None


def test_order_rate():
    g, _ = gate(max_orders_per_second=2.0)
    verdicts = [check(g, now=10.0) for _ in range(3)]
    assert verdicts[:2] == [None, None] and verdicts[2][0] == R.REJECT_REASON_RATE_LIMIT
    assert check(g, now=10.6) is None        # refilled
    assert g.rejected == {"rate_limit": 1}


def test_kill_switch_tiers():
    g, switch = gate()
    switch.apply(command(RiskAction.RISK_ACTION_HALT, "drift", venue="binance"))
    assert check(g)[0] == R.REJECT_REASON_HALTED and "halt (drift)" in check(g)[1]
    assert check(g, side=SELL, position="1")[0] == R.REJECT_REASON_HALTED     # halt stops even reducing orders
    switch.apply(command(RiskAction.RISK_ACTION_REDUCE_ONLY, "by hand"))
    assert check(g, side=SELL, position="1") is None
    assert "would not reduce" in check(g, side=BUY, position="1")[1]
    switch.apply(command(RiskAction.RISK_ACTION_RESUME, "ok"))
    assert check(g) is None
    assert [h["mode"] for h in switch.history] == ["halt", "reduce_only", "normal"]


def test_kill_switch_addressing():
    engine = KillSwitch("binance")
    strategy = KillSwitch("binance", "mm1")
    other_venue = command(RiskAction.RISK_ACTION_HALT, "x", venue="deribit")
    assert engine.apply(other_venue) is None and strategy.apply(other_venue) is None
    just_mm2 = command(RiskAction.RISK_ACTION_HALT, "x", strategy_id="mm2")
    assert strategy.apply(just_mm2) is None
    assert engine.apply(just_mm2) is None          # one strategy's command does not stop the engine for all
    assert strategy.apply(command(RiskAction.RISK_ACTION_FLATTEN, "x", strategy_id="mm1")) is Mode.FLATTEN
    assert engine.apply(command(RiskAction.RISK_ACTION_HALT, "x", venue="all")) is Mode.HALT
    assert engine.apply(command(RiskAction.RISK_ACTION_HALT, "x")) is None       # no change
    assert engine.apply(command(RiskAction.RISK_ACTION_RESUME, "y", venue="deribit")) is None


def test_a_second_halt_for_another_reason_is_kept_and_the_first_triggers_resume_does_not_lift_it():
    halts: list = []
    switch = KillSwitch("binance")
    watch = MarketWatch("binance", ("BTCUSDT",), switch, 1.0, switch.apply,
                        lambda action, reason: halts.append((action, reason)) or switch.apply(
                            command(action, reason, venue="binance", issued_by="engine")))
    watch.on_message(BookStatus(venue="binance", symbol="BTCUSDT", state=BookState.BOOK_STATE_LIVE))
    watch.on_message(BookStatus(venue="binance", symbol="BTCUSDT", state=BookState.BOOK_STATE_DISCONNECTED))
    watch.check_stale(time.monotonic() + 2)                      # the stale-book trigger halts
    assert switch.mode is Mode.HALT and "book has not been live" in switch.reason
    drift = command(RiskAction.RISK_ACTION_HALT, "position drift on BTCUSDT", venue="binance")
    assert switch.apply(drift) is Mode.HALT and switch.reason == "position drift on BTCUSDT"
    watch.on_message(BookStatus(venue="binance", symbol="BTCUSDT", state=BookState.BOOK_STATE_LIVE))
    watch.check_stale(time.monotonic() + 3)                      # the book is back: its own halt is gone, not drift's
    assert switch.mode is Mode.HALT and [a for a, _ in halts] == [RiskAction.RISK_ACTION_HALT]
    assert [h["reason"] for h in switch.history][-1] == "position drift on BTCUSDT"


LIMITS = StrategyLimits(max_position=D("2"), max_order_size=D("1"), max_open_orders=3, max_notional=D("500"))


def pre(**kw):
    args = dict(side=BUY, price=D("100"), quantity=D("1"), reference=D("100"), position=D("0"),
                resting_same_side=D("0"), open_orders=0)
    args.update(kw)
    check_new(LIMITS, **args)


@pytest.mark.parametrize("kwargs, limit", [
    ({"quantity": D("1.5")}, "max_order_size"),
    ({"open_orders": 3}, "max_open_orders"),
    ({"price": D("600")}, "max_notional"),
    ({"position": D("1.5")}, "max_position"),
    ({"resting_same_side": D("1.5")}, "max_position"),
    ({"price": None, "reference": None}, "max_notional"),
    ({"quantity": D("0")}, "quantity"),
    ({"reduce_only": True}, "reduce_only"),
])
def test_pre_trade_limits(kwargs, limit):
    with pytest.raises(PreTradeRejected) as err:
        pre(**kwargs)
    assert err.value.limit == limit and limit in str(err.value)


def test_pre_trade_allows_reducing_past_the_position_limit():
    pre(side=SELL, position=D("3"), quantity=D("1"))


def test_inverse_quantities_are_their_own_notional_at_the_gate_and_before_trade():
    g, _ = gate()
    order = OrderCheck("BTC-PERPETUAL", BUY, D("900"), D("65000"))
    # 900 USD of an inverse contract is 900 of notional, not 900 x 65000.
    assert g.check(order, mid=D("65000"), book_down_for=0.0, position=D(0), resting_same_side=D(0), now=0.0,
                   inverse=True) is None
    verdict = g.check(OrderCheck("BTC-PERPETUAL", BUY, D("1100"), D("65000")), mid=D("65000"), book_down_for=0.0,
                      position=D(0), resting_same_side=D(0), now=1.0, inverse=True)
    assert verdict is not None and "order notional 1100.00" in verdict[1]
    verdict = g.check(order, mid=D("65000"), book_down_for=0.0, position=D("4500"), resting_same_side=D(0), now=2.0,
                      inverse=True)
    assert verdict is not None and "could reach 5400.00" in verdict[1]
    limits = StrategyLimits(D("2000"), D("500"), 4, D("1000"))
    check_new(limits, side=BUY, price=None, quantity=D("500"), reference=None, position=D(0),
              resting_same_side=D(0), open_orders=0, inverse=True)   # a market order needs no price to be valued
    with pytest.raises(PreTradeRejected, match="max_position"):
        check_new(limits, side=BUY, price=D("65000"), quantity=D("500"), reference=None, position=D("1600"),
                  resting_same_side=D(0), open_orders=0, inverse=True)
