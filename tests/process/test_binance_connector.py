"""The Binance connector against the Binance simulator over real loopback sockets: book sync, resync on a gap,
reconnects, order lifecycle on both transports, rate-limit backoff, listen-key renewal, no lost fill."""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import pytest

from exchanges.binance.auth import Credentials
from tests.binance_sim import Recorder, connector
from tests.books import our_levels, sim_levels
from tests.connector_checks import (
    a_failing_venue_opens_the_breaker_and_a_probe_closes_it,
    a_lost_answer_is_found_by_client_order_id,
    best,
    history_pages_lose_nothing,
    orphan_is_cancelled_by_the_venue,
)
from tradesys.aio import wait_until
from tradesys.messages import BookSnapshot, OrderEventType, OrderType, Side, TimeInForce
from tradesys.numeric import get_decimal
from tradesys.sim.market import FLOW_ACCOUNT
from tradesys.sim.orders import OrderType as SimOrderType
from tradesys.sim.orders import Side as SimSide
from tradesys.venue.base import FeedStatus, ModifySpec, OrderSpec, StreamKind
from tradesys.venue.book import L2Book
from tradesys.venue.errors import (
    InvalidOrder,
    InvalidPrice,
    PostOnlyWouldCross,
    RateLimited,
    ReduceOnlyRejected,
    UnknownOrder,
    VenueRejected,
)

ROOT = Path(__file__).resolve().parents[2]
CREDS = Credentials("connector-key-" + "1" * 50, "connector-secret-" + "2" * 47)
ALL_KINDS = (StreamKind.BOOK, StreamKind.BBO, StreamKind.TRADES, StreamKind.MARK)
E = OrderEventType


pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT", "ETHUSDT"), seed=21, credentials=CREDS,
                                   step_seconds=0.02)


@pytest.fixture
async def parts(sim):
    subscriber, oms, pms, fetcher = connector(sim, CREDS)
    yield subscriber, oms, pms, fetcher
    for part in (subscriber, oms, pms):
        await part.stop()
    await fetcher.close()






class Rebuilt:
    """A book rebuilt only from what the subscriber published: proves the published stream is consistent."""

    def __init__(self, recorder, symbol, scales):
        self.recorder, self.symbol, self.book, self.seen = recorder, symbol, L2Book(symbol, *scales), 0

    def catch_up(self):
        for message in self.recorder.books[self.seen:]:
            if message.symbol != self.symbol:
                continue
            if isinstance(message, BookSnapshot):
                self.book.load(zip(message.bid_prices, message.bid_sizes), zip(message.ask_prices, message.ask_sizes),
                               message.venue_seq)
            else:
                assert message.prev_venue_seq == self.book.seq, "a published delta does not follow the last one"
                self.book.apply(message.bid_prices, message.bid_sizes, message.ask_prices, message.ask_sizes,
                                message.venue_seq)
        self.seen = len(self.recorder.books)
        return our_levels(self.book)


async def test_books_sync_and_follow_the_simulator_and_the_published_stream_rebuilds_them(sim, parts):
    subscriber, *_ = parts
    got = Recorder()
    await subscriber.start(got)
    await subscriber.subscribe(["BTCUSDT", "ETHUSDT"], ALL_KINDS)
    await wait_until(lambda: all(subscriber.status(s) is FeedStatus.LIVE for s in ("BTCUSDT", "ETHUSDT")), "live")
    await wait_until(lambda: sum(1 for b in got.books if not isinstance(b, BookSnapshot)) > 50, "deltas")
    await wait_until(lambda: got.bbos and got.trades and got.marks, "bbo, trades and marks")
    sim.pause_market()
    rebuilt = Rebuilt(got, "BTCUSDT", subscriber.scales["BTCUSDT"])
    await wait_until(lambda: our_levels(subscriber.syncs["BTCUSDT"].book) == sim_levels(sim, "BTCUSDT"),
                     "same book", timeout=5)
    assert rebuilt.catch_up() == sim_levels(sim, "BTCUSDT")
    assert our_levels(subscriber.syncs["ETHUSDT"].book) == sim_levels(sim, "ETHUSDT")
    assert subscriber.counters["gaps"] == 0 and subscriber.counters["malformed"] == 0
    assert {t.symbol for t in got.trades} <= {"BTCUSDT", "ETHUSDT"} and get_decimal(got.marks[-1].mark_price) > 0


async def test_a_gap_resyncs_from_a_new_snapshot_and_nothing_is_published_while_out_of_sync(sim, parts):
    subscriber, *_ = parts
    got = Recorder()
    await subscriber.start(got)
    await subscriber.subscribe(["BTCUSDT"], [StreamKind.BOOK])
    await wait_until(lambda: subscriber.status("BTCUSDT") is FeedStatus.LIVE,
                     "the BTCUSDT book live")
    sim.faults.skip_depth_updates = 1
    await wait_until(lambda: subscriber.counters["gaps"] >= 1, "gap seen")
    await wait_until(lambda: subscriber.status("BTCUSDT") is FeedStatus.LIVE, "live again")
    statuses = [s for _, s, _ in got.statuses]
    assert statuses[-2:] == [FeedStatus.RESYNCING, FeedStatus.LIVE]
    # Between the gap and the next snapshot nothing was published; the stream rebuilds the venue's book.
    snapshots = [i for i, b in enumerate(got.books) if isinstance(b, BookSnapshot)]
    assert len(snapshots) == 2
    rebuilt = Rebuilt(got, "BTCUSDT", subscriber.scales["BTCUSDT"])
    sim.pause_market()
    await wait_until(lambda: rebuilt.catch_up() == sim_levels(sim, "BTCUSDT"),
                     "rebuilt book equals the venue's", timeout=5)


async def test_dropped_sockets_reconnect_resubscribe_and_resync(sim, parts):
    subscriber, *_ = parts
    got = Recorder()
    await subscriber.start(got)
    await subscriber.subscribe(["BTCUSDT"], [StreamKind.BOOK, StreamKind.BBO])
    await wait_until(lambda: subscriber.status("BTCUSDT") is FeedStatus.LIVE,
                     "the BTCUSDT book live")
    await sim.fault_control.apply({"drop_connections": True})
    await wait_until(lambda: FeedStatus.DISCONNECTED in [s for _, s, _ in got.statuses], "disconnect seen")
    await wait_until(lambda: subscriber.status("BTCUSDT") is FeedStatus.LIVE, "live again")
    bbos = len(got.bbos)
    await wait_until(lambda: len(got.bbos) > bbos + 3, "bbo after reconnect")
    assert subscriber.counters["reconnects"] >= 1


async def wait_for_event(recorder, client_order_id, kind, timeout=20.0):
    await wait_until(lambda: any(e.client_order_id == client_order_id and e.type == kind
                                 for e in recorder.order_events),
                     f"{client_order_id} {OrderEventType.Name(kind)}", timeout=timeout)


@pytest.mark.parametrize("transport", ["rest", "ws_api"])
async def test_new_modify_cancel_and_rejections(sim, transport):
    subscriber, oms, pms, fetcher = connector(sim, CREDS, transport=transport)
    got = Recorder()
    try:
        await oms.start()
        await pms.start(got)
        bid, ask = await best(fetcher, "BTCUSDT")
        price, _ = oms.round_to_filters("BTCUSDT", Side.SIDE_BUY, bid - Decimal("50.004"), Decimal("0.010"))
        placed = await oms.place(OrderSpec("BTCUSDT", f"t-{transport}-1", Side.SIDE_BUY, Decimal("0.010"),
                                           price=price, time_in_force=TimeInForce.TIME_IN_FORCE_POST_ONLY))
        assert placed.type == E.ORDER_EVENT_TYPE_ACCEPTED and get_decimal(placed.price) == price
        await wait_for_event(got, f"t-{transport}-1", E.ORDER_EVENT_TYPE_ACCEPTED)
        open_orders = await fetcher.open_orders("BTCUSDT")
        assert [o.client_order_id for o in open_orders] == [f"t-{transport}-1"]
        modified = await oms.modify(ModifySpec("BTCUSDT", f"t-{transport}-1", Side.SIDE_BUY, price - 1,
                                               Decimal("0.020")))
        assert get_decimal(modified.quantity) == Decimal("0.020") and get_decimal(modified.price) == price - 1
        await wait_for_event(got, f"t-{transport}-1", E.ORDER_EVENT_TYPE_MODIFIED)
        cancelled = await oms.cancel("BTCUSDT", f"t-{transport}-1")
        assert cancelled.type == E.ORDER_EVENT_TYPE_CANCELLED
        await wait_for_event(got, f"t-{transport}-1", E.ORDER_EVENT_TYPE_CANCELLED)
        with pytest.raises(UnknownOrder):
            await oms.cancel("BTCUSDT", f"t-{transport}-1")
        with pytest.raises(PostOnlyWouldCross):
            await oms.place(OrderSpec("BTCUSDT", f"t-{transport}-2", Side.SIDE_BUY, Decimal("0.010"),
                                      price=ask + 10, time_in_force=TimeInForce.TIME_IN_FORCE_POST_ONLY))
        with pytest.raises(InvalidPrice):   # off the tick: refused here, never sent
            await oms.place(OrderSpec("BTCUSDT", f"t-{transport}-3", Side.SIDE_BUY, Decimal("0.010"),
                                      price=price + Decimal("0.001")))
    finally:
        for part in (oms, pms, subscriber):
            await part.stop()
        await fetcher.close()


def sell_into_the_book(sim, symbol, quantity):
    """A market sell from the synthetic market's flow account, as the venue's other traders would send."""
    instrument = sim.exchange.instruments[symbol]
    sim.exchange.place(FLOW_ACCOUNT, symbol, SimSide.SELL, SimOrderType.MARKET, instrument.qty_of(quantity))


async def test_a_resting_order_goes_new_partial_filled_and_every_fill_arrives_once(sim, parts):
    _, oms, pms, fetcher = parts
    got = Recorder()
    await oms.start()
    await pms.start(got)
    sim.pause_market()   # only our order and the flow below trade now
    bid, ask = await best(fetcher, "BTCUSDT")
    price, _ = oms.round_to_filters("BTCUSDT", Side.SIDE_BUY, (bid + ask) / 2, Decimal("0.001"))
    assert bid < price < ask   # alone at the top of the bids
    quantity = Decimal("0.030")
    await oms.place(OrderSpec("BTCUSDT", "life-1", Side.SIDE_BUY, quantity, price=price))
    await wait_for_event(got, "life-1", E.ORDER_EVENT_TYPE_ACCEPTED)
    sell_into_the_book(sim, "BTCUSDT", "0.010")
    await wait_for_event(got, "life-1", E.ORDER_EVENT_TYPE_PARTIALLY_FILLED)
    sell_into_the_book(sim, "BTCUSDT", "0.020")
    await wait_for_event(got, "life-1", E.ORDER_EVENT_TYPE_FILLED)
    kinds = [e.type for e in got.order_events if e.client_order_id == "life-1"]
    assert kinds == [E.ORDER_EVENT_TYPE_ACCEPTED, E.ORDER_EVENT_TYPE_PARTIALLY_FILLED, E.ORDER_EVENT_TYPE_FILLED]
    fills = [f for f in got.fills if f.client_order_id == "life-1"]
    assert [get_decimal(f.quantity) for f in fills] == [Decimal("0.010"), Decimal("0.020")]
    assert all(get_decimal(f.price) == price and get_decimal(f.fee) > 0 for f in fills)
    venue_fills = [f for f in await fetcher.recent_fills("BTCUSDT") if f.client_order_id == "life-1"]
    assert {f.trade_id for f in venue_fills} == {f.trade_id for f in fills}
    await wait_until(lambda: any(p.symbol == "BTCUSDT" and get_decimal(p.quantity) == quantity for p in got.positions),
                     "position update")
    [position] = [p for p in await fetcher.positions() if p.symbol == "BTCUSDT"]
    assert get_decimal(position.quantity) == quantity and get_decimal(position.entry_price) == price


async def test_time_in_force_reduce_only_batches_and_cancel_all(sim, parts):
    _, oms, pms, fetcher = parts
    got = Recorder()
    await oms.start()
    await pms.start(got)
    bid, ask = await best(fetcher, "BTCUSDT")
    one = Decimal("0.010")
    # IOC far from the book: nothing to match, expires at once; FOK too large to fill: the venue refuses it.
    ioc = await oms.place(OrderSpec("BTCUSDT", "ioc-1", Side.SIDE_BUY, one, price=bid - 100,
                                    time_in_force=TimeInForce.TIME_IN_FORCE_IOC))
    assert ioc.type == E.ORDER_EVENT_TYPE_EXPIRED
    with pytest.raises(VenueRejected) as fok:
        await oms.place(OrderSpec("BTCUSDT", "fok-1", Side.SIDE_BUY, Decimal("900"), price=ask + 50,
                                  time_in_force=TimeInForce.TIME_IN_FORCE_FOK))
    assert fok.value.code in (-5021, -2019)   # cannot fill completely, or not enough margin for it
    with pytest.raises(ReduceOnlyRejected):   # nothing to reduce: the account is flat
        await oms.place(OrderSpec("BTCUSDT", "ro-1", Side.SIDE_SELL, one, type=OrderType.ORDER_TYPE_MARKET,
                                  reduce_only=True))
    specs = [OrderSpec("BTCUSDT", f"batch-{i}", Side.SIDE_BUY, one, price=bid - 100 - i) for i in range(6)]
    specs.append(OrderSpec("BTCUSDT", "batch-bad", Side.SIDE_BUY, one, price=bid + Decimal("0.001")))
    specs.append(OrderSpec("BTCUSDT", "batch-cross", Side.SIDE_BUY, one, price=ask + 10,
                           time_in_force=TimeInForce.TIME_IN_FORCE_POST_ONLY))
    results = await oms.place_batch(specs)   # 8 orders: two requests of at most 5
    assert [r.type for r in results[:6]] == [E.ORDER_EVENT_TYPE_ACCEPTED] * 6
    assert isinstance(results[6], InvalidPrice) and isinstance(results[7], PostOnlyWouldCross)
    assert len(await fetcher.open_orders("BTCUSDT")) == 6
    await oms.cancel_all("BTCUSDT")
    assert await fetcher.open_orders("BTCUSDT") == []
    await wait_until(lambda: sum(e.type == E.ORDER_EVENT_TYPE_CANCELLED for e in got.order_events) == 6,
                     "six cancellations on the stream")


async def test_too_many_requests_blocks_the_budget_for_retry_after_then_the_call_goes_through(sim, parts):
    *_, fetcher = parts
    sim.faults.http_errors.append(429)
    with pytest.raises(RateLimited) as throttled:
        await fetcher.balances()
    assert throttled.value.retry_after_s == 1.0 and throttled.value.code == -1003
    limiter = fetcher.http.limiter
    assert limiter.counters["throttled"] == 1
    started = time.monotonic()
    balances = await fetcher.balances()   # waits out the block (max_wait 2 s), then succeeds
    assert time.monotonic() - started >= 0.5 and limiter.counters["waited"] >= 1
    assert [b.asset for b in balances] == ["USDT"]


async def test_an_expired_listen_key_is_replaced_and_events_keep_coming(sim, parts):
    _, oms, pms, fetcher = parts
    got = Recorder()
    await oms.start()
    await pms.start(got)
    first_key = pms.listen_key
    await sim.fault_control.apply({"expire_listen_keys": True})
    await wait_until(lambda: pms.counters["key_renewals"] == 1 and pms.listen_key != first_key, "renewed key")
    await wait_until(lambda: got.connection and got.connection[-1][0] is True and len(got.connection) >= 3,
                     "reconnected on the new key")
    assert any(not up and "expired" in why for up, why in got.connection)
    bid, _ = await best(fetcher, "BTCUSDT")
    await oms.place(OrderSpec("BTCUSDT", "after-expiry", Side.SIDE_BUY, Decimal("0.010"), price=bid - 100))
    await wait_for_event(got, "after-expiry", E.ORDER_EVENT_TYPE_ACCEPTED)


async def test_no_fill_is_lost_when_the_private_stream_drops(sim, parts):
    _, oms, pms, fetcher = parts
    streamed = Recorder()
    await oms.start()
    await pms.start(streamed)
    since = time.time_ns()
    await sim.fault_control.apply({"drop_connections": True})
    filled = await oms.place(OrderSpec("BTCUSDT", "during-drop", Side.SIDE_BUY, Decimal("0.050"),
                                       type=OrderType.ORDER_TYPE_MARKET))
    assert filled.type == E.ORDER_EVENT_TYPE_FILLED
    await wait_until(lambda: len(streamed.connection) >= 3 and streamed.connection[-1][0], "stream back")
    # What an owner does on reconnect: reconcile fills from the venue, keep what the stream did not bring.
    have = {f.trade_id for f in streamed.fills}
    recovered = [f for f in await fetcher.recent_fills("BTCUSDT", since) if f.trade_id not in have]
    mine = [f for f in streamed.fills + recovered if f.client_order_id == "during-drop"]
    assert sum(get_decimal(f.quantity) for f in mine) == Decimal("0.050")


async def test_a_fill_whose_order_the_order_history_misses_is_still_attributed(sim, parts):
    """The venue's allOrders window ends at its clock's now: an order made while its clock ran ahead is not in
    it once the clock is back. The fetcher asks for such an order alone, so its fill keeps its owner."""
    _, oms, _, fetcher = parts
    await oms.start()
    since = time.time_ns()
    await sim.fault_control.apply({"clock_skew_ms": 3000})
    await oms.http.sync_clock()
    await oms.place(OrderSpec("BTCUSDT", "ahead-1", Side.SIDE_BUY, Decimal("0.010"), type=OrderType.ORDER_TYPE_MARKET))
    await sim.fault_control.apply({"clock_skew_ms": -3000})
    await fetcher.http.sync_clock()
    listed = await fetcher.http.all_orders("BTCUSDT", from_order_id=0)
    assert "ahead-1" not in {o.clientOrderId for o in listed}        # the case under test
    fills = await fetcher.recent_fills("BTCUSDT", since)   # from a time: the trades' window runs from it
    assert sum(get_decimal(f.quantity) for f in fills if f.client_order_id == "ahead-1") == Decimal("0.010")
    assert fills and all(f.client_order_id for f in fills)


CHILD = """
import asyncio, sys
from decimal import Decimal
from tradesys.venue.base import OrderSpec
from exchanges.binance.auth import Credentials
from exchanges.binance.http import BinanceHttp
from exchanges.binance.oms import BinanceOMS
from tradesys.venue.ratelimit import Budget, LocalBudget, RateLimiter
from tradesys.messages import Side

async def main(rest, key, secret, price):
    oms = BinanceOMS(BinanceHttp(rest, Credentials(key, secret), RateLimiter(LocalBudget(Budget([])))),
                     countdown_ms=1000, refresh_s=0.2)
    await oms.start()
    await oms.place(OrderSpec("BTCUSDT", "orphan-1", Side.SIDE_BUY, Decimal("0.010"), price=Decimal(price)))
    print("placed", flush=True)
    await asyncio.sleep(3600)   # time itself: the child waits to be killed

asyncio.run(main(*sys.argv[1:]))
"""


async def test_cancel_on_disconnect_cancels_the_orders_of_a_connector_that_dies(sim, parts):
    *_, fetcher = parts
    bid, _ = await best(fetcher, "BTCUSDT")
    # Alive past its 1 s countdown, the connector's keeper holds the order; killed, the countdown lapses.
    resting = await orphan_is_cancelled_by_the_venue(CHILD, [sim.urls["rest"], CREDS.api_key, CREDS.api_secret,
                                                             f"{bid - 200:f}"], fetcher, "BTCUSDT", alive_for=2.5)
    assert [o.client_order_id for o in resting] == ["orphan-1"]


async def test_a_timestamp_refusal_resyncs_the_clock_so_the_next_order_goes_through(sim, parts):
    _, oms, _, fetcher = parts
    await oms.start()
    bid, _ = await best(fetcher, "BTCUSDT")
    sim.clock_skew_ms = -3000   # the venue's clock is now 3 s behind ours
    order = OrderSpec("BTCUSDT", "clock-1", Side.SIDE_BUY, Decimal("0.010"), price=bid - 100)
    with pytest.raises(InvalidOrder) as refused:
        await oms.place(order)
    assert refused.value.code == -1021 and -3200 < oms.http.clock_offset_ms < -2800
    placed = await oms.place(order)
    assert placed.type == E.ORDER_EVENT_TYPE_ACCEPTED


async def test_the_fill_history_pages_and_loses_nothing(sim, parts):
    _, oms, _, fetcher = parts
    cids = [f"paged-{n}" for n in range(8)]
    await history_pages_lose_nothing(sim, oms, fetcher, "BTCUSDT", Decimal("0.010"), cids)


@pytest.mark.parametrize("transport", ["rest", "ws_api"])
async def test_an_order_whose_answer_was_lost_is_found_by_its_client_order_id(sim, transport):
    subscriber, oms, pms, fetcher = connector(sim, CREDS, transport=transport)
    if oms.ws_api is not None:
        oms.ws_api.timeout_s = 2.0      # the lost answer is waited for this long: the test need not wait 10 s
    try:
        await a_lost_answer_is_found_by_client_order_id(sim, oms, fetcher, "BTCUSDT", Decimal("0.010"),
                                                        f"lost-{transport}", "never-sent")
    finally:
        for part in (oms, pms, subscriber):
            await part.stop()
        await fetcher.close()


async def test_a_failing_venue_opens_the_circuit_breaker_and_a_probe_closes_it(sim, parts):
    _, _, _, fetcher = parts
    await a_failing_venue_opens_the_breaker_and_a_probe_closes_it(sim, fetcher.http.breakers, fetcher.positions)
