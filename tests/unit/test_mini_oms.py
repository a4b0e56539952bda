"""The Mini OMS state machine: every transition, the one-live-order-per-intent rule, timeouts, recovery."""

from decimal import Decimal

import pytest

from tradesys.messages import OrderEvent, OrderEventType, RejectReason, Side
from tradesys.numeric import set_decimal
from tradesys.strategy.oms import IntentBusy, MiniOMS, State, UnknownOrder

pytestmark = pytest.mark.unit
ET = OrderEventType
D = Decimal


def event(cid, kind, *, filled="0", quantity="1", price="100", side=Side.SIDE_BUY, symbol="BTCUSDT"):
    out = OrderEvent(client_order_id=cid, type=kind, side=side, symbol=symbol, venue_order_id="v" + cid)
    set_decimal(out.filled_quantity, filled)
    set_decimal(out.quantity, quantity)
    set_decimal(out.price, price)
    return out


def fresh(timeout=5.0):
    oms = MiniOMS("s1", timeout_s=timeout)
    order = oms.new("s1-a-1", "BTCUSDT", Side.SIDE_BUY, D("100"), D("1"), "bid", now=0.0)
    return oms, order


def test_new_then_accepted_then_partial_then_filled():
    oms, order = fresh()
    assert order.state is State.PENDING_NEW and order.live
    oms.on_reply(order.client_order_id, True, venue_order_id="77")
    assert order.state is State.OPEN and order.venue_order_id == "77"
    _, new = oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_PARTIALLY_FILLED, filled="0.4"))
    assert (order.state, new) == (State.PARTIALLY_FILLED, D("0.4"))
    _, new = oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_FILLED, filled="1"))
    assert (order.state, new, order.filled) == (State.FILLED, D("0.6"), D("1"))
    assert oms.live("BTCUSDT", "bid") is None
    assert order.history == ["open", "partially_filled", "filled"]


def test_stream_event_before_reply_and_repeats_are_idempotent():
    oms, order = fresh()
    oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_ACCEPTED))
    oms.on_reply(order.client_order_id, True)
    oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_ACCEPTED))
    assert order.state is State.OPEN and oms.counters["accepted"] == 1
    _, first = oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_PARTIALLY_FILLED, filled="0.5"))
    _, again = oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_PARTIALLY_FILLED, filled="0.5"))
    assert (first, again) == (D("0.5"), D(0))


def test_rejected_by_reply_is_final_and_frees_the_intent():
    oms, order = fresh()
    oms.on_reply(order.client_order_id, False, RejectReason.REJECT_REASON_RISK_LIMIT, "too big")
    assert order.state is State.REJECTED and order.detail == "too big"
    assert oms.live("BTCUSDT", "bid") is None
    oms.new("s1-a-2", "BTCUSDT", Side.SIDE_BUY, D("100"), D("1"), "bid", now=1.0)


def test_one_live_order_per_intent():
    oms, order = fresh()
    with pytest.raises(IntentBusy, match="already has live order s1-a-1"):
        oms.new("s1-a-2", "BTCUSDT", Side.SIDE_BUY, D("99"), D("1"), "bid", now=0.0)
    # While its cancel is in flight the intent is still taken: a replacement waits for the verdict.
    oms.on_reply(order.client_order_id, True)
    oms.cancel(order.client_order_id, now=1.0)
    with pytest.raises(IntentBusy):
        oms.new("s1-a-2", "BTCUSDT", Side.SIDE_BUY, D("99"), D("1"), "bid", now=1.0)
    oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_CANCELLED))
    assert order.state is State.CANCELLED
    oms.new("s1-a-2", "BTCUSDT", Side.SIDE_BUY, D("99"), D("1"), "bid", now=2.0)
    # Another intent on the same symbol is independent.
    oms.new("s1-a-3", "BTCUSDT", Side.SIDE_SELL, D("101"), D("1"), "ask", now=2.0)


def test_client_order_ids_are_never_reused():
    oms, order = fresh()
    oms.on_reply(order.client_order_id, False)
    with pytest.raises(ValueError, match="used before"):
        oms.new(order.client_order_id, "BTCUSDT", Side.SIDE_BUY, D("100"), D("1"), "bid", now=0.0)


def test_cancel_refused_returns_to_the_previous_state():
    oms, order = fresh()
    oms.on_reply(order.client_order_id, True)
    oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_PARTIALLY_FILLED, filled="0.2"))
    assert oms.cancel(order.client_order_id, now=1.0) is order
    assert oms.cancel(order.client_order_id, now=1.0) is None      # already pending
    oms.on_reply(order.client_order_id, False, RejectReason.REJECT_REASON_RATE_LIMIT, "slow down")
    assert order.state is State.PARTIALLY_FILLED


def test_cancel_of_an_order_the_venue_no_longer_has_waits_for_its_final_event():
    oms, order = fresh()
    oms.on_reply(order.client_order_id, True)
    oms.cancel(order.client_order_id, now=1.0)
    oms.on_reply(order.client_order_id, False, RejectReason.REJECT_REASON_UNKNOWN_ORDER, "gone")
    assert order.state is State.PENDING_CANCEL
    assert oms.overdue(1.1) == [order]      # the owner asks the engine now rather than waiting forever
    oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_FILLED, filled="1"))
    assert order.state is State.FILLED


def test_fill_during_pending_cancel_stays_pending():
    oms, order = fresh()
    oms.on_reply(order.client_order_id, True)
    oms.cancel(order.client_order_id, now=1.0)
    _, new = oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_PARTIALLY_FILLED, filled="0.3"))
    assert (order.state, new) == (State.PENDING_CANCEL, D("0.3"))
    oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_CANCELLED, filled="0.3"))
    assert order.state is State.CANCELLED and order.filled == D("0.3")


def test_modify_lifecycle_and_refusal():
    oms, order = fresh()
    oms.on_reply(order.client_order_id, True)
    assert oms.modify(order.client_order_id, D("101"), D("1"), now=1.0) is order
    assert order.state is State.PENDING_MODIFY and order.target == (D("101"), D("1"))
    assert oms.modify(order.client_order_id, D("102"), D("1"), now=1.0) is None   # one at a time
    oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_MODIFIED, price="101"))
    assert (order.state, order.price, order.target) == (State.OPEN, D("101"), None)
    oms.modify(order.client_order_id, D("103"), D("1"), now=2.0)
    oms.on_reply(order.client_order_id, False, RejectReason.REJECT_REASON_POST_ONLY_WOULD_CROSS, "cross")
    assert (order.state, order.price) == (State.OPEN, D("101"))


def test_final_states_never_change():
    oms, order = fresh()
    oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_CANCELLED))
    oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_ACCEPTED))
    assert order.state is State.CANCELLED and oms.counters["stale_events"] == 1
    assert oms.cancel(order.client_order_id, now=1.0) is None
    assert oms.modify(order.client_order_id, D("1"), D("1"), now=1.0) is None


def test_unknown_orders():
    oms, _ = fresh()
    assert oms.on_event(event("other-x-1", ET.ORDER_EVENT_TYPE_ACCEPTED)) == (None, D(0))
    assert oms.counters["unknown_events"] == 1
    with pytest.raises(UnknownOrder):
        oms.cancel("other-x-1", now=0.0)


def test_overdue_requests_are_reported_once_per_timeout():
    oms, order = fresh(timeout=2.0)
    assert oms.overdue(1.0) == []
    assert oms.overdue(2.5) == [order]
    assert oms.overdue(3.0) == []          # reported again only after another timeout
    assert oms.overdue(5.0) == [order]
    oms.unanswered(order.client_order_id)
    assert oms.overdue(5.1) == [order]     # the bus said: no reply in time
    oms.on_reply(order.client_order_id, True)
    assert oms.overdue(100.0) == []        # answered: nothing pending


def test_lost_request_is_final():
    oms, order = fresh()
    oms.lost(order.client_order_id, "never reached the engine")
    assert order.state is State.REJECTED and oms.live("BTCUSDT", "bid") is None


def test_adopt_recovers_open_orders_without_doubling_an_intent():
    oms = MiniOMS("s1")
    first = oms.adopt(event("s1-old-1", ET.ORDER_EVENT_TYPE_ACCEPTED), "bid")
    second = oms.adopt(event("s1-old-2", ET.ORDER_EVENT_TYPE_PARTIALLY_FILLED, filled="0.5"), "bid")
    assert first.state is State.OPEN and second.state is State.PARTIALLY_FILLED
    assert oms.live("BTCUSDT", "bid") is first and second.intent == "bid~s1-old-2"
    assert len(oms.live_orders()) == 2
    again = oms.adopt(event("s1-old-1", ET.ORDER_EVENT_TYPE_ACCEPTED), "bid")
    assert again is first and len(oms.orders) == 2


def test_old_final_orders_are_forgotten_beyond_the_limit():
    oms = MiniOMS("s1", keep_final=3)
    for n in range(10):
        cid = f"s1-a-{n}"
        oms.new(cid, "BTCUSDT", Side.SIDE_BUY, D("1"), D("1"), "bid", now=0.0)
        oms.on_reply(cid, False)
    assert len(oms.orders) == 3 and "s1-a-9" in oms.orders


def test_a_lost_cancel_returns_the_order_to_its_state_so_it_can_be_cancelled_again():
    oms, order = fresh()
    oms.on_reply(order.client_order_id, True)
    oms.cancel(order.client_order_id, now=1.0)
    oms.unanswered(order.client_order_id)          # no reply: the engine died with the request
    assert oms.overdue(2.0) == [order]
    # The engine's state (still open) does not settle it; the owner says the request was lost.
    oms.on_event(event(order.client_order_id, ET.ORDER_EVENT_TYPE_ACCEPTED))
    assert order.state is State.PENDING_CANCEL
    oms.on_reply(order.client_order_id, False, detail="request lost")
    assert order.state is State.OPEN and oms.cancel(order.client_order_id, now=3.0) is order
