"""The Binance simulator's user data stream over real loopback sockets, driven by REST orders."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest

from exchanges.binance.simulator import BinanceSimulator, Credentials
from tests.binance_sim import SignedClient, shape
from tradesys.aio import wait_until

EXAMPLES = json.loads((Path(__file__).parents[1] / "fixtures" / "binance" / "user_stream_examples.json").read_text())
CREDS = Credentials("user-stream-key-" + "c" * 48, "user-stream-secret-" + "d" * 45)




pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT",), seed=9, credentials=CREDS)


async def _rest(sim, http, method, path, params=None, signed=True):
    status, body, _ = await SignedClient(sim, http, CREDS).call(method, path, params, signed=signed)
    return status, body


async def _events(ws, wanted, timeout=20.0):
    """Read until an event of each type in ``wanted`` (in order) has arrived; return all read."""
    got, deadline = [], time.monotonic() + timeout
    remaining = list(wanted)
    while remaining:
        msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        frame = json.loads(msg.data)
        got.append(frame)
        event = frame.get("data", frame).get("e")
        if event == remaining[0]:
            remaining.pop(0)
    return got




async def test_orders_fills_and_account_changes_stream_as_the_venue_sends_them(sim, http):
    _, key = await _rest(sim, http, "POST", "/fapi/v1/listenKey", signed=False)
    ws_url = sim.urls["ws private"] + f"/ws?listenKey={key['listenKey']}"
    async with http.ws_connect(ws_url) as ws:
        _, book = await _rest(sim, http, "GET", "/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "5"}, signed=False)
        passive = f"{Decimal(book['bids'][0][0]) - 100:.2f}"
        status, placed = await _rest(sim, http, "POST", "/fapi/v1/order", {
            "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTX", "quantity": "0.010",
            "price": passive, "newClientOrderId": "passive-1"})
        assert status == 200
        [new] = await _events(ws, ["ORDER_TRADE_UPDATE"])
        assert new["o"]["x"] == new["o"]["X"] == "NEW" and new["o"]["i"] == placed["orderId"]
        assert new["o"]["c"] == "passive-1" and new["o"]["f"] == "GTX" and new["o"]["p"] == passive
        assert shape(new) == shape(EXAMPLES["order_trade_update_new"])
        status, taken = await _rest(sim, http, "POST", "/fapi/v1/order", {
            "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.020", "newOrderRespType": "RESULT"})
        assert status == 200 and taken["status"] == "FILLED"
        events = await _events(ws, ["ORDER_TRADE_UPDATE", "TRADE_LITE", "ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE"])
        kinds = [e["e"] for e in events]
        lite = next(e for e in events if e["e"] == "TRADE_LITE")
        fills = [e for e in events if e["e"] == "ORDER_TRADE_UPDATE" and e["o"]["x"] == "TRADE"]
        account = next(e for e in events if e["e"] == "ACCOUNT_UPDATE")
        assert kinds.index("TRADE_LITE") < kinds.index("ACCOUNT_UPDATE")
        assert shape(lite) == shape(EXAMPLES["trade_lite"]) and lite["i"] == taken["orderId"]
        assert fills[-1]["o"]["X"] == "FILLED" and fills[-1]["o"]["z"] == "0.020" and Decimal(fills[-1]["o"]["n"]) > 0
        assert sum(Decimal(f["o"]["l"]) for f in fills) == Decimal("0.020") and not fills[0]["o"]["m"]
        assert shape(account) == shape(EXAMPLES["account_update"])
        assert account["a"]["P"][0]["pa"] == "0.020" and account["a"]["m"] == "ORDER"
        await _rest(sim, http, "DELETE", "/fapi/v1/order", {"symbol": "BTCUSDT", "origClientOrderId": "passive-1"})
        [cancelled] = [e for e in await _events(ws, ["ORDER_TRADE_UPDATE"]) if e["e"] == "ORDER_TRADE_UPDATE"]
        assert cancelled["o"]["X"] == "CANCELED" and cancelled["o"]["c"] == "passive-1"


async def test_the_stream_form_with_subscribe_and_an_event_filter(sim, http):
    _, key = await _rest(sim, http, "POST", "/fapi/v1/listenKey", signed=False)
    listen_key = key["listenKey"]
    async with http.ws_connect(sim.urls["ws private"] + "/stream") as wrapped, \
            http.ws_connect(sim.urls["ws private"] + f"/ws?listenKey={listen_key}&events=ACCOUNT_UPDATE") as only:
        await wrapped.send_str(json.dumps({"method": "SUBSCRIBE", "params": [listen_key], "id": 1}))
        reply = json.loads((await wrapped.receive(timeout=10)).data)
        assert reply == {"result": None, "id": 1}
        await _rest(sim, http, "POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET",
                                                          "quantity": "0.010"})
        frames = await _events(wrapped, ["ORDER_TRADE_UPDATE", "ACCOUNT_UPDATE"])
        assert all(f["stream"] == listen_key for f in frames)
        [account] = await _events(only, ["ACCOUNT_UPDATE"])
        assert account["e"] == "ACCOUNT_UPDATE" and account["a"]["P"][0]["pa"] == "-0.010"


async def test_an_unknown_key_fails_the_handshake_and_an_expired_key_is_announced(sim, http):
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await http.ws_connect(sim.urls["ws private"] + "/ws?listenKey=not-a-key")
    assert info.value.status == 400
    _, key = await _rest(sim, http, "POST", "/fapi/v1/listenKey", signed=False)
    listen_key = key["listenKey"]
    async with http.ws_connect(sim.urls["ws private"] + f"/ws?listenKey={listen_key}") as ws:
        sim.listen_keys[listen_key] = sim.now_ms() - 1  # let it lapse
        [expired] = await _events(ws, ["listenKeyExpired"])
    assert expired["listenKey"] == listen_key and isinstance(expired["E"], int)
    status, error = await _rest(sim, http, "PUT", "/fapi/v1/listenKey", signed=False)
    assert (status, error["code"]) == (400, -1125)


async def test_funding_settlements_stream_as_funding_fee_account_updates(http):
    simulator = BinanceSimulator(symbols=("BTCUSDT",), seed=9, credentials=CREDS, funding_interval_s=1.0)
    await simulator.start()
    try:
        _, key = await _rest(simulator, http, "POST", "/fapi/v1/listenKey", signed=False)
        async with http.ws_connect(simulator.urls["ws private"] + f"/ws?listenKey={key['listenKey']}") as ws:
            await _rest(simulator, http, "POST", "/fapi/v1/order", {
                "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.100"})
            got = await _events(ws, ["ACCOUNT_UPDATE"])
            after_fill = Decimal(got[-1]["a"]["B"][0]["wb"])
            async def funding_fee() -> dict | None:
                frame = (await _events(ws, ["ACCOUNT_UPDATE"]))[-1]
                return frame if frame["a"]["m"] == "FUNDING_FEE" else None

            funding = await wait_until(funding_fee, "a FUNDING_FEE account update", every=0)
        _, account = await _rest(simulator, http, "GET", "/fapi/v3/account")
    finally:
        await simulator.stop()
    assert funding is not None and funding["a"]["S"] == "BTCUSDT" and funding["a"]["P"] == []
    example = EXAMPLES["account_update"]
    assert shape(funding["a"]["B"]) == shape(example["a"]["B"])
    # A long pays a positive rate: the wallet after funding is below the wallet after the fill.
    assert Decimal(funding["a"]["B"][0]["wb"]) < after_fill
    assert Decimal(account["totalWalletBalance"]) <= Decimal(funding["a"]["B"][0]["wb"])
