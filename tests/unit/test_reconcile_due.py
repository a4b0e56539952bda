"""Which orders a strategy asks its engine about: the overdue requests at once, and on the periodic check every
live order with no request in flight, including one whose cancel the engine acknowledged but whose event never
came (it can be lost while the engine restarts; the order would otherwise hold its intent for ever)."""

from __future__ import annotations

from decimal import Decimal

from tradesys.messages import Fill, OrderEvent, OrderEventType, Side
from tradesys.numeric import set_decimal
from tradesys.strategy.oms import MiniOMS, State
from tradesys.strategy.reconcile import RECONCILE_SECONDS, Reconciler


def test_an_acknowledged_cancel_without_its_event_is_checked_and_a_request_in_flight_is_not():
    oms = MiniOMS("mm", timeout_s=5.0)
    reconciler = Reconciler("mm", oms, lambda order, before: None, now=0.0)
    for cid, intent in (("a", "bid"), ("b", "ask"), ("c", "hedge")):
        oms.new(cid, "BTCUSDT", Side.SIDE_BUY, Decimal("100"), Decimal("1"), intent, 0.0)
        oms.on_reply(cid, True)
    oms.cancel("a", 1.0)
    oms.on_reply("a", True)             # acknowledged: pending until its event comes
    oms.cancel("b", 1.0)                # in flight: its own timeout covers it
    assert oms.orders["a"].state is State.PENDING_CANCEL and oms.orders["b"].state is State.PENDING_CANCEL
    assert reconciler.due(1.0) == []                        # not time for the periodic check yet
    assert reconciler.due(RECONCILE_SECONDS + 0.5) == ["a", "c"]
    assert reconciler.due(RECONCILE_SECONDS + 7.0) == ["b"]  # the unanswered cancel, once overdue


class EngineAfterARestart:
    """What a Ray handle to a fresh engine answers (``.remote`` returns an awaitable, as an ObjectRef is):
    it never saw the order; the venue filled it meanwhile."""

    def __init__(self, event: OrderEvent, fills: list[Fill]):
        self.order_states = Remote(lambda strategy, ids: dict.fromkeys(ids))
        self.venue_order = Remote(lambda strategy, cid, symbol: (event.SerializeToString(),
                                                                  [f.SerializeToString() for f in fills]))


class Remote:
    def __init__(self, answer):
        self.answer = answer

    def remote(self, *args):
        async def answered():
            return self.answer(*args)
        return answered()


async def test_an_order_a_restarted_engine_never_saw_is_settled_with_the_venues_word_and_its_fills():
    oms = MiniOMS("mm", timeout_s=5.0)
    oms.new("mm-1", "BTCUSDT", Side.SIDE_BUY, Decimal("100"), Decimal("2"), "bid", 0.0)
    oms.on_reply("mm-1", True)
    filled = OrderEvent(client_order_id="mm-1", symbol="BTCUSDT", strategy_id="mm",
                        type=OrderEventType.ORDER_EVENT_TYPE_FILLED)
    set_decimal(filled.filled_quantity, Decimal("2"))
    fills = [Fill(client_order_id="mm-1", symbol="BTCUSDT", trade_id=str(n), strategy_id="mm") for n in (1, 2)]
    for fill in fills:
        set_decimal(fill.quantity, Decimal("1"))
    booked: list[Fill] = []
    settled: list[str] = []
    reconciler = Reconciler("mm", oms, lambda order, before: settled.append(order.client_order_id), now=0.0,
                            filled=booked.append)
    reconciler.engine = EngineAfterARestart(filled, fills)
    await reconciler.run(["mm-1"])
    assert [f.trade_id for f in booked] == ["1", "2"]          # its fills first, then its final state
    assert oms.orders["mm-1"].state is State.FILLED and oms.orders["mm-1"].filled == Decimal("2")
    assert settled == ["mm-1"] and reconciler.count["settled_from_venue"] == 1


async def test_an_order_neither_the_engine_nor_the_venue_knows_is_lost_as_before():
    oms = MiniOMS("mm", timeout_s=5.0)
    oms.new("mm-1", "BTCUSDT", Side.SIDE_BUY, Decimal("100"), Decimal("2"), "bid", 0.0)
    reconciler = Reconciler("mm", oms, lambda order, before: None, now=0.0)
    engine = EngineAfterARestart(OrderEvent(), [])
    engine.venue_order = Remote(lambda strategy, cid, symbol: (None, []))
    reconciler.engine = engine
    await reconciler.run(["mm-1"])
    assert oms.orders["mm-1"].state is State.REJECTED and reconciler.count["settled_from_venue"] == 0
