"""The Deribit simulator's subscriptions, heartbeats, cancel-on-disconnect, credit limits and fault
switches, over real WebSockets on 127.0.0.1 with the synthetic market running."""

from __future__ import annotations

import asyncio

import pytest

from exchanges.deribit.simulator.limits import CreditLimits
from tests.deribit_sim import RpcClient, apply_book, simulator
from tradesys.aio import wait_until

pytestmark = pytest.mark.simulator("deribit", step_seconds=0.05, min_heartbeat_s=0.3)


@pytest.fixture
async def client(sim, http):
    rpc = await RpcClient.connect(http, sim)
    yield rpc
    await rpc.close()


def _chain_breaks(notes: list[dict]) -> int:
    breaks, prev = 0, None
    for data in notes:
        if data["type"] == "snapshot":
            prev = data["change_id"]
            continue
        breaks += data["prev_change_id"] != prev
        prev = data["change_id"]
    return breaks


async def test_book_channels_chain_their_change_ids_and_rebuild_the_venues_book(sim, client):
    await client.login(sim)
    channels = ["book.BTC-PERPETUAL.raw", "book.ETH-PERPETUAL.100ms"]
    assert await client.result("private/subscribe", {"channels": channels}) == channels
    for name in channels:
        await wait_until(lambda n=name: len(client.on(n)) > 30, f"changes on {name}")
    sim.pause_market()
    for name in channels:
        async def caught_up(n=name):
            venue = await client.result("public/get_order_book", {"instrument_name": n.split(".")[1], "depth": 1})
            return bool(client.on(n)) and client.on(n)[-1]["change_id"] == venue["change_id"]

        await wait_until(caught_up, f"{name}'s last change is the venue's book")   # the last 100 ms batch out
    for name in channels:
        notes = client.on(name)
        assert notes[0]["type"] == "snapshot" and all(n["type"] == "change" for n in notes[1:])
        assert _chain_breaks(notes) == 0
        book = {}
        for data in notes:
            apply_book(book, data)
        instrument = name.split(".")[1]
        venue = await client.result("public/get_order_book", {"instrument_name": instrument, "depth": 1000})
        assert book["bids"] == {p: a for p, a in venue["bids"]} and book["asks"] == {p: a for p, a in venue["asks"]}
        assert notes[-1]["change_id"] == venue["change_id"]


async def test_raw_books_need_auth_and_100ms_ones_do_not(sim, client):
    result = await client.result("public/subscribe", {"channels": ["book.BTC-PERPETUAL.raw",
                                                                   "book.BTC-PERPETUAL.100ms", "no.such.channel"]})
    assert result == ["book.BTC-PERPETUAL.100ms"]
    private = await client.call("private/subscribe", {"channels": ["user.orders.any.any.raw"]})
    assert private["error"]["code"] == 13009


async def test_a_lost_change_notification_shows_as_a_broken_chain(sim, client):
    await client.result("public/subscribe", {"channels": ["book.BTC-PERPETUAL.100ms"]})
    await wait_until(lambda: len(client.on("book.BTC-PERPETUAL.100ms")) > 3, "first changes")
    await sim.fault_control.apply({"skip_depth_updates": 1})
    await wait_until(lambda: _chain_breaks(client.on("book.BTC-PERPETUAL.100ms")) == 1, "a break")
    await client.result("public/unsubscribe", {"channels": ["book.BTC-PERPETUAL.100ms"]})
    # Resubscribing starts a fresh chain from a snapshot.
    count = len(client.on("book.BTC-PERPETUAL.100ms"))
    await client.result("public/subscribe", {"channels": ["book.BTC-PERPETUAL.100ms"]})
    await wait_until(lambda: len(client.on("book.BTC-PERPETUAL.100ms")) > count + 3, "new changes")
    fresh = client.on("book.BTC-PERPETUAL.100ms")[count:]
    assert fresh[0]["type"] == "snapshot" and _chain_breaks(fresh) == 0


async def test_user_channels_report_orders_trades_positions_and_the_portfolio(sim, client):
    await client.login(sim)
    channels = ["user.orders.any.any.raw", "user.trades.BTC-PERPETUAL.raw", "user.changes.future.BTC.raw",
                "user.portfolio.btc", "ticker.BTC-PERPETUAL.100ms", "trades.BTC-PERPETUAL.100ms"]
    assert await client.result("private/subscribe", {"channels": channels}) == channels
    await wait_until(lambda: client.on("user.portfolio.btc"), "the first portfolio")
    bought = await client.result("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 200, "type": "market",
                                                 "label": "u-1"})
    order_id = bought["order"]["order_id"]
    await wait_until(lambda: client.on("user.trades.BTC-PERPETUAL.raw"), "user trades")
    orders = [o for o in client.on("user.orders.any.any.raw") if o["order_id"] == order_id]
    assert orders[-1]["order_state"] == "filled" and orders[-1]["label"] == "u-1"
    trades = [t for batch in client.on("user.trades.BTC-PERPETUAL.raw") for t in batch]
    assert sum(t["amount"] for t in trades if t["order_id"] == order_id) == 200
    changes = [c for c in client.on("user.changes.future.BTC.raw") if c["trades"]]
    assert changes and changes[-1]["positions"][0]["size"] == 200
    await wait_until(lambda: len(client.on("user.portfolio.btc")) > 1, "a portfolio after the fill")
    portfolio = client.on("user.portfolio.btc")[-1]
    assert portfolio["currency"] == "BTC" and portfolio["balance"] < client.on("user.portfolio.btc")[0]["balance"]
    await wait_until(lambda: client.on("ticker.BTC-PERPETUAL.100ms"), "a ticker")
    ticker = client.on("ticker.BTC-PERPETUAL.100ms")[-1]
    assert ticker["best_bid_price"] < ticker["best_ask_price"] and ticker["mark_price"] > 0
    await wait_until(lambda: client.on("trades.BTC-PERPETUAL.100ms"), "public trades")


async def test_an_answered_heartbeat_keeps_the_connection_and_a_missed_one_closes_it(sim, client):
    assert await client.result("public/set_heartbeat", {"interval": 0.3}) == "ok"
    await wait_until(lambda: len(client.heartbeats) >= 3, "three test requests")
    assert not client.closed.is_set()
    client.answer_test_requests = False
    await asyncio.wait_for(client.closed.wait(), 5)
    assert sim.counters["heartbeats_missed"] == 1


async def test_cancel_on_disconnect_cancels_the_connections_orders_and_only_when_enabled(sim, client, http):
    await client.login(sim)
    keeper = await RpcClient.connect(http, sim)
    try:
        await keeper.login(sim)
        bid = float(sim.exchange.mark_price("BTC-PERPETUAL")) * 0.99 // 0.5 * 0.5
        kept = await keeper.result("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 10, "price": bid})
        assert await client.result("private/enable_cancel_on_disconnect", {"scope": "connection"}) == "ok"
        assert await client.result("private/get_cancel_on_disconnect", {}) == {"scope": "connection", "enabled": True}
        gone = await client.result("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 10, "price": bid})
        await client.close()
        await wait_until(lambda: sim.counters["cancelled_on_disconnect"] == 1, "cancel on disconnect")
        state = await keeper.result("private/get_order_state", {"order_id": gone["order"]["order_id"]})
        assert state["order_state"] == "cancelled" and state["cancel_reason"] == "cancel_on_disconnect"
        still = await keeper.result("private/get_order_state", {"order_id": kept["order"]["order_id"]})
        assert still["order_state"] == "open"
    finally:
        await keeper.close()


async def test_a_missed_heartbeat_with_cancel_on_disconnect_cancels_too(sim, client):
    await client.login(sim)
    await client.result("private/enable_cancel_on_disconnect", {})
    bid = float(sim.exchange.mark_price("ETH-PERPETUAL")) * 0.99 // 0.05 * 0.05
    await client.result("private/buy", {"instrument_name": "ETH-PERPETUAL", "amount": 5, "price": round(bid, 2)})
    client.answer_test_requests = False
    await client.result("public/set_heartbeat", {"interval": 0.3})
    await asyncio.wait_for(client.closed.wait(), 5)
    await wait_until(lambda: sim.counters["cancelled_on_disconnect"] == 1, "cancel on disconnect")
    assert sim.exchange.engines["ETH-PERPETUAL"].open_orders("main") == []


async def test_an_empty_credit_pool_answers_10028_and_ends_the_session(http):
    sim = simulator(limits=CreditLimits(matching_burst=3, matching_per_s=0))
    await sim.start()
    rpc = await RpcClient.connect(http, sim)
    try:
        await rpc.login(sim)
        replies = [await rpc.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 10, "type": "market"})
                   for _ in range(4)]
        assert all("result" in r for r in replies[:3])
        assert replies[3]["error"] == {"code": 10028, "message": "too_many_requests"}
        await asyncio.wait_for(rpc.closed.wait(), 5)
    finally:
        await rpc.close()
        await sim.stop()


async def test_fault_switches(sim, client, http):
    await client.login(sim)
    await sim.fault_control.apply({"reject_next_orders": 1, "http_errors": [429, 503]})
    refused = await client.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 10, "type": "market"})
    assert refused["error"]["code"] == 11030
    assert "result" in await client.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 10,
                                                         "type": "market"})
    for status, code in ((429, 10028), (503, 10040)):
        async with http.get(sim.urls["rest"] + "/public/get_time") as response:
            assert response.status == status and (await response.json())["error"]["code"] == code
    async with http.post(sim.urls["control"], json={"expire_tokens": True}) as response:
        assert response.status == 200
    assert (await client.call("private/get_positions", {"currency": "BTC"}))["error"]["code"] == 13009
    async with http.post(sim.urls["control"], json={"nonsense": 1}) as response:
        assert response.status == 400 and "unknown fault switch" in (await response.json())["error"]
    async with http.post(sim.urls["control"], json={"drop_connections": True}) as response:
        assert response.status == 200
    await asyncio.wait_for(client.closed.wait(), 5)
