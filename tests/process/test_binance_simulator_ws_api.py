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


pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT",), seed=8, credentials=CREDS)


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


@pytest.fixture
def ed25519_key():
    """A fresh Ed25519 key pair as PEM texts (private PKCS#8, public SubjectPublicKeyInfo)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return private, public


def ed_signed(params: dict, private_pem: str) -> dict:
    params = {"apiKey": CREDS.api_key, "timestamp": int(time.time() * 1000), **params}
    return {**params, "signature": auth.sign_ed25519(private_pem, auth.ws_payload(params))}


async def test_session_logon_with_an_ed25519_key_authenticates_the_connection(ed25519_key):
    private, public = ed25519_key
    simulator = BinanceSimulator(symbols=("BTCUSDT",), seed=8,
                                 credentials=Credentials(CREDS.api_key, CREDS.api_secret, public))
    await simulator.start()
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010",
             "price": "60000.00"}
    try:
        async with aiohttp.ClientSession() as http, http.ws_connect(simulator.urls["ws api"]) as ws:
            before = await rpc(ws, "session.status", {})
            assert before["status"] == 200 and before["result"]["apiKey"] is None
            unsigned = await rpc(ws, "order.place", {**order, "timestamp": int(time.time() * 1000)})
            assert unsigned["error"]["code"] == -2014  # no session yet: a key and a signature are needed
            hmac_logon = await rpc(ws, "session.logon", signed({}))
            assert (hmac_logon["status"], hmac_logon["error"]["code"]) == (400, -1022)
            forged = ed_signed({}, private)
            forged["timestamp"] += 1  # the signature no longer covers the params
            assert (await rpc(ws, "session.logon", forged))["error"]["code"] == -1022
            logon = await rpc(ws, "session.logon", ed_signed({}, private))
            assert logon["status"] == 200 and logon["result"]["apiKey"] == CREDS.api_key
            assert isinstance(logon["result"]["authorizedSince"], int)
            placed = await rpc(ws, "order.place", {**order, "timestamp": int(time.time() * 1000)})
            assert placed["status"] == 200 and placed["result"]["status"] == "NEW"
            stale = await rpc(ws, "order.place", {**order, "timestamp": int(time.time() * 1000) - 60_000})
            assert stale["error"]["code"] == -1021  # a session does not lift the timestamp window
            by_request = await rpc(ws, "order.status", ed_signed({"symbol": "BTCUSDT",
                                                                  "orderId": placed["result"]["orderId"]}, private))
            assert by_request["result"]["status"] == "NEW"
            logout = await rpc(ws, "session.logout", {})
            assert logout["result"]["apiKey"] is None and logout["result"]["authorizedSince"] is None
            after = await rpc(ws, "order.place", {**order, "timestamp": int(time.time() * 1000)})
            assert after["error"]["code"] == -2014
    finally:
        await simulator.stop()
