"""GRVT's parsers on the documentation's own example messages (tests/fixtures/grvt/docs_examples.json, each
naming its page), the lite names of every example translated to the full ones, hypothesis fuzzing of every
decoder and parser, and the client order id codec."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exchanges.grvt import messages as m
from exchanges.grvt import names, parse
from exchanges.grvt.ids import COUNT_BITS, ID_OPTIONS, SESSION_BITS, ClientIdCodec, owner_hash
from exchanges.grvt.subscriber import BookChain
from tradesys.messages import BookSnapshot, OrderEventType, Side
from tradesys.numeric import get_decimal
from tradesys.venue.errors import InvalidOrder, ProtocolError, SequenceGap
from tradesys.venue.ids import ClientOrderIds

EXAMPLES = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "grvt" / "docs_examples.json").read_text())
CODEC = ClientIdCodec(("mm_btc_grvt",))
E = OrderEventType


def example(what: str) -> dict:
    found = [e["message"] for e in EXAMPLES if e["what"] == what]
    assert len(found) == 1, what
    return found[0]


def result(what: str) -> bytes:
    return msgspec.json.encode(example(what)["result"])


def feed(what: str) -> m.Frame:
    return m.frame_decoder.decode(json.dumps(example(what)))


# The struct each documented answer or feed is, by the spec's route and stream tables.
STRUCTS = {"Get Instrument": "ApiGetInstrumentResponse", "Get All Instruments": "ApiGetAllInstrumentsResponse",
           "Mini Ticker": "ApiMiniTickerResponse", "Ticker": "ApiTickerResponse",
           "Orderbook Levels": "ApiOrderbookLevelsResponse", "Trade": "ApiTradeResponse",
           "Create Order": "ApiCreateOrderResponse", "Cancel Order": "AckResponse", "Cancel All Orders": "AckResponse",
           "Get Order": "ApiGetOrderResponse", "Open Orders": "ApiOpenOrdersResponse",
           "Cancel On Disconnect": "AckResponse", "Fill History": "ApiFillHistoryResponse",
           "Positions": "ApiPositionsResponse", "Sub Account Summary": "ApiSubAccountSummaryResponse",
           "Get Sub Accounts": "ApiGetSubAccountsResponse",
           "Mini Ticker Snap": "WSMiniTickerFeedDataV1", "Ticker Snap": "WSTickerFeedDataV1",
           "Orderbook Snap": "WSOrderbookLevelsFeedDataV1", "Orderbook Delta": "WSOrderbookLevelsFeedDataV1",
           "Order": "WSOrderFeedDataV1", "Order State": "WSOrderStateFeedDataV1", "Cancel Status": "WSCancelFeedDataV1",
           "Fill": "WSFillFeedDataV1", "Positions feed": "WSPositionsFeedDataV1"}


def _pairs():
    for entry in EXAMPLES:
        what = entry["what"]
        if not what.endswith("full names") or " answer" not in what and " feed" not in what:
            continue
        section, _, kind = what.removesuffix(", full names").rpartition(" ")
        key = "Positions feed" if (section, kind) == ("Positions", "feed") else section
        if section == "Trade" and kind == "feed":
            key, struct = "Trade feed", "WSTradeFeedDataV1"
        else:
            struct = STRUCTS[key]
        yield pytest.param(struct, entry["message"], example(what.replace("full names", "lite names")), id=what)


@pytest.mark.parametrize("struct,full,lite", list(_pairs()))
def test_every_documented_lite_example_reads_as_its_full_twin(struct, full, lite):
    assert names.to_full(struct, lite) == full
    assert names.to_lite(struct, full) == lite


def test_instruments_as_documented():
    (info,) = m.instruments_decoder.decode(result("Get All Instruments answer, full names"))
    instrument = parse.instrument(info)
    assert (instrument.symbol, instrument.base, instrument.quote, instrument.settle) == ("BTC_USDT_Perp", "BTC",
                                                                                        "USDT", "USDT")
    assert (instrument.price_scale, instrument.size_scale, instrument.inverse) == (2, 2, False)
    assert get_decimal(instrument.tick_size) == Decimal("0.01") and get_decimal(instrument.min_notional) == 20
    # The signing scale is the instrument's base_decimals, not its grid.
    assert info.base_decimals == 3 and int(info.instrument_hash, 16) == 0x030501


def test_ticker_book_and_trades_as_documented():
    ticker = m.ticker_decoder.decode(result("Ticker answer, full names"))
    bbo, mark = parse.bbo(ticker), parse.mark_price(ticker)
    assert get_decimal(bbo.bid_price) == Decimal("65038.01") and get_decimal(bbo.ask_size) == Decimal("123456.78")
    # The documentation prints the funding rate as a number, the spec's table as a string: both read exactly.
    assert get_decimal(mark.funding_rate) == Decimal("0.000003") and mark.next_funding_ts > 0
    snap = feed("Ticker Snap feed, full names")
    assert parse.bbo(m.ticker_decoder.decode(snap.feed)) is not None
    book = m.book_decoder.decode(result("Orderbook Levels answer, full names"))
    snapshot = parse.book_snapshot(book, 7, 2, 2)
    assert (snapshot.bid_prices, snapshot.bid_sizes, snapshot.venue_seq) == ([6503801], [345678], 7)
    trade = parse.trade(m.trade_decoder.decode(feed("Trade feed, full names").feed))
    assert (trade.trade_id, trade.aggressor, get_decimal(trade.price)) == ("209358-2", Side.SIDE_BUY,
                                                                            Decimal("65038.01"))


def test_the_book_chain_by_the_specs_sequence_rules():
    delta = feed("book delta, full names")          # the documented delta: sequence 872634876
    levels = m.book_decoder.decode(delta.feed)
    chain = BookChain("BTC_USDT_Perp", 2, 2)
    assert chain.on_frame(delta, levels) is None and chain.skipped == 1       # no snapshot yet
    # The subscribe reply names the first delta; the snapshot comes in two payloads, both numbered 0.
    chain.expect_snapshot(872634876, snapshots=2)
    snapshot = m.Frame(stream="v1.book.d", sequence_number="0", prev_sequence_number="0")
    assert chain.on_frame(snapshot, m.Book("BTC_USDT_Perp", bids=[m.Level("65000.00", "1")])) is None
    published = chain.on_frame(snapshot, m.Book("BTC_USDT_Perp", asks=[m.Level("65040.00", "2")]))
    assert isinstance(published, BookSnapshot) and (published.bid_prices, published.ask_prices) == ([6500000],
                                                                                                  [6504000])
    assert published.venue_seq == 872634875
    applied = chain.on_frame(delta, levels)
    assert applied.venue_seq == 872634876 and applied.prev_venue_seq == 872634875
    assert chain.on_frame(delta, levels) is None and chain.duplicates == 1     # a network retry: ignored
    skipped = m.Frame(stream="v1.book.d", sequence_number="872634878", prev_sequence_number="872634877")
    with pytest.raises(SequenceGap):
        chain.on_frame(skipped, m.Book("BTC_USDT_Perp"))
    assert not chain.live and chain.breaks == 1


def test_orders_fills_positions_and_balances_as_documented():
    created = m.order_decoder.decode(result("Create Order answer, full names"))
    event = parse.order_event(created, CODEC)
    # A client order id that is not one of ours keeps the venue's number.
    assert event.client_order_id == "23042" and event.type == E.ORDER_EVENT_TYPE_PARTIALLY_FILLED
    assert (get_decimal(event.quantity), get_decimal(event.filled_quantity)) == (Decimal("10.5"), Decimal("1.5"))
    assert event.detail == "CLIENT_CANCEL"
    streamed = parse.order_event(m.order_decoder.decode(feed("Order feed, full names").feed), CODEC)
    assert streamed.side == Side.SIDE_BUY and get_decimal(streamed.price) == Decimal("65038.01")
    (fill,) = [parse.fill(f, CODEC) for f in m.fills_decoder.decode(result("Fill History answer, full names"))]
    assert (fill.trade_id, fill.client_order_id, get_decimal(fill.fee)) == ("209358-2", "23042", Decimal("9.75"))
    position = parse.position(m.position_decoder.decode(feed("Positions feed, full names").feed), "main")
    assert get_decimal(position.quantity) == Decimal("2635000.50") and get_decimal(position.funding) > 0
    balances = parse.balances(m.summary_decoder.decode(result("Sub Account Summary answer, full names")), "main")
    assert [(b.asset, get_decimal(b.total), get_decimal(b.available)) for b in balances] == [
        ("USDT", Decimal("123456.78"), Decimal("123456.78"))]
    # get_sub_accounts is one of the few answers not wrapped in "result".
    accounts = m.sub_accounts_decoder.decode(json.dumps(example("Get Sub Accounts answer, full names")))
    assert accounts.sub_account_ids == ["4724219064482495", "2095919380", "1170592370"]
    state = m.state_decoder.decode(feed("Order State feed, full names").feed)
    assert parse.order_event_type(state.order_state) == E.ORDER_EVENT_TYPE_PARTIALLY_FILLED


def test_states_are_never_guessed_and_time_in_force_ends_are_expiries():
    with pytest.raises(ProtocolError, match="unknown order status"):
        parse.order_event_type(m.OrderState("HALF_OPEN"))
    assert parse.order_event_type(m.OrderState("CANCELLED", "IOC_CANCEL")) == E.ORDER_EVENT_TYPE_EXPIRED
    assert parse.order_event_type(m.OrderState("CANCELLED", "CLIENT_CANCEL_ON_DISCONNECT_TRIGGERED")) == \
        E.ORDER_EVENT_TYPE_CANCELLED
    assert parse.order_event_type(m.OrderState("REJECTED", "FAIL_POST_ONLY")) == E.ORDER_EVENT_TYPE_REJECTED
    with pytest.raises(ProtocolError, match="off the grid"):
        parse.book_snapshot(m.Book("BTC_USDT_Perp", bids=[m.Level("65038.015", "1")]), 1, 2, 2)


# -- the client order id codec -----------------------------------------------------------

def test_our_ids_travel_as_uint64_numbers_and_come_back_exactly():
    draw = ClientOrderIds("mm_btc_grvt", **ID_OPTIONS)
    for _ in range(100):
        cid = draw.next()
        number = CODEC.encode(cid)
        assert number.isdigit() and 2**63 <= int(number) < 2**64 and CODEC.decode(number) == cid
    # Not ours: a number below 2**63 (GRVT's UI draws those), an unknown owner's, or no number at all.
    assert CODEC.decode("23042") == "23042" and CODEC.decode("x") == "x"
    assert ClientIdCodec(()).decode(number) == number
    with pytest.raises(InvalidOrder, match="does not fit"):
        CODEC.encode("mm_btc_grvt-" + "z" * 8 + "-1")       # a 40-bit session: another venue's id
    with pytest.raises(InvalidOrder, match="not one of ours"):
        CODEC.encode("free text")


def test_a_spent_counter_draws_a_new_session_so_ids_keep_fitting():
    draw = ClientOrderIds("mm", session_bits=SESSION_BITS, count_bits=2)
    first = [draw.next() for _ in range(3)]
    fourth = draw.next()
    assert fourth.rsplit("-", 1)[1] == "1" and len(set(first + [fourth])) == 4


def test_two_strategies_whose_ids_would_look_alike_cannot_share_an_account():
    seen: dict[int, str] = {}
    n = 0
    while True:                     # two names with the same 14-bit hash (found in a few hundred tries)
        name = f"s{n}"
        other = seen.setdefault(owner_hash(name), name)
        if other != name:
            break
        n += 1
    with pytest.raises(ValueError, match="cannot share a GRVT account"):
        ClientIdCodec((other, name))


@settings(max_examples=300, deadline=None)
@given(prefix=st.from_regex(r"[A-Za-z0-9_]{1,12}", fullmatch=True), session=st.integers(0, 2**SESSION_BITS - 1),
       n=st.integers(1, 2**COUNT_BITS - 1))
def test_fuzz_every_packable_id_round_trips(prefix, session, n):
    from tradesys.venue.ids import base36
    cid = f"{prefix}-{base36(session)}-{base36(n)}"
    assert ClientIdCodec((prefix,)).decode(ClientIdCodec((prefix,)).encode(cid)) == cid


# -- fuzzing -----------------------------------------------------------------------------

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.floats(allow_nan=False),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                 max_size=6), max_leaves=20)
DECODERS = [m.frame_decoder, m.result_decoder, m.book_decoder, m.ticker_decoder, m.trade_decoder, m.order_decoder,
            m.fill_decoder, m.position_decoder, m.summary_decoder, m.instruments_decoder, m.state_decoder]


@settings(max_examples=300, deadline=None)
@given(value=JSON, index=st.integers(0, len(DECODERS) - 1))
def test_fuzz_decoders_refuse_with_their_own_error_only(value, index):
    try:
        DECODERS[index].decode(json.dumps(value))
    except (msgspec.ValidationError, msgspec.DecodeError):
        pass


NUMBER = st.one_of(st.decimals(allow_nan=False, allow_infinity=False, places=4).map(lambda d: f"{d:f}"),
                   st.text(max_size=8))


@settings(max_examples=300, deadline=None)
@given(price=NUMBER, size=NUMBER, status=st.sampled_from(["OPEN", "FILLED", "CANCELLED", "PENDING", "X"]),
       buying=st.booleans(), client_id=st.text(max_size=24))
def test_fuzz_parsers_raise_protocol_errors_or_give_exact_values(price, size, status, buying, client_id):
    try:
        snapshot = parse.book_snapshot(m.Book("X", bids=[m.Level(price, size)]), 1, 2, 3)
        assert Decimal(snapshot.bid_prices[0]).scaleb(-2) == Decimal(price)
    except ProtocolError:
        pass
    order = m.Order([m.Leg("X", size, buying, price)], m.OrderState(status, traded_size=[size]),
                    metadata=m.Metadata(client_id))
    try:
        event = parse.order_event(order, CODEC)
        assert get_decimal(event.quantity) == Decimal(size)
    except ProtocolError:
        pass
    fill = m.Fill("X", buying, False, size, price, price, "1-1", client_order_id=client_id)
    try:
        assert get_decimal(parse.fill(fill, CODEC).price) == Decimal(price)
    except ProtocolError:
        pass
