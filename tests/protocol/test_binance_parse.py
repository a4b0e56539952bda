"""Binance parsers and book sync on the captured production traffic (tests/fixtures/binance/)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchanges.binance import messages as m
from exchanges.binance import parse
from exchanges.binance.subscriber import DepthSync
from tradesys.messages import OrderEventType, Side
from tradesys.numeric import get_decimal, parse_scaled
from tradesys.venue.errors import ProtocolError, SequenceGap

FIXTURES = Path(__file__).parents[1] / "fixtures" / "binance"
INFO = msgspec.json.decode(json.dumps(json.loads((FIXTURES / "exchange_info_2021-07-22_subset.json").read_text())
                                      ["payload"]), type=m.ExchangeInfo)
INSTRUMENTS = {i.symbol: parse.instrument(i) for i in INFO.symbols}
USER = json.loads((FIXTURES / "user_stream_examples.json").read_text())


def records(name):
    return [json.loads(line) for line in (FIXTURES / name).open()]


def test_instruments_carry_the_filters_exactly():
    btc, ctk = INSTRUMENTS["BTCUSDT"], INSTRUMENTS["CTKUSDT"]
    assert get_decimal(btc.tick_size) == Decimal("0.01") and btc.price_scale == 2 and btc.size_scale == 3
    assert get_decimal(btc.lot_size) == Decimal("0.001") and get_decimal(btc.min_notional) >= 0
    assert ctk.price_scale == 5 and get_decimal(ctk.tick_size) == Decimal("0.001")
    assert btc.trading and btc.settle == "USDT" and not btc.inverse


@pytest.mark.parametrize("capture, symbol", [("keepusdt_2021-07-22_capture.jsonl", "KEEPUSDT"),
                                             ("ctkusdt_2021-07-22_capture.jsonl", "CTKUSDT")])
def test_a_captured_depth_stream_rebuilds_the_book_with_no_break_and_matches_every_book_ticker(capture, symbol):
    instrument = INSTRUMENTS[symbol]
    scales = (instrument.price_scale, instrument.size_scale)
    sync, applied, compared = DepthSync(symbol, *scales), 0, 0
    tickers = {}
    for record in records(capture):
        payload = record["payload"]
        if record["kind"] == "rest":
            snapshot = msgspec.json.decode(json.dumps(payload), type=m.DepthSnapshot)
            published = sync.on_snapshot(parse.book_snapshot(symbol, snapshot, *scales))
            assert published.venue_seq >= snapshot.lastUpdateId and sync.live
            continue
        if payload["data"]["e"] == "kline":
            continue
        frame = m.market_decoder.decode(json.dumps(payload))
        event = frame.data
        if isinstance(event, m.BookTicker):
            tickers[event.u] = event
        elif isinstance(event, m.DepthUpdate):
            if sync.on_diff(parse.book_diff(event, sync.levels)) is not None:
                applied += 1
            ticker = tickers.get(event.u)
            if ticker is not None and sync.live:
                book = sync.book
                assert book.best_bid == parse_scaled(ticker.b, scales[0])
                assert book.best_ask == parse_scaled(ticker.a, scales[0])
                assert book.bids[book.best_bid] == parse_scaled(ticker.B, scales[1])
                compared += 1
        # Book tickers that arrive after the diff with the same u are checked against the book as it stands.
        if isinstance(event, m.BookTicker) and sync.live and event.u == sync.book.seq:
            assert sync.book.best_bid == parse_scaled(event.b, scales[0])
            compared += 1
    assert sync.breaks == 0 and applied > 50 and compared >= 13
    assert not sync.book.is_crossed()


def test_a_missing_diff_is_a_gap_and_the_book_is_withdrawn():
    symbol = "KEEPUSDT"
    scales = (INSTRUMENTS[symbol].price_scale, INSTRUMENTS[symbol].size_scale)
    sync = DepthSync(symbol, *scales)
    recs = records("keepusdt_2021-07-22_capture.jsonl")
    diffs = [m.market_decoder.decode(json.dumps(r["payload"])).data for r in recs if r["kind"] == "ws"
             and r["payload"]["data"]["e"] == "depthUpdate"]
    snapshot = next(r["payload"] for r in recs if r["kind"] == "rest")
    sync.on_snapshot(parse.book_snapshot(symbol, msgspec.json.decode(json.dumps(snapshot), type=m.DepthSnapshot),
                                         *scales))
    live = [d for d in diffs if d.u >= snapshot["lastUpdateId"]]
    sync.on_diff(parse.book_diff(live[0], sync.levels))
    sync.on_diff(parse.book_diff(live[1], sync.levels))
    with pytest.raises(SequenceGap, match="does not follow"):
        sync.on_diff(parse.book_diff(live[3], sync.levels))   # live[2] lost
    assert not sync.live and len(sync.book) == 0 and sync.breaks == 1
    assert sync.on_diff(parse.book_diff(live[4], sync.levels)) is None   # buffered until the next snapshot


def test_every_captured_stream_message_parses():
    kinds = set()
    for name in ("keepusdt_2021-07-22_capture.jsonl", "ctkusdt_2021-07-22_capture.jsonl"):
        for record in records(name):
            if record["kind"] != "ws":
                continue
            if record["payload"]["data"]["e"] == "kline":
                with pytest.raises(msgspec.ValidationError):   # not a stream we subscribe to: refused, not guessed
                    m.market_decoder.decode(json.dumps(record["payload"]))
                continue
            event = m.market_decoder.decode(json.dumps(record["payload"])).data
            kinds.add(type(event).__name__)
            if isinstance(event, m.AggTrade):
                trade = parse.trade(event)
                assert trade.aggressor == (Side.SIDE_SELL if event.m else Side.SIDE_BUY)
                assert str(get_decimal(trade.price)) == event.p
            elif isinstance(event, m.BookTicker):
                assert str(get_decimal(parse.bbo(event).bid_price)) == event.b
    assert kinds == {"DepthUpdate", "BookTicker", "AggTrade"}


def test_user_stream_examples_become_order_events_fills_and_positions():
    new = msgspec.json.decode(json.dumps(USER["order_trade_update_new"]), type=m.UserEvent)
    event = parse.order_update_event(new.o)
    assert event.type == OrderEventType.ORDER_EVENT_TYPE_ACCEPTED and event.client_order_id == new.o.c
    assert parse.update_fill(new.o) is None
    lite = msgspec.json.decode(json.dumps(USER["trade_lite"]), type=m.UserEvent)
    assert isinstance(lite, m.TradeLite)
    account = msgspec.json.decode(json.dumps(USER["account_update"]), type=m.UserEvent)
    [position] = parse.account_positions(account, "main")
    assert position.symbol == "SOLUSDT" and get_decimal(position.quantity) == Decimal("0.1")
    [balance] = parse.account_balances(account, "main")
    assert balance.asset == "USDT" and get_decimal(balance.total) == Decimal("1.73744723")


def test_a_fill_update_and_an_unknown_status():
    fill_update = m.OrderUpdate(s="BTCUSDT", c="mm-1", S="SELL", o="LIMIT", f="GTX", q="0.010", p="60000.0",
                                x="TRADE", X="PARTIALLY_FILLED", i=9, l="0.004", z="0.004", L="60000.0",
                                T=1, n="0.048", N="USDT", t=77, m=True)
    event = parse.order_update_event(fill_update)
    fill = parse.update_fill(fill_update)
    assert event.type == OrderEventType.ORDER_EVENT_TYPE_PARTIALLY_FILLED
    assert get_decimal(event.last_fill_quantity) == Decimal("0.004")
    assert fill.trade_id == "77" and get_decimal(fill.fee) == Decimal("0.048") and fill.side == Side.SIDE_SELL
    with pytest.raises(ProtocolError, match="unknown order status 'HALF_DONE'"):
        parse.order_update_event(msgspec.structs.replace(fill_update, X="HALF_DONE", x="NEW"))


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                                        max_size=4), max_leaves=20)
REAL_FRAMES = [json.dumps(r["payload"]) for r in records("keepusdt_2021-07-22_capture.jsonl")[:40]
               if r["kind"] == "ws"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values.map(json.dumps), st.text(max_size=60),
                 st.tuples(st.sampled_from(REAL_FRAMES), st.integers(0, 400)).map(lambda t: t[0][:t[1]])))
def test_random_and_truncated_payloads_never_escape_the_decoders_as_anything_but_their_errors(text):
    for decoder in (m.market_decoder, m.user_decoder, m.control_decoder, m.ws_api_decoder):
        try:
            decoder.decode(text)
        except (msgspec.ValidationError, msgspec.DecodeError):
            pass


def test_the_declared_rate_limits_are_read_by_our_names():
    assert parse.rate_limits(INFO) == {"weight_1m": 2400, "orders_1m": 1200, "orders_10s": 300}
