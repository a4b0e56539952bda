"""Deribit parsers and book continuity on captured production traffic and the documentation's examples
(tests/fixtures/deribit/), and the decoders under random and truncated input."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchanges.deribit import messages as m
from exchanges.deribit import parse
from exchanges.deribit.errors import classify
from exchanges.deribit.levels import DeribitLevels
from exchanges.deribit.subscriber import BookChain
from tradesys.messages import InstrumentKind, OrderEventType, Side
from tradesys.numeric import get_decimal
from tradesys.venue.errors import AuthError, PostOnlyWouldCross, ProtocolError, RateLimited, SequenceGap, UnknownOrder

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deribit"
CAPTURE = [json.loads(line) for line in (FIXTURES / "options_book_ticker_2021-07-22_capture.jsonl").open()]
FRAMES = [r["frame"] for r in CAPTURE if r["direction"] == "received"]
DOCS = {e["source"]: e["message"] for e in json.loads((FIXTURES / "docs_examples.json").read_text())}


def doc(fragment: str):
    return next(message for source, message in DOCS.items() if fragment in source)


def instruments() -> dict:
    out = {}
    for line in (FIXTURES / "instruments_2021-07-22_subset.jsonl").open():
        for item in json.loads(line)["payload"]["result"]:
            info = msgspec.json.decode(json.dumps(item), type=m.InstrumentInfo)
            out[info.instrument_name] = parse.instrument(info)
    return out


def test_instruments_of_the_capture_say_inverse_or_linear_and_carry_their_grid():
    found = instruments()
    btc, eth, sol, usdc = (found[n] for n in ("BTC-PERPETUAL", "ETH-PERPETUAL", "SOL-PERPETUAL", "BTC_USDC-PERPETUAL"))
    assert btc.inverse and btc.settle == "BTC" and btc.kind == InstrumentKind.INSTRUMENT_KIND_PERPETUAL
    assert get_decimal(btc.tick_size) == Decimal("0.5") and get_decimal(btc.contract_size) == 10
    assert (btc.price_scale, btc.size_scale) == (1, 0) and btc.expiry_ts == 0
    assert eth.inverse and get_decimal(eth.tick_size) == Decimal("0.05") and eth.price_scale == 2
    assert sol.inverse and sol.settle == "SOL"          # "future_type": "reversed"
    assert not usdc.inverse and usdc.settle == "USDC" and get_decimal(usdc.lot_size) == Decimal("0.001")
    assert (usdc.price_scale, usdc.size_scale) == (0, 3)
    dated = found["BTC-25MAR22"]
    assert dated.kind == InstrumentKind.INSTRUMENT_KIND_FUTURE and dated.expiry_ts == 1648195200000 * parse.MS


def _notes(kind: str):
    for frame in FRAMES:
        envelope = m.envelope_decoder.decode(frame)
        if envelope.method != "subscription":
            continue
        note = envelope.params
        if note.channel.startswith(kind + "."):
            yield note


def test_the_captured_books_chain_without_a_break_and_rebuild_the_documented_tops():
    chains: dict[str, BookChain] = {}
    for note in _notes("book"):
        book = m.book_decoder.decode(note.data)
        chain = chains.setdefault(book.instrument_name, BookChain(book.instrument_name, 4, 1))
        if book.type == "snapshot":
            chain.on_snapshot(book)
        else:
            assert chain.on_change(book) is not None
    assert len(chains) == 10 and all(c.breaks == 0 for c in chains.values())
    tops = {name: (chain.book.price(chain.book.best_bid), chain.book.size(chain.book.bids[chain.book.best_bid]),
                   chain.book.price(chain.book.best_ask), chain.book.size(chain.book.asks[chain.book.best_ask]))
            for name, chain in chains.items() if chain.book.bids and chain.book.asks}
    assert tops["BTC-31DEC21-34000-P"] == (Decimal("0.2325"), Decimal("1.5"), Decimal("0.236"), Decimal("8.4"))
    assert tops["ETH-30JUL21-2800-C"] == (Decimal("0.0015"), Decimal("4737"), Decimal("0.0025"), Decimal("873"))
    assert not chains["ETH-27AUG21-4000-P"].book.bids and not chains["ETH-27AUG21-4000-P"].book.asks


def test_a_change_that_does_not_follow_is_a_gap_and_the_book_is_withdrawn():
    notes = [m.book_decoder.decode(n.data) for n in _notes("book")]
    name = "BTC-31DEC21-34000-P"
    mine = [n for n in notes if n.instrument_name == name]
    chain = BookChain(name, 4, 1)
    chain.on_snapshot(mine[0])
    with pytest.raises(SequenceGap, match="does not follow"):
        chain.on_change(mine[2])   # mine[1] was lost
    assert not chain.live and len(chain.book) == 0 and chain.on_change(mine[3]) is None


def test_every_captured_ticker_and_trade_parses():
    tickers = [m.ticker_decoder.decode(n.data) for n in _notes("ticker")]
    assert tickers and all(parse.mark_price(t) is not None for t in tickers)
    bbos = [parse.bbo(t) for t in tickers]
    assert any(b is not None and get_decimal(b.bid_price) < get_decimal(b.ask_price) for b in bbos)
    trades = [parse.trade(t) for n in _notes("trades") for t in m.trades_decoder.decode(n.data)]
    assert all(t.aggressor in (Side.SIDE_BUY, Side.SIDE_SELL) and get_decimal(t.quantity) > 0 for t in trades)


def test_the_subscribe_reply_of_the_capture_is_an_envelope_with_server_times():
    reply = m.envelope_decoder.decode(FRAMES[0])
    assert reply.id == 0 and reply.usOut >= reply.usIn > 0
    assert len(m.decode(reply.result, list[str])) == 30


def test_the_documented_order_trade_and_position_examples_translate_exactly():
    edited = m.decode(json.dumps(doc("edit_by_label")["result"]), m.OrderReply).order
    event = parse.order_event(edited, modified=True)
    assert event.type == OrderEventType.ORDER_EVENT_TYPE_MODIFIED and event.client_order_id == "i_love_deribit"
    assert event.venue_order_id == "94166" and get_decimal(event.price) == 50111 and get_decimal(event.quantity) == 150
    assert parse.order_event(edited).type == OrderEventType.ORDER_EVENT_TYPE_ACCEPTED
    trades = m.user_trades_list_decoder.decode(json.dumps(doc("usertrades")["params"]["data"]))
    fills = [parse.fill(t) for t in trades]
    assert [f.trade_id for f in fills] == ["48079254", "48079255"]
    assert all(get_decimal(f.fee) == Decimal("0.00000168") and f.fee_asset == "BTC" and f.side == Side.SIDE_SELL
               for f in fills)
    position = parse.position(msgspec.json.decode(json.dumps(doc("positions element")), type=m.PositionItem), "main")
    assert get_decimal(position.quantity) == 185160 and get_decimal(position.entry_price) == 15000
    assert get_decimal(position.unrealized_pnl) == Decimal("0.906961435")
    opened = m.decode(json.dumps(doc("open_orders_by_label")["result"]), list[m.Order])
    assert parse.order_event(opened[0]).client_order_id == "fooBar"


def test_states_are_never_guessed_and_off_grid_levels_are_refused():
    edited = m.decode(json.dumps(doc("edit_by_label")["result"]), m.OrderReply).order
    with pytest.raises(ProtocolError, match="unknown order state 'half_done'"):
        parse.order_event(msgspec.structs.replace(edited, order_state="half_done"))
    with pytest.raises(ProtocolError, match="unknown direction"):
        parse.order_event(msgspec.structs.replace(edited, direction="up"))
    note = m.BookNotification("snapshot", 1, "BTC-PERPETUAL", 0, msgspec.Raw(b'[["new",65000.25,10.0]]'),
                              msgspec.Raw(b"[]"))
    with pytest.raises(ProtocolError, match="not on the grid"):
        parse.book_snapshot(note, DeribitLevels(1, 0))
    with pytest.raises(ProtocolError, match="unknown book action 'moved'"):
        parse.book_snapshot(msgspec.structs.replace(note, bids=msgspec.Raw(b'[["moved",65000.5,10.0]]')),
                            DeribitLevels(1, 0))
    cancelled = msgspec.structs.replace(edited, order_state="cancelled", time_in_force="immediate_or_cancel")
    assert parse.order_event(cancelled).type == OrderEventType.ORDER_EVENT_TYPE_EXPIRED


@pytest.mark.parametrize("code, kind", [(13009, AuthError), (10028, RateLimited), (11054, PostOnlyWouldCross),
                                        (11044, UnknownOrder), (10004, UnknownOrder)])
def test_error_codes_are_classified_by_code(code, kind):
    assert isinstance(classify(code, "x"), kind)


def test_the_documented_error_reply_is_an_auth_error_naming_its_reason():
    reply = m.envelope_decoder.decode(json.dumps(doc("articles/errors")))
    error = classify(reply.error.code, reply.error.message, reply.error.data, request="private/buy")
    assert isinstance(error, AuthError) and error.code == 13009 and "token has expired" in str(error)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                        max_size=4), max_leaves=20)
DECODERS = (m.envelope_decoder, m.book_decoder, m.ticker_decoder, m.trades_decoder,
            m.changes_decoder, m.summary_decoder, m.order_decoder, m.user_trades_list_decoder)


@settings(max_examples=300, deadline=None)
@given(st.one_of(json_values.map(json.dumps), st.text(max_size=60),
                 st.tuples(st.sampled_from(FRAMES[:40]), st.integers(0, 600)).map(lambda t: t[0][:t[1]])))
def test_random_and_truncated_payloads_never_escape_the_decoders_as_anything_but_their_errors(text):
    for decoder in DECODERS:
        try:
            decoded = decoder.decode(text)
        except (msgspec.ValidationError, msgspec.DecodeError):
            continue
        # What does decode must translate or fail with our ProtocolError, never anything else.
        try:
            if isinstance(decoded, m.BookNotification):
                parse.book_delta(decoded, DeribitLevels(4, 1))
            elif isinstance(decoded, m.Order):
                parse.order_event(decoded)
            elif isinstance(decoded, m.Ticker):
                parse.bbo(decoded), parse.mark_price(decoded)
        except ProtocolError:
            pass
