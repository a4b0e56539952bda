"""A backtest's venue: the instruments its strategies get are those the venues' connectors read from the
simulators' instrument lists, and its orders and answers travel with the order latency each way."""

import json
from decimal import Decimal

import msgspec
import pytest

import exchanges.binance.messages as binance_messages
import exchanges.deribit.messages as deribit_messages
import exchanges.grvt.messages as grvt_messages
from exchanges.binance import parse as binance_parse
from exchanges.binance.simulator.catalog import CATALOG as BINANCE
from exchanges.binance.simulator.catalog import exchange_info_symbol
from exchanges.deribit import parse as deribit_parse
from exchanges.deribit.simulator.catalog import CATALOG as DERIBIT
from exchanges.deribit.simulator.catalog import instrument_object as deribit_object
from exchanges.grvt import parse as grvt_parse
from exchanges.grvt.simulator.catalog import CATALOG as GRVT
from exchanges.grvt.simulator.catalog import instrument_object as grvt_object
from tradesys.backtest.clock import Scheduler, SimClock
from tradesys.backtest.instruments import InstrumentError, venue_instruments
from tradesys.backtest.liquidity import RecordedLiquidity
from tradesys.backtest.queue import QueueModel
from tradesys.backtest.venue import BacktestVenue
from tradesys.messages import (
    BookSnapshot,
    Fill,
    Liquidity,
    NewOrder,
    OrderEvent,
    OrderEventType,
    OrderRequest,
    OrderType,
    RejectReason,
    Side,
    TimeInForce,
    Trade,
)
from tradesys.numeric import get_decimal, set_decimal
from tradesys.sim.exchange import SimExchange

MS = 1_000_000
VENUES = [("binance", BINANCE, exchange_info_symbol, binance_messages.SymbolInfo, binance_parse.instrument),
          ("deribit", DERIBIT, deribit_object, deribit_messages.InstrumentInfo, deribit_parse.instrument),
          ("grvt", GRVT, grvt_object, grvt_messages.Instrument, grvt_parse.instrument)]


@pytest.mark.parametrize("venue,catalog,render,kind,parse", VENUES, ids=[v[0] for v in VENUES])
def test_a_strategy_gets_the_instruments_the_venues_connector_reads_from_its_simulator(venue, catalog, render, kind,
                                                                                      parse):
    ours = venue_instruments(venue, list(catalog))
    for symbol, entry in catalog.items():
        assert ours[symbol][1] == parse(msgspec.json.decode(json.dumps(render(entry)), type=kind)), symbol


def test_fees_can_be_set_and_an_unknown_symbol_is_refused_by_name():
    sim, _ = venue_instruments("binance", ["BTCUSDT"], maker_fee=-0.0001, taker_fee=0.001)["BTCUSDT"]
    assert (sim.maker_fee, sim.taker_fee) == (Decimal("-0.0001"), Decimal("0.001"))
    with pytest.raises(InstrumentError, match="binance has no instrument DOGEUSDT"):
        venue_instruments("binance", ["DOGEUSDT"])


class Strategy:
    """What a strategy would be handed: replies and messages, with the simulated time they arrived."""

    def __init__(self, clock):
        self.clock = clock
        self.got: list[tuple[int, object]] = []

    def deliver(self, strategy_id, message):
        self.got.append((self.clock.now_ns, message))

    def outcome(self, reply):
        self.got.append((self.clock.now_ns, reply))


def venue_with_book():
    clock = SimClock(10**18)
    scheduler = Scheduler(clock)
    sim, _ = venue_instruments("binance", ["BTCUSDT"])["BTCUSDT"]
    exchange = SimExchange([sim], clock=clock.time_ns)
    liquidity = RecordedLiquidity(exchange, QueueModel())
    liquidity.snapshot(BookSnapshot(symbol="BTCUSDT", price_scale=2, size_scale=3, bid_prices=[6500000],
                                    bid_sizes=[1], ask_prices=[6500100], ask_sizes=[1]))
    strategy = Strategy(clock)
    venue = BacktestVenue("binance", exchange, scheduler, lambda: 3 * MS, strategy.deliver)
    client = venue.open_account("mm", ("BTCUSDT",), Decimal(10_000))
    return clock, scheduler, liquidity, strategy, client


def order(cid: str, side: int, price: str, quantity: str, tif=TimeInForce.TIME_IN_FORCE_POST_ONLY) -> OrderRequest:
    new = NewOrder(side=side, type=OrderType.ORDER_TYPE_LIMIT, time_in_force=tif)
    set_decimal(new.price, Decimal(price))
    set_decimal(new.quantity, Decimal(quantity))
    return OrderRequest(strategy_id="mm", venue="binance", symbol="BTCUSDT", client_order_id=cid, new_order=new)


def test_an_order_is_answered_two_legs_later_reply_first_and_a_recorded_trade_fills_it_one_leg_later():
    clock, scheduler, liquidity, strategy, client = venue_with_book()
    start = clock.now_ns
    request = order("mm-a-1", Side.SIDE_BUY, "65000.00", "0.002")
    request.request_id = client.next_request_id()
    client.submit(request, strategy.outcome)
    scheduler.run_until(start + 10 * MS)
    (t_reply, reply), (t_event, event) = strategy.got
    assert reply.accepted and reply.venue_order_id and t_reply == t_event == start + 6 * MS
    assert event.type == OrderEventType.ORDER_EVENT_TYPE_ACCEPTED and event.client_order_id == "mm-a-1"

    strategy.got.clear()
    trade = Trade(symbol="BTCUSDT", aggressor=Side.SIDE_SELL)
    set_decimal(trade.price, Decimal("65000.00"))
    set_decimal(trade.quantity, Decimal("0.003"))          # 0.001 ahead of us, then our 0.002
    liquidity.trade(trade)
    traded_at = clock.now_ns
    scheduler.run_until(traded_at + 10 * MS)
    (t1, event), (t2, fill) = strategy.got
    assert t1 == t2 == traded_at + 3 * MS
    assert isinstance(event, OrderEvent) and event.type == OrderEventType.ORDER_EVENT_TYPE_FILLED
    assert isinstance(fill, Fill) and fill.liquidity == Liquidity.LIQUIDITY_MAKER
    assert get_decimal(fill.quantity) == Decimal("0.002")
    assert get_decimal(fill.fee) == Decimal("65000.00") * Decimal("0.002") * Decimal("0.0002")


def test_a_post_only_order_that_would_cross_is_refused_with_the_reason():
    clock, scheduler, _, strategy, client = venue_with_book()
    request = order("mm-a-2", Side.SIDE_BUY, "65001.00", "0.002")
    request.request_id = client.next_request_id()
    client.submit(request, strategy.outcome)
    scheduler.run_until(clock.now_ns + 10 * MS)
    [(_, reply)] = strategy.got
    assert not reply.accepted and reply.reason == RejectReason.REJECT_REASON_POST_ONLY_WOULD_CROSS
    assert "post_only_would_cross" in reply.detail
