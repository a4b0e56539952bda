"""The Deribit connector against the Deribit simulator over real loopback sockets: book sync by change_id
chains, resync on a break, reconnects, order lifecycle with labels, inverse and linear amounts, token
refresh, heartbeats, cancel-on-disconnect, no lost fill."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from tests.binance_sim import Recorder
from tests.books import our_levels, rebuilt, sim_levels
from tests.connector_checks import (
    a_429_blocks_the_budget_then_the_call_goes_through,
    a_failing_venue_opens_the_breaker_and_a_probe_closes_it,
    a_lost_answer_is_found_by_client_order_id,
    best,
    history_pages_lose_nothing,
    orphan_is_cancelled_by_the_venue,
)
from tests.deribit_sim import CREDENTIALS, connector, simulator
from tradesys.aio import wait_until
from tradesys.config.schema import VenueConfig
from tradesys.messages import BookSnapshot, OrderEventType, OrderType, Side, TimeInForce
from tradesys.numeric import get_decimal
from tradesys.recording.books import BookStates, compare, replayed_states
from tradesys.recording.replay import RawEvent
from tradesys.services.raw import RawTap
from tradesys.venue.base import FeedStatus, ModifySpec, OrderSpec, StreamKind
from tradesys.venue.errors import AuthError, InvalidQuantity, PostOnlyWouldCross, UnknownOrder

ALL_KINDS = (StreamKind.BOOK, StreamKind.BBO, StreamKind.TRADES, StreamKind.MARK)
E = OrderEventType
BTC, ETH, USDC = "BTC-PERPETUAL", "ETH-PERPETUAL", "BTC_USDC-PERPETUAL"


pytestmark = pytest.mark.simulator("deribit", seed=21, step_seconds=0.02, min_heartbeat_s=0.3)


@pytest.fixture
async def parts(sim):
    subscriber, oms, pms, fetcher = connector(sim)
    yield subscriber, oms, pms, fetcher
    for part in (subscriber, oms, pms):
        await part.stop()
    await fetcher.close()


async def test_books_sync_by_change_id_and_the_published_stream_rebuilds_the_venues_book(sim, parts):
    subscriber, *_ = parts
    got = Recorder()
    await subscriber.start(got)
    await subscriber.subscribe([BTC, ETH, USDC], ALL_KINDS)
    await wait_until(lambda: all(subscriber.status(s) is FeedStatus.LIVE for s in (BTC, ETH, USDC)), "live")
    await wait_until(lambda: sum(1 for b in got.books if not isinstance(b, BookSnapshot)) > 60, "deltas")
    await wait_until(lambda: got.bbos and got.trades and got.marks, "bbo, trades and marks")
    sim.pause_market()
    await wait_until(lambda: our_levels(subscriber.chains[BTC].book) == sim_levels(sim, BTC), "same book", timeout=5)
    for symbol in (BTC, ETH, USDC):
        await wait_until(lambda s=symbol: rebuilt(got, s, subscriber.scales[s]) == sim_levels(sim, s),
                         f"{symbol}", timeout=5)
    assert subscriber.counters["gaps"] == 0 and subscriber.counters["malformed"] == 0
    # Inverse amounts are USD (multiples of the 10 USD contract); the linear one's are BTC.
    bids, _ = our_levels(subscriber.chains[BTC].book)
    assert all(amount % 10 == 0 for amount in bids.values())
    assert subscriber.scales[USDC] == (0, 3) and get_decimal(got.marks[-1].mark_price) > 0


async def test_a_broken_chain_resubscribes_and_nothing_is_published_until_the_new_snapshot(sim, parts):
    subscriber, *_ = parts
    got = Recorder()
    await subscriber.start(got)
    await subscriber.subscribe([BTC], [StreamKind.BOOK])
    await wait_until(lambda: subscriber.status(BTC) is FeedStatus.LIVE, "the BTC book live")
    await sim.fault_control.apply({"skip_depth_updates": 1})
    await wait_until(lambda: subscriber.counters["gaps"] >= 1, "break seen")
    await wait_until(lambda: subscriber.status(BTC) is FeedStatus.LIVE, "live again")
    assert [s for _, s, _ in got.statuses][-2:] == [FeedStatus.RESYNCING, FeedStatus.LIVE]
    assert sum(isinstance(b, BookSnapshot) for b in got.books) == 2
    sim.pause_market()
    await wait_until(lambda: rebuilt(got, BTC, subscriber.scales[BTC]) == sim_levels(sim, BTC),
                     "rebuilt = venue", timeout=5)


async def test_raw_books_send_every_change_on_a_signed_in_session(sim):
    subscriber, _, _, fetcher = connector(sim, depth_update_ms=0)
    got = Recorder()
    try:
        await subscriber.start(got)
        await subscriber.subscribe([BTC], [StreamKind.BOOK])
        await wait_until(lambda: subscriber.status(BTC) is FeedStatus.LIVE, "live")
        await wait_until(lambda: sum(1 for b in got.books if not isinstance(b, BookSnapshot)) > 30, "deltas")
        sim.pause_market()
        await wait_until(lambda: rebuilt(got, BTC, subscriber.scales[BTC]) == sim_levels(sim, BTC),
                         "rebuilt = venue", timeout=5)
        assert subscriber.interval == "raw" and subscriber.counters["subscribe_refused"] == 0
    finally:
        await subscriber.stop()
        await fetcher.close()
    with pytest.raises(ValueError, match="needs the client id"):
        connector(sim, None, depth_update_ms=0)
    with pytest.raises(ValueError, match="every 100 ms"):
        connector(sim, depth_update_ms=250)


class FramesKept:
    """The bus's place for a ``RawTap``: the frames it publishes, as a recording holds them."""

    def __init__(self):
        self.events = []

    def publish_message(self, topic, frame, venue_ts, recv_ts):
        self.events.append(RawEvent(recv_ts, frame.connection, frame.stream, bytes(frame.data)))


async def test_a_raw_book_session_recorded_without_its_sign_in_replays_identical(sim):
    """The market server's tap withholds the sign-in's answer (it carries the tokens); the replay signs nobody
    in, and the answers that followed the sign-in reach the requests the replayed session makes instead."""
    subscriber, _, _, fetcher = connector(sim, depth_update_ms=0)
    kept, counts = FramesKept(), {}
    got = Recorder()
    got.on_raw = RawTap(kept, "deribit", counts)
    try:
        await subscriber.start(got)
        await subscriber.subscribe([BTC, ETH], [StreamKind.BOOK, StreamKind.BBO])
        await wait_until(lambda: sum(1 for b in got.books if not isinstance(b, BookSnapshot)) > 40, "deltas")
    finally:
        await subscriber.stop()
        await fetcher.close()
    assert counts["raw_withheld"] >= 1 and not any(b"access_token" in e.data for e in kept.events)
    published = BookStates()
    for message in got.books:
        published.on_book(message)
    config = VenueConfig(venue="deribit", symbols=[BTC, ETH], depth_update_ms=0)
    replayed = await replayed_states(None, config, events=sorted(kept.events, key=lambda e: e.recv_ts))
    result = compare(published, replayed)
    assert result.identical and result.compared[BTC] > 10, result


async def test_a_dropped_socket_reconnects_and_every_book_starts_again_from_a_snapshot(sim, parts):
    subscriber, *_ = parts
    got = Recorder()
    await subscriber.start(got)
    await subscriber.subscribe([BTC, ETH], [StreamKind.BOOK, StreamKind.BBO])
    await wait_until(lambda: subscriber.status(BTC) is FeedStatus.LIVE and subscriber.status(ETH) is FeedStatus.LIVE,
                     "both books live")
    await sim.fault_control.apply({"drop_connections": True})
    await wait_until(lambda: FeedStatus.DISCONNECTED in [s for _, s, _ in got.statuses], "disconnect seen")
    await wait_until(lambda: subscriber.status(BTC) is FeedStatus.LIVE and subscriber.status(ETH) is FeedStatus.LIVE,
                     "live again")
    assert subscriber.counters["reconnects"] >= 1
    assert sum(isinstance(b, BookSnapshot) and b.symbol == BTC for b in got.books) == 2


async def test_order_lifecycle_with_labels_inverse_amounts_and_rejections(sim, parts):
    _, oms, pms, fetcher = parts
    events = Recorder()
    await oms.start()
    await pms.start(events)
    bid, ask = await best(fetcher, BTC)
    price = bid - Decimal("50")
    placed = await oms.place(OrderSpec(BTC, "mm-b-1", Side.SIDE_BUY, Decimal("100"), price=price,
                                       time_in_force=TimeInForce.TIME_IN_FORCE_POST_ONLY))
    assert placed.type == E.ORDER_EVENT_TYPE_ACCEPTED and placed.client_order_id == "mm-b-1"
    assert get_decimal(placed.quantity) == 100 and get_decimal(placed.price) == price
    modified = await oms.modify(ModifySpec(BTC, "mm-b-1", Side.SIDE_BUY, price - Decimal("0.5"), Decimal("200")))
    assert get_decimal(modified.quantity) == 200 and get_decimal(modified.price) == price - Decimal("0.5")
    await wait_until(lambda: any(e.type == E.ORDER_EVENT_TYPE_MODIFIED and e.client_order_id == "mm-b-1"
                            for e in events.order_events), "MODIFIED on the stream")
    open_orders = await fetcher.open_orders(BTC)
    assert [(o.client_order_id, get_decimal(o.quantity)) for o in open_orders] == [("mm-b-1", Decimal(200))]
    cancelled = await oms.cancel(BTC, "mm-b-1")
    assert cancelled.type == E.ORDER_EVENT_TYPE_CANCELLED
    with pytest.raises(UnknownOrder):
        await oms.cancel(BTC, "mm-b-1")
    with pytest.raises(PostOnlyWouldCross):
        # Well through the ask: the live market cannot move away from it in the meantime.
        await oms.place(OrderSpec(BTC, "mm-b-2", Side.SIDE_BUY, Decimal("10"), price=ask + 200,
                                  time_in_force=TimeInForce.TIME_IN_FORCE_POST_ONLY))
    with pytest.raises(InvalidQuantity):   # 15 USD is not a multiple of the 10 USD contract
        await oms.place(OrderSpec(BTC, "mm-b-3", Side.SIDE_BUY, Decimal("15"), price=price))
    assert oms.round_to_filters(BTC, Side.SIDE_BUY, Decimal("65000.7"), Decimal("17")) == (Decimal("65000.5"),
                                                                                          Decimal("10"))
    # A market order fills at once; its fills arrive once each, in USD, fees in BTC.
    filled = await oms.place(OrderSpec(BTC, "mm-t-1", Side.SIDE_BUY, Decimal("500"), type=OrderType.ORDER_TYPE_MARKET))
    assert filled.type == E.ORDER_EVENT_TYPE_FILLED
    await wait_until(lambda: sum(get_decimal(f.quantity) for f in events.fills if f.client_order_id == "mm-t-1") == 500,
                     "fills")
    mine = [f for f in events.fills if f.client_order_id == "mm-t-1"]
    assert len({f.trade_id for f in mine}) == len(mine) and {f.fee_asset for f in mine} == {"BTC"}
    await wait_until(lambda: any(p.symbol == BTC and get_decimal(p.quantity) == 500 for p in events.positions),
                     "position")
    await wait_until(lambda: any(b.asset == "BTC" for b in events.balances), "BTC balance")
    positions = {p.symbol: get_decimal(p.quantity) for p in await fetcher.positions()}
    assert positions == {BTC: Decimal(500)}
    balances = {b.asset for b in await fetcher.balances()}
    assert balances == {"BTC", "ETH", "USDC"}


async def test_linear_usdc_orders_count_the_coin(sim, parts):
    _, oms, pms, fetcher = parts
    events = Recorder()
    await oms.start()
    await pms.start(events)
    filled = await oms.place(OrderSpec(USDC, "lin-1", Side.SIDE_SELL, Decimal("0.005"),
                                       type=OrderType.ORDER_TYPE_MARKET))
    assert filled.type == E.ORDER_EVENT_TYPE_FILLED and get_decimal(filled.filled_quantity) == Decimal("0.005")
    await wait_until(lambda: [f.fee_asset for f in events.fills if f.client_order_id == "lin-1"], "fills")
    assert {f.fee_asset for f in events.fills if f.client_order_id == "lin-1"} == {"USDC"}
    instruments = {i.symbol: i for i in await fetcher.instruments()}
    assert instruments[BTC].inverse and not instruments[USDC].inverse
    assert instruments[BTC].settle == "BTC" and instruments[USDC].settle == "USDC"
    assert get_decimal(instruments[BTC].contract_size) == 10


async def test_the_token_is_refreshed_before_it_expires_and_private_calls_keep_working(http):
    sim = simulator(token_ttl_s=2)
    await sim.start()
    _, oms, pms, fetcher = connector(sim)
    events = Recorder()
    try:
        await oms.start()
        await pms.start(events)
        await asyncio.sleep(3.0)   # time itself: past the first token's lifetime
        assert oms.session.counters["token_refreshes"] >= 1 and pms.session.counters["token_refreshes"] >= 1
        filled = await oms.place(OrderSpec(ETH, "after-refresh", Side.SIDE_BUY, Decimal("10"),
                                           type=OrderType.ORDER_TYPE_MARKET))
        assert filled.type == E.ORDER_EVENT_TYPE_FILLED
        await wait_until(lambda: any(f.client_order_id == "after-refresh" for f in events.fills), "fill streamed")
        # Every token lapsing at once (as after a long pause): the next refresh signs in again.
        await sim.fault_control.apply({"expire_tokens": True})
        await wait_until(lambda: oms.session.counters["token_refreshes"] + oms.session.counters["reauths"] >= 2
                    and oms.session.ready.is_set(), "new token", timeout=10)
    finally:
        for part in (oms, pms):
            await part.stop()
        await fetcher.close()
        await sim.stop()


async def test_refused_credentials_fail_the_start_clearly(sim):
    from exchanges.deribit.auth import Credentials
    _, oms, _, fetcher = connector(sim, Credentials(CREDENTIALS.client_id, "wrong-secret"))
    with pytest.raises(AuthError) as refused:
        await oms.start()
    assert "wrong-secret" not in str(refused.value)
    await oms.stop()
    await fetcher.close()


async def test_heartbeats_are_answered_and_a_missed_one_costs_only_a_reconnect(sim, monkeypatch):
    subscriber, _, _, fetcher = connector(sim, heartbeat_s=0.4)
    got = Recorder()
    try:
        await subscriber.start(got)
        await subscriber.subscribe([BTC], [StreamKind.BOOK])
        await wait_until(lambda: subscriber.status(BTC) is FeedStatus.LIVE, "the BTC book live")
        session = subscriber._session
        await wait_until(lambda: session.counters["test_requests"] >= 3, "test requests answered", timeout=10)
        assert session.reconnects == 0 and sim.counters["heartbeats_missed"] == 0

        async def silent():   # the client stops answering: the venue must hang up
            return None
        monkeypatch.setattr(session, "_answer_test", silent)
        await wait_until(lambda: sim.counters["heartbeats_missed"] >= 1, "the venue hung up", timeout=10)
        monkeypatch.undo()
        await wait_until(lambda: session.reconnects >= 1 and subscriber.status(BTC) is FeedStatus.LIVE,
                         "back", timeout=10)
    finally:
        await subscriber.stop()
        await fetcher.close()


async def test_no_fill_is_lost_when_the_private_stream_drops(sim, parts):
    _, oms, pms, fetcher = parts
    streamed = Recorder()
    await oms.start()
    await pms.start(streamed)
    since = time.time_ns()
    await sim.fault_control.apply({"drop_connections": True})
    await wait_until(lambda: oms.session.reconnects >= 1 and oms.session.ready.is_set(), "order session back")
    filled = await oms.place(OrderSpec(BTC, "during-drop", Side.SIDE_BUY, Decimal("300"),
                                       type=OrderType.ORDER_TYPE_MARKET))
    assert filled.type == E.ORDER_EVENT_TYPE_FILLED
    await wait_until(lambda: len(streamed.connection) >= 3 and streamed.connection[-1][0], "stream back")
    have = {f.trade_id for f in streamed.fills}
    recovered = [f for f in await fetcher.recent_fills(BTC, since) if f.trade_id not in have]
    mine = [f for f in streamed.fills + recovered if f.client_order_id == "during-drop"]
    assert sum(get_decimal(f.quantity) for f in mine) == 300


CHILD = """
import asyncio, sys
from decimal import Decimal
from tradesys.venue.base import OrderSpec
from exchanges.deribit import VENUE, connect
from exchanges.deribit.auth import Credentials
from tradesys.venue.ratelimit import Budget, LocalBudget, RateLimiter
from tradesys.config.schema import VenueConfig
from tradesys.messages import Side

async def main(rest, client_id, secret, price):
    venue = VenueConfig(venue="deribit")
    parts = connect(venue, Credentials(client_id, secret), RateLimiter(LocalBudget(Budget([]))),
                    VENUE.endpoints_for(venue, {"rest": rest}), roles=("oms",))
    await parts.oms.start()
    await parts.oms.place(OrderSpec("BTC-PERPETUAL", "orphan-1", Side.SIDE_BUY, Decimal("10"), price=Decimal(price)))
    print("placed", flush=True)
    await asyncio.sleep(3600)   # time itself: the child waits to be killed

asyncio.run(main(*sys.argv[1:]))
"""


async def test_cancel_on_disconnect_cancels_the_orders_of_a_connector_that_dies(sim, parts):
    *_, fetcher = parts
    bid, _ = await best(fetcher, BTC)
    resting = await orphan_is_cancelled_by_the_venue(
        CHILD, [sim.urls["rest"], CREDENTIALS.client_id, CREDENTIALS.client_secret, f"{bid - 100:f}"], fetcher, BTC)
    assert [o.client_order_id for o in resting] == ["orphan-1"]     # its socket closed with the process
    assert sim.counters["cancelled_on_disconnect"] == 1


async def test_too_many_requests_blocks_the_account_budget_then_the_call_goes_through(sim):
    from tests.deribit_sim import limiter_for_tests

    limiter = limiter_for_tests(max_wait_s=3.0)
    *_, fetcher = connector(sim, limiter=limiter)
    try:
        await a_429_blocks_the_budget_then_the_call_goes_through(sim, limiter, lambda: fetcher.open_orders(BTC),
                                                                 10028)
    finally:
        await fetcher.close()


async def test_the_fill_history_pages_and_loses_nothing(sim, parts):
    _, oms, _, fetcher = parts
    cids = [f"paged-{n}" for n in range(8)]
    await history_pages_lose_nothing(sim, oms, fetcher, BTC, Decimal("20"), cids)


async def test_an_order_whose_answer_was_lost_is_found_by_its_client_order_id(sim, parts):
    _, oms, _, fetcher = parts
    oms.session.request_timeout_s = 2.0     # the lost answer is waited for this long: the test need not wait 10 s
    await a_lost_answer_is_found_by_client_order_id(sim, oms, fetcher, BTC, Decimal("20"), "lost-1", "never-sent")


async def test_a_failing_venue_opens_the_circuit_breaker_and_a_probe_closes_it(sim, parts):
    _, _, _, fetcher = parts
    await a_failing_venue_opens_the_breaker_and_a_probe_closes_it(sim, fetcher.api.transport.breakers,
                                                                  fetcher.balances)
