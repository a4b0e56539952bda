"""Bad input never crashes the Binance simulator and never affects other clients."""

from __future__ import annotations

import asyncio
import json
import time

import aiohttp
import pytest

from tradesys.sim.orders import OrderType, Side

# An hour between market steps: the tests drive the book.
pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT",), seed=6, step_seconds=3600)


def _churn(sim, changes: int) -> None:
    """Change the book ``changes`` times (place and cancel far from the touch)."""
    exchange = sim.exchange
    instrument = exchange.instruments["BTCUSDT"]
    bid = exchange.engines["BTCUSDT"].book.best_price(Side.BUY)
    for i in range(changes // 2):
        order = exchange.place("main", "BTCUSDT", Side.BUY, OrderType.LIMIT, instrument.min_qty * 10,
                               price=bid - instrument.tick * (10 + i % 50))
        exchange.cancel("main", "BTCUSDT", order_id=order.order_id)


async def test_an_oversized_frame_closes_only_that_connection(sim, http):
    url = sim.urls["ws public"] + "/ws/btcusdt@depth@0ms"
    async with http.ws_connect(url) as bystander, http.ws_connect(url) as offender:
        await offender.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["x" * 100_000], "id": 1}))
        closing = await offender.receive(timeout=10)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
        _churn(sim, 2)
        frame = json.loads((await bystander.receive(timeout=10)).data)
        assert frame["e"] == "depthUpdate"


async def test_a_client_that_never_reads_is_dropped_and_the_others_keep_their_feed(sim, http):
    sim.streams.queue_size = 50
    url = sim.urls["ws public"] + "/ws/btcusdt@depth@0ms"
    async with http.ws_connect(url) as reader, http.ws_connect(url, max_msg_size=0) as sleeper:
        received = 0
        deadline = time.monotonic() + 60
        while sim.streams.counters.get("slow_consumers_closed", 0) == 0 and time.monotonic() < deadline:
            _churn(sim, 40)  # bursts under the queue size: a client that reads always keeps up
            while True:  # the reader keeps up; the sleeper never calls receive()
                try:
                    msg = await reader.receive(timeout=0.01)
                except TimeoutError:
                    break
                assert msg.type == aiohttp.WSMsgType.TEXT
                received += 1
            await asyncio.sleep(0)   # a yield: the server's writer runs
        assert sim.streams.counters["slow_consumers_closed"] == 1
        _churn(sim, 2)
        assert json.loads((await reader.receive(timeout=10)).data)["e"] == "depthUpdate"
        assert received > 0
        assert not sleeper.closed or sleeper.close_code == 1008


async def test_oversized_and_malformed_rest_requests_get_answers_and_the_server_carries_on(sim, http):
    rest = sim.urls["rest"]
    async with http.post(rest + "/fapi/v1/order", data=b"x" * (2 << 20),
                         headers={"Content-Type": "application/x-www-form-urlencoded"}) as response:
        assert response.status == 413
    async with http.post(rest + "/fapi/v1/batchOrders?batchOrders=%5B%7Bnot-json", headers={
            "X-MBX-APIKEY": "nobody"}) as response:
        body = await response.json()
        assert response.status == 401 and body["code"] == -2015
    async with http.get(rest + "/fapi/v1/depth?symbol=BTCUSDT&limit=%ZZ") as response:
        body = await response.json()
        assert response.status == 400 and body["code"] == -4021
    async with http.get(rest + "/fapi/v1/ping") as response:
        assert response.status == 200 and await response.json() == {}
