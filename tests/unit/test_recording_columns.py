"""The typed columns a recording keeps beside each body: exact mantissas and scales, ids, sides, null where a
message has no such field; a body that does not decode is kept and counted, its typed columns null."""

from __future__ import annotations

import time

import pyarrow.compute as pc

from tradesys.bus.pubsub import Envelope
from tradesys.messages import (
    KIND_OF,
    Balance,
    Bbo,
    BookSnapshot,
    Fill,
    Header,
    LevelsDelta,
    MessageKind,
    OrderEvent,
    OrderEventType,
    Side,
    Trade,
)
from tradesys.numeric import set_decimal
from tradesys.recording import RecordingWriter, read_recording


def envelope(topic: str, message, seq: int = 1) -> Envelope:
    kind = KIND_OF[type(message)]
    header = Header(topic=topic, seq=seq, session=1, kind=kind, source="t")
    return Envelope(topic, header, message.SerializeToString(), time.time_ns())


def decimals(message, **values) -> None:
    for name, value in values.items():
        set_decimal(getattr(message, name), value)


def recorded(tmp_path, *envelopes):
    writer = RecordingWriter(tmp_path, "w")
    writer.add(list(envelopes))
    writer.close()
    return writer, read_recording(tmp_path)


def rows(table, kind: str) -> list[dict]:
    selected = table.filter(pc.equal(table.column("kind"), int(getattr(MessageKind, f"MESSAGE_KIND_{kind}"))))
    return selected.drop_columns(["body"]).to_pylist()


def test_book_levels_bbo_and_trades_are_columns_at_their_scales(tmp_path):
    bbo = Bbo(venue="binance", symbol="BTCUSDT", venue_seq=9)
    decimals(bbo, bid_price="65000.1", ask_price="65000.25", bid_size="1.5", ask_size="2")
    trade = Trade(venue="binance", symbol="BTCUSDT", trade_id="t1", aggressor=Side.SIDE_SELL)
    decimals(trade, price="64999.9", quantity="0.010")
    snapshot = BookSnapshot(venue="binance", symbol="BTCUSDT", price_scale=1, size_scale=3, venue_seq=5,
                            bid_prices=[650000, 649999], bid_sizes=[1000, 5], ask_prices=[650001], ask_sizes=[7])
    delta = LevelsDelta("binance", "BTCUSDT", 1, 3, 6, 5, ([650000], [0], [650002], [4]))
    _, table = recorded(tmp_path, envelope("md.binance.BTCUSDT.bbo", bbo), envelope("md.binance.BTCUSDT.trade", trade),
                        envelope("md.binance.BTCUSDT.book", snapshot), envelope("md.binance.BTCUSDT.book", delta, 2))
    [row] = rows(table, "BBO")
    # One scale a row: the bid's one decimal brought to the ask's two, the sizes to one.
    assert (row["price_scale"], row["bid_price"], row["ask_price"]) == (2, 6500010, 6500025)
    assert (row["size_scale"], row["bid_size"], row["ask_size"], row["venue_seq"]) == (1, 15, 20, 9)
    [row] = rows(table, "TRADE")
    assert (row["side"], row["price"], row["price_scale"], row["size"], row["size_scale"], row["trade_id"]) == (
        "sell", 649999, 1, 10, 3, "t1")
    [row] = rows(table, "BOOK_SNAPSHOT")
    assert (row["bid_prices"], row["bid_sizes"], row["ask_prices"], row["ask_sizes"]) == (
        [650000, 649999], [1000, 5], [650001], [7])
    [row] = rows(table, "BOOK_DELTA")
    assert (row["venue"], row["symbol"], row["price_scale"], row["size_scale"], row["venue_seq"]) == (
        "binance", "BTCUSDT", 1, 3, 6)
    assert (row["bid_prices"], row["bid_sizes"], row["ask_prices"], row["ask_sizes"]) == ([650000], [0], [650002], [4])
    assert row["price"] is None and row["client_order_id"] is None        # not a field of a delta


def test_orders_fills_and_balances_carry_their_ids_and_quantities(tmp_path):
    event = OrderEvent(venue="binance", strategy_id="mm", symbol="BTCUSDT", client_order_id="mm-1-1",
                       venue_order_id="42", type=OrderEventType.ORDER_EVENT_TYPE_PARTIALLY_FILLED, side=Side.SIDE_BUY)
    decimals(event, price="64000.5", quantity="0.3", filled_quantity="0.125")
    fill = Fill(venue="binance", strategy_id="mm", symbol="BTCUSDT", client_order_id="mm-1-1", venue_order_id="42",
                trade_id="7", side=Side.SIDE_BUY)
    decimals(fill, price="64000.5", quantity="0.125")
    balance = Balance(venue="binance", account="main", asset="USDT")
    decimals(balance, total="1000.55")
    _, table = recorded(tmp_path, envelope("oe.binance.mm", event), envelope("oe.binance.mm", fill, 2),
                        envelope("pos.binance.main", balance))
    [row] = rows(table, "ORDER_EVENT")
    assert (row["event"], row["side"], row["client_order_id"], row["venue_order_id"], row["strategy_id"]) == (
        "partially_filled", "buy", "mm-1-1", "42", "mm")
    assert (row["price"], row["price_scale"], row["size"], row["filled"], row["size_scale"]) == (640005, 1, 300, 125, 3)
    [row] = rows(table, "FILL")
    assert (row["trade_id"], row["price"], row["size"], row["size_scale"]) == ("7", 640005, 125, 3)
    [row] = rows(table, "BALANCE")
    assert (row["symbol"], row["size"], row["size_scale"], row["price"]) == ("USDT", 100055, 2, None)


def test_a_body_that_does_not_decode_is_kept_with_null_columns_and_counted(tmp_path):
    header = Header(topic="md.binance.BTCUSDT.trade", seq=1, session=1, kind=MessageKind.MESSAGE_KIND_TRADE)
    broken = Envelope(header.topic, header, b"\xff\xff\xff", time.time_ns())
    writer, table = recorded(tmp_path, broken)
    [row] = table.to_pylist()
    assert row["body"] == b"\xff\xff\xff" and row["symbol"] is None and row["price"] is None
    assert writer.counters()["undecoded_bodies"] == 1


def test_a_raw_frame_is_its_connection_stream_and_bytes(tmp_path):
    from tradesys.messages import RawFrame

    frame = RawFrame(venue="binance", connection="binance-public-0", stream="ws://127.0.0.1:1/public/stream",
                     data=b'{"stream":"btcusdt@depth@0ms","data":{}}')
    _, table = recorded(tmp_path, envelope("raw.binance.binance-public-0", frame))
    [row] = rows(table, "RAW_FRAME")
    assert (row["venue"], row["connection"], row["stream"], row["frame"]) == (
        "binance", "binance-public-0", "ws://127.0.0.1:1/public/stream", b'{"stream":"btcusdt@depth@0ms","data":{}}')
    assert row["symbol"] is None and row["price"] is None
