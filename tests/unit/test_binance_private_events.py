"""The Binance PMS and subscriber message paths without sockets: duplicates, ordering, and bad input."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from exchanges.binance.pms import BinancePMS
from exchanges.binance.subscriber import BinanceSubscriber, DepthSync
from tests.binance_sim import Recorder
from tradesys.messages import OrderEventType
from tradesys.numeric import get_decimal


def update(x, X, z, l="0", t=0, T=1, q="0.030", p="60000.0", c="mm-1"):  # noqa: E741
    return json.dumps({"e": "ORDER_TRADE_UPDATE", "E": T, "T": T, "o": {
        "s": "BTCUSDT", "c": c, "S": "BUY", "o": "LIMIT", "f": "GTC", "q": q, "p": p, "ap": "0", "sp": "0",
        "x": x, "X": X, "i": 42, "l": l, "z": z, "L": p if l != "0" else "0", "n": "0.01", "N": "USDT", "T": T,
        "t": t, "b": "0", "a": "0", "m": True, "R": False, "wt": "CONTRACT_PRICE", "ot": "LIMIT", "ps": "BOTH",
        "cp": False, "rp": "0", "pP": False, "si": 0, "ss": 0, "V": "EXPIRE_MAKER", "pm": "NONE", "gtd": 0}})


def pms():
    p = BinancePMS(http=None, ws_private="ws://unused")
    p.handler = Recorder()
    return p


def test_repeated_and_late_order_updates_are_dropped_and_each_fill_is_delivered_once():
    p = pms()
    frames = [update("NEW", "NEW", "0", T=1),
              update("NEW", "NEW", "0", T=1),                                        # exact repeat
              update("TRADE", "PARTIALLY_FILLED", "0.010", l="0.010", t=7, T=2),
              update("TRADE", "FILLED", "0.030", l="0.020", t=8, T=3),
              update("TRADE", "PARTIALLY_FILLED", "0.010", l="0.010", t=7, T=2),     # late repeat of t=7
              update("CANCELED", "CANCELED", "0.030", T=4)]                          # after a final state
    for frame in frames:
        p._on_message(frame, 0)
    got = p.handler
    assert [e.type for e in got.order_events] == [OrderEventType.ORDER_EVENT_TYPE_ACCEPTED,
                                                  OrderEventType.ORDER_EVENT_TYPE_PARTIALLY_FILLED,
                                                  OrderEventType.ORDER_EVENT_TYPE_FILLED]
    assert [f.trade_id for f in got.fills] == ["7", "8"]
    assert sum(get_decimal(f.quantity) for f in got.fills) == Decimal("0.030")
    assert p.counters["duplicate_events"] == 1 and p.counters["duplicate_fills"] == 1
    assert p.counters["out_of_order"] == 2


def test_a_fill_that_arrives_after_a_later_state_still_counts():
    p = pms()
    p._on_message(update("TRADE", "FILLED", "0.030", l="0.020", t=8, T=3), 0)
    p._on_message(update("TRADE", "PARTIALLY_FILLED", "0.010", l="0.010", t=7, T=2), 0)   # out of order
    assert [f.trade_id for f in p.handler.fills] == ["8", "7"]
    assert [e.type for e in p.handler.order_events] == [OrderEventType.ORDER_EVENT_TYPE_FILLED]


def test_an_unknown_status_is_counted_and_delivered_to_no_one():
    p = pms()
    p._on_message(update("NEW", "PENDING_SOMETHING", "0"), 0)
    p._on_message(json.dumps({"e": "MARGIN_CALL", "E": 1}), 0)
    p._on_message(json.dumps({"e": "ORDER_TRADE_UPDATE", "E": 1}), 0)   # ours, but unreadable
    assert p.handler.order_events == [] and p.counters["unknown_state"] == 1
    assert p.counters["ignored_events"] == 1 and p.counters["malformed"] == 1


def test_account_snapshots_older_than_the_newest_are_dropped():
    p = pms()
    for when, amount in ((5, "1.0"), (3, "0.5"), (6, "2.0")):
        p._on_message(json.dumps({"e": "ACCOUNT_UPDATE", "E": when, "T": when, "a": {
            "m": "ORDER", "B": [{"a": "USDT", "wb": "10", "cw": "10", "bc": "0"}],
            "P": [{"s": "BTCUSDT", "pa": amount, "ep": "1", "cr": "0", "up": "0", "mt": "cross", "iw": "0",
                   "ps": "BOTH"}]}}), 0)
    assert [get_decimal(x.quantity) for x in p.handler.positions] == [Decimal("1.0"), Decimal("2.0")]


def subscriber():
    s = BinanceSubscriber(http=None, ws_public="", ws_market="")
    s.handler = Recorder()
    s.scales = {"BTCUSDT": (2, 3)}
    s.syncs = {"BTCUSDT": DepthSync("BTCUSDT", 2, 3)}
    return s


def test_an_unreadable_price_is_a_counted_drop():
    s = subscriber()
    s._on_message(json.dumps({"stream": "btcusdt@bookTicker", "data": {
        "e": "bookTicker", "u": 1, "s": "BTCUSDT", "b": "n/a", "B": "1", "a": "2", "A": "1", "T": 1, "E": 1}}), 0)
    s._on_message('{"result":null,"id":1}', 0)
    s._on_message('{"code":2,"msg":"Invalid request"}', 0)
    assert s.handler.bbos == [] and s.counters["malformed"] == 1 and s.counters["control_errors"] == 1


payloads = st.one_of(
    st.text(max_size=80),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=6),
                 lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
                     st.sampled_from(["e", "E", "T", "o", "a", "s", "b", "data", "stream", "x", "X", "z"]), inner,
                     max_size=6), max_leaves=25).map(json.dumps),
    st.tuples(st.sampled_from([update("TRADE", "FILLED", "0.030", l="0.030", t=9)]), st.integers(0, 500))
    .map(lambda t: t[0][:t[1]]))


@settings(max_examples=400, deadline=None)
@given(payloads)
def test_no_payload_escapes_the_message_handlers(text):
    p, s = pms(), subscriber()
    p._on_message(text, 0)
    s._on_message(text, 0)
    assert sum(p.counters.values()) >= 1 and s.counters["messages"] == 1


def test_a_funding_fee_update_reports_funding_before_the_balance_and_other_updates_do_not():
    p = pms()
    funding = {"e": "ACCOUNT_UPDATE", "E": 5, "T": 5, "a": {"m": "FUNDING_FEE", "S": "BTCUSDT", "P": [],
                                                            "B": [{"a": "USDT", "wb": "99990.5", "cw": "99990.5",
                                                                   "bc": "0"}]}}
    order = {"e": "ACCOUNT_UPDATE", "E": 6, "T": 6, "a": {"m": "ORDER", "P": [],
                                                         "B": [{"a": "USDT", "wb": "99991", "cw": "99991", "bc": "0"}]}}
    p._on_message(json.dumps(funding), 0)
    p._on_message(json.dumps(order), 0)
    got = p.handler
    assert [(symbol, b.asset, str(get_decimal(b.total))) for symbol, b in got.funding] == [
        ("BTCUSDT", "USDT", "99990.5")]
    assert [str(get_decimal(b.total)) for b in got.balances] == ["99990.5", "99991"]
    assert p.counters["funding"] == 1
