"""Which orders a strategy asks its engine about: the overdue requests at once, and on the periodic check every
live order with no request in flight, including one whose cancel the engine acknowledged but whose event never
came (it can be lost while the engine restarts; the order would otherwise hold its intent for ever)."""

from __future__ import annotations

from decimal import Decimal

from tradesys.messages import Side
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
