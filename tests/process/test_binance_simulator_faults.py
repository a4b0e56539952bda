"""Every fault switch of the Binance simulator, set through its control endpoint over loopback."""

from __future__ import annotations

import json
import time

import aiohttp
import pytest

from exchanges.binance.simulator import Credentials
from tests.binance_sim import SignedClient

CREDS = Credentials("faults-key-" + "1" * 53, "faults-secret-" + "2" * 50)
ORDER = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010",
         "price": "60000.00"}




pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT",), seed=4, credentials=CREDS, step_seconds=0.02)


async def _faults(sim, http, **switches):
    async with http.post(sim.urls["control"], json=switches) as response:
        return response.status, await response.json()


async def _rest(sim, http, method, path, params=None, signed=True, timestamp=None):
    return await SignedClient(sim, http, CREDS).call(method, path, params, signed=signed, timestamp=timestamp)


async def test_rejecting_the_next_orders(sim, http):
    assert (await _faults(sim, http, reject_next_orders=2))[1]["reject_next_orders"] == 2
    codes = [(await _rest(sim, http, "POST", "/fapi/v1/order", ORDER))[1].get("code") for _ in range(3)]
    assert codes == [-2010, -2010, None]


async def test_injected_http_errors_come_once_each_in_order(sim, http):
    await _faults(sim, http, http_errors=[503, 429, 500])
    answers = [await _rest(sim, http, "GET", "/fapi/v1/time", signed=False) for _ in range(4)]
    assert [(status, body.get("code")) for status, body, _ in answers] == [
        (503, -1001), (429, -1003), (500, -1000), (200, None)]
    assert answers[1][2]["Retry-After"] == "1"


async def test_clock_skew_moves_server_time_and_the_timestamp_window(sim, http):
    await _faults(sim, http, clock_skew_ms=20_000)
    _, body, _ = await _rest(sim, http, "GET", "/fapi/v1/time", signed=False)
    assert body["serverTime"] - int(time.time() * 1000) > 15_000
    status, error, _ = await _rest(sim, http, "GET", "/fapi/v3/account")
    assert (status, error["code"]) == (400, -1021)
    status, _, _ = await _rest(sim, http, "GET", "/fapi/v3/account", timestamp=body["serverTime"])
    assert status == 200  # a client that syncs its clock to /fapi/v1/time gets through


async def test_skipped_depth_updates_show_as_a_break_in_the_pu_chain(sim, http):
    ws_url = sim.urls["ws public"] + "/ws/btcusdt@depth@100ms"
    async with http.ws_connect(ws_url) as ws:
        events = [json.loads((await ws.receive(timeout=10)).data) for _ in range(2)]
        assert events[1]["pu"] == events[0]["u"]
        await _faults(sim, http, skip_depth_updates=1)
        after = [json.loads((await ws.receive(timeout=10)).data) for _ in range(3)]
    chain = events[-1:] + after
    breaks = [b for a, b in zip(chain, chain[1:]) if b["pu"] != a["u"]]
    assert len(breaks) == 1  # exactly one event was lost, and the client can see it


async def test_delay_drop_and_listen_key_expiry(sim, http):
    _, key, _ = await _rest(sim, http, "POST", "/fapi/v1/listenKey", signed=False)
    async with http.ws_connect(sim.urls["ws private"] + f"/ws?listenKey={key['listenKey']}") as private, \
            http.ws_connect(sim.urls["ws public"] + "/ws/btcusdt@bookTicker") as public:
        await public.receive(timeout=10)
        await _faults(sim, http, expire_listen_keys=True)
        expired = json.loads((await private.receive(timeout=10)).data)
        assert expired["e"] == "listenKeyExpired"
        await _faults(sim, http, delay_ms=300)
        while True:  # drain what was queued before the delay
            try:
                await public.receive(timeout=0.05)
            except TimeoutError:
                break
        started = time.monotonic()
        await public.receive(timeout=10)
        assert time.monotonic() - started >= 0.25  # each frame now waits its delay
        await _faults(sim, http, delay_ms=0, drop_connections=True)
        closing = await public.receive(timeout=10)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)


async def test_a_bad_switch_is_refused_and_changes_nothing(sim, http):
    status, body = await _faults(sim, http, reject_next_orders=1, bogus=True)
    assert status == 400 and "unknown fault switch 'bogus'" in body["error"]
    status, body = await _faults(sim, http, http_errors=[404])
    assert status == 400 and "http_errors" in body["error"]
    async with http.get(sim.urls["control"]) as response:
        state = await response.json()
    assert state["reject_next_orders"] == 0 and state["http_errors"] == []
