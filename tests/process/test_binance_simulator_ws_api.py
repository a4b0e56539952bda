"""The Binance simulator's WebSocket API over a real loopback socket, signed as the official SDK signs."""

from __future__ import annotations

import json
import time
import uuid

import aiohttp
import pytest

from exchanges.binance import auth
from exchanges.binance.simulator import BinanceSimulator, Credentials

CREDS = Credentials("wsapi-key-" + "3" * 54, "wsapi-secret-" + "4" * 51)


@pytest.fixture
async def sim():
    simulator = BinanceSimulator(symbols=("BTCUSDT",), seed=8, credentials=CREDS)
    await simulator.start()
    yield simulator
    await simulator.stop()


def signed(params: dict, secret: str = CREDS.api_secret) -> dict:
    params = {"apiKey": CREDS.api_key, "timestamp": int(time.time() * 1000), **params}
    return {**params, "signature": auth.sign(secret, auth.ws_payload(params))}


async def rpc(ws, method, params):
    request_id = str(uuid.uuid4())
    await ws.send_str(json.dumps({"id": request_id, "method": method, "params": params}))
    while True:
        reply = json.loads((await ws.receive(timeout=10)).data)
        if reply.get("id") == request_id:
            return reply


async def test_orders_through_the_ws_api(sim):
    async with aiohttp.ClientSession() as http, http.ws_connect(sim.urls["ws api"]) as ws:
        book = await rpc(ws, "depth", {"symbol": "BTCUSDT", "limit": 5})
        assert book["status"] == 200 and book["result"]["bids"]
        price = f"{float(book['result']['bids'][0][0]) - 100:.2f}"
        placed = await rpc(ws, "order.place", signed({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT",
                                                      "timeInForce": "GTX", "quantity": "0.010", "price": price}))
        assert placed["status"] == 200 and placed["result"]["status"] == "NEW"
        assert {r["rateLimitType"] for r in placed["rateLimits"]} == {"REQUEST_WEIGHT", "ORDERS"}
        order_id = placed["result"]["orderId"]
        status = await rpc(ws, "order.status", signed({"symbol": "BTCUSDT", "orderId": order_id}))
        assert status["result"]["orderId"] == order_id and status["result"]["status"] == "NEW"
        modified = await rpc(ws, "order.modify", signed({"symbol": "BTCUSDT", "orderId": order_id, "side": "BUY",
                                                         "quantity": "0.020", "price": price}))
        assert modified["result"]["origQty"] == "0.020"
        cancelled = await rpc(ws, "order.cancel", signed({"symbol": "BTCUSDT", "orderId": order_id}))
        assert cancelled["result"]["status"] == "CANCELED"
        again = await rpc(ws, "order.cancel", signed({"symbol": "BTCUSDT", "orderId": order_id}))
        assert again["status"] == 400 and again["error"]["code"] == -2011
        crossing = await rpc(ws, "order.place", signed({
            "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTX", "quantity": "0.010",
            "price": f"{float(book['result']['asks'][0][0]) + 50:.2f}"}))
        assert crossing["status"] == 400 and crossing["error"]["code"] == -5022
        stream = await rpc(ws, "userDataStream.start", {"apiKey": CREDS.api_key})
        assert len(stream["result"]["listenKey"]) == 64


async def test_ws_api_refusals(sim):
    async with aiohttp.ClientSession() as http, http.ws_connect(sim.urls["ws api"]) as ws:
        bad = await rpc(ws, "order.place", signed({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                                   "quantity": "0.010"}, secret="wrong"))
        assert (bad["status"], bad["error"]["code"]) == (400, -1022)
        missing = await rpc(ws, "order.place", signed({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET"}))
        assert missing["error"]["code"] == -1102 and "quantity" in missing["error"]["msg"]
        logon = await rpc(ws, "session.logon", signed({}))
        assert (logon["status"], logon["error"]["code"]) == (401, -1002)  # the venue takes only Ed25519 keys here
        unknown = await rpc(ws, "order.teleport", {})
        assert unknown["status"] == 400
        await ws.send_str("{broken")
        broken = json.loads((await ws.receive(timeout=10)).data)
        assert broken["id"] is None and broken["status"] == 400
