"""The GRVT connector against the GRVT simulator over real loopback sockets: book sync by sequence numbers,
resync on a gap, reconnects, the signed order lifecycle with our client order ids carried as the venue's
numbers, session refresh and expiry, no lost fill, the cancel-on-disconnect countdown."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import pytest

from exchanges.grvt.auth import ApiSession, Credentials
from exchanges.grvt.constants import ACCOUNT_HEADER
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
from tests.grvt_sim import API_KEY, PRIVATE_KEY, connector, ids, simulator
from tradesys.aio import wait_until
from tradesys.messages import BookSnapshot, OrderEventType, OrderType, Side, TimeInForce
from tradesys.numeric import get_decimal
from tradesys.venue.base import FeedStatus, ModifySpec, OrderSpec, StreamKind
from tradesys.venue.errors import (
    AuthError,
    InvalidOrder,
    InvalidPrice,
    InvalidQuantity,
    PostOnlyWouldCross,
    UnknownOrder,
)

ALL_KINDS = (StreamKind.BOOK, StreamKind.BBO, StreamKind.TRADES, StreamKind.MARK)
E = OrderEventType
BTC, ETH = "BTC_USDT_Perp", "ETH_USDT_Perp"
POST_ONLY = TimeInForce.TIME_IN_FORCE_POST_ONLY


pytestmark = pytest.mark.simulator("grvt", seed=23, step_seconds=0.02)


@pytest.fixture
async def parts(sim):
    subscriber, oms, pms, fetcher = connector(sim)
    yield subscriber, oms, pms, fetcher
    for part in (subscriber, oms, pms):
        await part.stop()
    await fetcher.close()


async def trading(oms, pms) -> Recorder:
    """The OMS started and the private streams up; what they bring is recorded."""
    events = Recorder()
    await oms.start()
    await pms.start(events)
    await wait_until(lambda: events.connection and events.connection[-1][0], "private streams")
    return events


# -- market data -------------------------------------------------------------------------

async def test_books_sync_by_sequence_numbers_and_the_published_stream_rebuilds_the_venues_book(sim, parts):
    subscriber, *_ = parts
    got = Recorder()
    await subscriber.start(got)
    await subscriber.subscribe([BTC, ETH], ALL_KINDS)
    await wait_until(lambda: all(subscriber.status(s) is FeedStatus.LIVE for s in (BTC, ETH)), "live")
    await wait_until(lambda: sum(1 for b in got.books if not isinstance(b, BookSnapshot)) > 40, "deltas")
    await wait_until(lambda: got.bbos and got.trades and got.marks, "bbo, trades and marks")
    sim.pause_market()
    for symbol in (BTC, ETH):
        await wait_until(lambda s=symbol: our_levels(subscriber.chains[s].book) == sim_levels(sim, s),
                         "same book", timeout=5)
        await wait_until(lambda s=symbol: rebuilt(got, s, subscriber.scales[s]) == sim_levels(sim, s),
                         "rebuilt", timeout=5)
    assert subscriber.counters["gaps"] == 0 and subscriber.counters["malformed"] == 0
    assert subscriber.scales == {BTC: (1, 3), ETH: (2, 2)}
    assert get_decimal(got.marks[-1].mark_price) > 0 and got.trades[-1].trade_id.endswith("-1")


async def test_a_sequence_gap_resubscribes_and_nothing_is_published_until_the_new_snapshot(sim, parts):
    subscriber, *_ = parts
    got = Recorder()
    await subscriber.start(got)
    await subscriber.subscribe([BTC], [StreamKind.BOOK])
    await wait_until(lambda: subscriber.status(BTC) is FeedStatus.LIVE, "the BTC book live")
    await sim.fault_control.apply({"skip_depth_updates": 1})
    await wait_until(lambda: subscriber.counters["gaps"] >= 1, "gap seen")
    await wait_until(lambda: subscriber.status(BTC) is FeedStatus.LIVE, "live again")
    assert [s for _, s, _ in got.statuses][-2:] == [FeedStatus.RESYNCING, FeedStatus.LIVE]
    assert sum(isinstance(b, BookSnapshot) for b in got.books) == 2 and subscriber.counters["resyncs"] == 1
    sim.pause_market()
    await wait_until(lambda: rebuilt(got, BTC, subscriber.scales[BTC]) == sim_levels(sim, BTC),
                     "rebuilt = venue", timeout=5)


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


def test_a_book_rate_the_venue_does_not_stream_is_refused_at_connect(sim):
    with pytest.raises(ValueError, match="every 100, 200, 500, 1000 ms"):
        connector(sim, depth_update_ms=250)


# -- orders ------------------------------------------------------------------------------

async def test_signed_order_lifecycle_with_our_client_order_ids_and_rejections(sim, parts):
    _, oms, pms, fetcher = parts
    events = await trading(oms, pms)
    draw = ids("mm")
    bid, ask = await best(fetcher, BTC)
    resting = draw.next()
    placed = await oms.place(OrderSpec(BTC, resting, Side.SIDE_BUY, Decimal("0.01"), price=bid - 100,
                                       time_in_force=POST_ONLY))
    assert placed.type == E.ORDER_EVENT_TYPE_ACCEPTED and placed.client_order_id == resting
    # The venue holds the venue's number; every answer and event names our id again.
    assert [sim.client_id_of(o) for o in sim.exchange.engines[BTC].open_orders("main")] == [oms.codec.encode(resting)]
    assert [o.client_order_id for o in await fetcher.open_orders(BTC)] == [resting]
    cancelled = await oms.cancel(BTC, resting)
    assert cancelled.type == E.ORDER_EVENT_TYPE_CANCELLED and await fetcher.open_orders(BTC) == []
    taker = draw.next()
    market = await oms.place(OrderSpec(BTC, taker, Side.SIDE_BUY, Decimal("0.005"), type=OrderType.ORDER_TYPE_MARKET))
    assert market.type == E.ORDER_EVENT_TYPE_FILLED and get_decimal(market.filled_quantity) == Decimal("0.005")
    await wait_until(lambda: sum(get_decimal(f.quantity) for f in events.fills if f.client_order_id == taker)
                == Decimal("0.005"), "fills streamed")
    await wait_until(lambda: [e.type for e in events.order_events if e.client_order_id == resting]
                == [E.ORDER_EVENT_TYPE_ACCEPTED, E.ORDER_EVENT_TYPE_CANCELLED], "events streamed")
    await wait_until(lambda: any(p.symbol == BTC for p in events.positions), "position streamed")
    assert {f.client_order_id for f in await fetcher.recent_fills(BTC)} == {taker}
    assert [p.symbol for p in await fetcher.positions()] == [BTC]
    await wait_until(lambda: events.balances, "balances polled")
    assert {b.asset for b in events.balances} == {"USDT"}
    # Refused here, before anything is signed: off the grid; refused by the venue: a crossing post-only.
    with pytest.raises(InvalidQuantity):
        await oms.place(OrderSpec(BTC, draw.next(), Side.SIDE_BUY, Decimal("0.0015"), price=bid - 100))
    with pytest.raises(InvalidPrice):
        await oms.place(OrderSpec(BTC, draw.next(), Side.SIDE_BUY, Decimal("0.01"), price=bid - Decimal("0.05")))
    with pytest.raises(PostOnlyWouldCross):
        await oms.place(OrderSpec(BTC, draw.next(), Side.SIDE_BUY, Decimal("0.01"), price=ask + 50,
                                  time_in_force=POST_ONLY))
    with pytest.raises(InvalidOrder, match="not one of ours"):
        await oms.place(OrderSpec(BTC, "hand-made id", Side.SIDE_BUY, Decimal("0.01"), price=bid - 100))
    with pytest.raises(InvalidOrder, match="cannot amend"):
        await oms.modify(ModifySpec(BTC, resting, Side.SIDE_BUY, bid - 90, Decimal("0.01")))
    with pytest.raises(UnknownOrder):
        await oms.cancel(BTC, draw.next())
    assert pms.counters["malformed"] == 0 and pms.counters["unknown_state"] == 0
    # v1.state repeats each v1.order update: one event each, the repeat counted.
    assert pms.counters["duplicate_events"] >= 2 and pms.counters["state_of_unknown_order"] == 0


async def test_cancel_all_cancels_one_instrument_and_leaves_the_other(sim, parts):
    _, oms, _, fetcher = parts
    await oms.start()
    draw = ids("mm")
    for symbol, size in ((BTC, "0.01"), (ETH, "0.1")):
        bid, _ = await best(fetcher, symbol)
        await oms.place(OrderSpec(symbol, draw.next(), Side.SIDE_BUY, Decimal(size), price=bid * Decimal("0.98")
                                  // Decimal("0.1") * Decimal("0.1"), time_in_force=POST_ONLY))
    await oms.cancel_all(BTC)
    assert [o.symbol for o in await fetcher.open_orders()] == [ETH]


# -- sessions ----------------------------------------------------------------------------

async def test_the_session_is_refreshed_before_the_cookie_expires():
    sim = simulator(seed=3, session_ttl_s=3)
    await sim.start()
    _, oms, _, fetcher = connector(sim, cancel_on_disconnect=False)
    try:
        await oms.start()
        first = oms.api.session.expires_at
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:     # time itself: calls keep working across the cookie's 3 s life
            assert await fetcher.positions() == [] and await oms.api.open_orders(oms.sub_account_id) == []
            await asyncio.sleep(0.2)
        session = oms.api.session
        assert session.counters["refreshes"] >= 2 and session.counters["refused"] == 0
        assert session.expires_at > first
    finally:
        await oms.stop()
        await fetcher.close()
        await sim.stop()


@pytest.mark.parametrize("off_s", [3600.0, -3600.0], ids=["ahead", "behind"])
async def test_a_local_clock_an_hour_off_logs_in_and_counts_the_cookies_life_on_the_venues_time(sim, off_s):
    # The simulator's cookie lives an hour: a clock an hour ahead took it as expired at once, one an hour
    # behind would have refreshed an hour late (after the venue had refused it).
    session = ApiSession(sim.urls["edge"], Credentials(API_KEY, PRIVATE_KEY), clock=lambda: time.time() + off_s)
    headers = await session.headers()
    assert headers[ACCOUNT_HEADER] == sim.account_id and session.counters["logins"] == 1
    assert session.clock_offset_s == pytest.approx(-off_s, abs=3)
    assert session.expires_at - session.clock() == pytest.approx(3600, abs=5)


async def test_an_expired_session_is_logged_in_again_and_the_call_goes_through(sim, parts):
    _, oms, _, fetcher = parts
    await oms.start()
    await sim.fault_control.apply({"expire_sessions": True})
    assert await oms.api.open_orders(oms.sub_account_id) == []
    assert oms.api.session.counters["refused"] == 1 and oms.api.session.counters["logins"] == 2


async def test_refused_keys_fail_the_start_clearly(sim):
    _, oms, _, fetcher = connector(sim, api_key="not-the-key")
    try:
        with pytest.raises(AuthError) as refused:
            await oms.start()
        assert refused.value.code == 1000 and "not-the-key" not in str(refused.value)
    finally:
        await oms.stop()
        await fetcher.close()
    stranger = "0x" + "22" * 32          # a valid key, but not the account's registered signer
    _, oms, _, fetcher = connector(sim, private_key=stranger, cancel_on_disconnect=False)
    try:
        await oms.start()
        bid, _ = await best(fetcher, BTC)
        with pytest.raises(AuthError) as unsigned:
            await oms.place(OrderSpec(BTC, ids().next(), Side.SIDE_BUY, Decimal("0.01"), price=bid - 100))
        assert unsigned.value.code == 2000 and stranger[2:] not in str(unsigned.value)
    finally:
        await oms.stop()
        await fetcher.close()


# -- no lost fill, no orphan -------------------------------------------------------------

async def test_no_fill_is_lost_when_the_private_stream_drops(sim, parts):
    _, oms, pms, fetcher = parts
    streamed = await trading(oms, pms)
    since = time.time_ns()
    await sim.fault_control.apply({"drop_connections": True})
    taker = ids().next()
    filled = await oms.place(OrderSpec(BTC, taker, Side.SIDE_SELL, Decimal("0.003"), type=OrderType.ORDER_TYPE_MARKET))
    assert filled.type == E.ORDER_EVENT_TYPE_FILLED
    await wait_until(lambda: len(streamed.connection) >= 3 and streamed.connection[-1][0], "stream back")
    have = {f.trade_id for f in streamed.fills}
    recovered = [f for f in await fetcher.recent_fills(BTC, since) if f.trade_id not in have]
    mine = [f for f in streamed.fills + recovered if f.client_order_id == taker]
    assert sum(get_decimal(f.quantity) for f in mine) == Decimal("0.003")


CHILD = """
import asyncio, sys
from decimal import Decimal
from tradesys.venue.base import OrderSpec
from exchanges.grvt import VENUE, connect
from exchanges.grvt.auth import Credentials
from exchanges.grvt.ids import ID_OPTIONS
from tradesys.venue.ids import ClientOrderIds
from tradesys.venue.ratelimit import Budget, LocalBudget, RateLimiter
from exchanges.grvt.config import GrvtConfig
from tradesys.messages import Side

async def main(edge, market, trade, ws_market, ws_trade, chain_id, key, secret, price):
    venue = GrvtConfig(cancel_on_disconnect_ms=1000)
    urls = {"edge": edge, "market data": market, "trade data": trade, "ws market data": ws_market,
            "ws trade data": ws_trade, "chain-id": chain_id}
    parts = connect(venue, Credentials(key, secret), RateLimiter(LocalBudget(Budget([]))),
                    VENUE.endpoints_for(venue, urls), roles=("oms",), owners=("orphan",))
    await parts.oms.start()
    cid = ClientOrderIds("orphan", **ID_OPTIONS).next()
    await parts.oms.place(OrderSpec("BTC_USDT_Perp", cid, Side.SIDE_BUY, Decimal("0.01"), price=Decimal(price)))
    print("placed", flush=True)
    await asyncio.sleep(3600)   # time itself: the child waits to be killed

asyncio.run(main(*sys.argv[1:]))
"""


async def test_the_countdown_cancels_the_orders_of_a_connector_that_dies(sim, parts):
    *_, fetcher = parts
    bid, _ = await best(fetcher, BTC)
    urls = [sim.urls[k] for k in ("edge", "market data", "trade data", "ws market data", "ws trade data")]
    urls.append(sim.client_settings["chain-id"])
    resting = await orphan_is_cancelled_by_the_venue(CHILD, [*urls, API_KEY, PRIVATE_KEY, f"{bid - 100:f}"],
                                                     fetcher, BTC)
    assert len(resting) == 1                 # the countdown is no longer re-armed: it lapses and cancels
    assert sim.counters["cancelled_by_countdown"] == 1


async def test_a_1006_blocks_the_account_budget_then_the_call_goes_through(sim):
    from tests.grvt_sim import limiter_for_tests

    limiter = limiter_for_tests(max_wait_s=3.0)
    *_, fetcher = connector(sim, limiter=limiter, roles=("fetcher",))
    try:
        await a_429_blocks_the_budget_then_the_call_goes_through(sim, limiter, lambda: fetcher.open_orders(BTC), 1006)
    finally:
        await fetcher.close()


async def test_a_cancel_that_finds_no_order_is_reported_on_the_private_stream(sim, parts):
    _, oms, pms, _ = parts
    await trading(oms, pms)
    with pytest.raises(UnknownOrder):
        await oms.cancel(BTC, ids().next())
    await wait_until(lambda: pms.counters["cancels_unmatched"] == 1, "v1.cancel EXPIRED")


async def test_a_batch_goes_out_one_signed_order_at_a_time_with_one_result_each(sim, parts):
    _, oms, _, fetcher = parts
    await oms.start()
    bid, _ = await best(fetcher, BTC)
    draw = ids()
    specs = [OrderSpec(BTC, draw.next(), Side.SIDE_BUY, Decimal("0.01"), price=bid - 100, time_in_force=POST_ONLY),
             OrderSpec(BTC, draw.next(), Side.SIDE_BUY, Decimal("0.0015"), price=bid - 100),     # off the grid
             OrderSpec(BTC, draw.next(), Side.SIDE_BUY, Decimal("0.02"), price=bid - 101, time_in_force=POST_ONLY)]
    results = await oms.place_batch(specs)
    assert [type(r).__name__ for r in results] == ["OrderEvent", "InvalidQuantity", "OrderEvent"]
    assert sorted(o.client_order_id for o in await fetcher.open_orders(BTC)) == sorted(
        (specs[0].client_order_id, specs[2].client_order_id))


@pytest.mark.parametrize("chain_id", [326, 325])
async def test_the_connector_signs_on_the_chain_the_simulator_publishes(chain_id):
    """Testnet's chain or production's: the connector takes it from the simulator as it takes the URLs, and a
    connector told another chain is refused by the venue (1012)."""
    sim = simulator(seed=23, chain_id=chain_id)
    await sim.start()
    _, oms, _, fetcher = connector(sim, roles=("oms", "fetcher"))
    try:
        await oms.start()
        bid, _ = await best(fetcher, BTC)
        placed = await oms.place(OrderSpec(BTC, ids().next(), Side.SIDE_BUY, Decimal("0.01"), price=bid - 100,
                                           time_in_force=POST_ONLY))
        assert placed.venue_order_id and oms.chain_id == chain_id
        oms.chain_id = 651 - chain_id       # the other of 325 / 326
        with pytest.raises(AuthError, match="1012"):
            await oms.place(OrderSpec(BTC, ids().next(), Side.SIDE_BUY, Decimal("0.01"), price=bid - 100,
                                      time_in_force=POST_ONLY))
    finally:
        await oms.stop()
        await fetcher.close()
        await sim.stop()


async def test_the_fill_history_pages_and_loses_nothing(sim, parts):
    _, oms, _, fetcher = parts
    draw = ids("mm")
    cids = [draw.next() for _ in range(8)]
    await history_pages_lose_nothing(sim, oms, fetcher, BTC, Decimal("0.01"), cids)


async def test_an_order_whose_answer_was_lost_is_found_by_its_client_order_id(sim, parts):
    _, oms, _, fetcher = parts
    draw = ids("mm")
    await a_lost_answer_is_found_by_client_order_id(sim, oms, fetcher, BTC, Decimal("0.01"), draw.next(), draw.next())


async def test_a_failing_venue_opens_the_circuit_breaker_and_a_probe_closes_it(sim, parts):
    _, _, _, fetcher = parts
    await a_failing_venue_opens_the_breaker_and_a_probe_closes_it(sim, fetcher.api.breakers, fetcher.positions)
