"""The engine's account stream against the Binance simulator: after a private-stream drop it reads the
venue's open orders again, and a read the venue refuses is tried again until it succeeds (not left for a
next reconnect that may never come: the venue would stay halted and a lost order held live for ever)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from exchanges.binance.auth import Credentials
from tests.binance_sim import connector
from tradesys.aio import wait_until
from tradesys.messages import OrderEvent, OrderEventType, Side
from tradesys.services.engine.stream import AccountStream
from tradesys.venue.base import OrderSpec

CREDS = Credentials("stream-key-" + "3" * 53, "stream-secret-" + "4" * 50)
pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT",), seed=8, credentials=CREDS)


async def test_a_refused_read_after_a_drop_is_tried_again_until_the_order_cancelled_meanwhile_is_settled(sim):
    _, oms, _, fetcher = connector(sim, CREDS)
    published, tasks = [], set()

    def spawn(coro, name):
        task = asyncio.create_task(coro, name=name)
        tasks.add(task)
        return task

    stream = AccountStream("binance", ("mm",), lambda topic, message, *_: published.append(message), spawn)
    try:
        await oms.start()
        stream.fetcher = fetcher
        stream.instruments = {i.symbol: i for i in await fetcher.instruments()}
        book = await fetcher.book_snapshot("BTCUSDT", 5)
        price = Decimal(book.bid_prices[-1]).scaleb(-book.price_scale) - 100
        await oms.place(OrderSpec("BTCUSDT", "mm-1-1", Side.SIDE_BUY, Decimal("0.010"), price=price))
        await stream.reconcile()
        assert [cid for cid, _ in stream.orders.live()] == ["mm-1-1"]

        # The stream drops; meanwhile the venue cancels the order, and then refuses the engine's next reads.
        stream.on_status(False, "test: dropped")
        sim.exchange.cancel_all("main", "BTCUSDT")
        await sim.fault_control.apply({"http_errors": [503, 503]})
        stream.on_status(True, "test: back")
        await wait_until(lambda: stream.down_since is None, "the open orders read again", timeout=30, every=0.05)
        assert stream.count["refresh_retries"] >= 1 and stream.count["reconciles"] == 2
        assert list(stream.orders.live()) == []
        [cancelled] = [m for m in published if isinstance(m, OrderEvent) and m.client_order_id == "mm-1-1"
                       and m.type == OrderEventType.ORDER_EVENT_TYPE_CANCELLED]
        assert cancelled.strategy_id == "mm"
    finally:
        for task in tasks:
            task.cancel()
        await oms.stop()
        await fetcher.close()
