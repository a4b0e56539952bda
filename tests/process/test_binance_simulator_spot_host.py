"""The spot host's wallet endpoints a futures client calls, and the venue's answer to a path it does not serve."""

from __future__ import annotations

import json

import pytest

from exchanges.binance.simulator import Credentials
from tests.binance_sim import SignedClient, frames

CREDS = Credentials("spot-key-" + "c" * 55, "spot-secret-" + "d" * 52)
GETALL = "/sapi/v1/capital/config/getall"


pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT", "ETHUSDT"), seed=5, credentials=CREDS)


async def test_all_coins_information_is_signed_weighted_and_shaped_as_the_venue(sim, http):
    api = SignedClient(sim, http, CREDS)
    status, coins, headers = await api.call("GET", GETALL)
    assert status == 200 and headers["X-SAPI-USED-IP-WEIGHT-1M"] == "10"
    assert "X-MBX-USED-WEIGHT-1M" not in headers   # the sapi family keeps its own count
    assert [c["coin"] for c in coins] == ["USDT", "BTC", "ETH"]
    usdt = coins[0]
    assert (usdt["free"], usdt["locked"], usdt["isLegalMoney"], usdt["trading"]) == ("0", "0", False, True)
    [network] = usdt["networkList"]
    assert network["coin"] == "USDT" and network["isDefault"] is True
    assert isinstance(network["minConfirm"], int) and isinstance(network["withdrawFee"], str)
    # Weight adds up on the spot family only.
    _, _, headers = await api.call("GET", GETALL)
    assert headers["X-SAPI-USED-IP-WEIGHT-1M"] == "20"
    _, _, headers = await api.call("GET", "/fapi/v1/ping", signed=False)
    assert headers["X-MBX-USED-WEIGHT-1M"] == "1"


async def test_all_coins_information_refuses_what_the_venue_refuses(sim, http):
    api = SignedClient(sim, http, CREDS)
    assert (await api.call("GET", GETALL, key=""))[:2] == (401, {"code": -2014, "msg": "API-key format invalid."})
    status, body, _ = await api.call("GET", GETALL, secret="not-the-secret")
    assert (status, body["code"]) == (400, -1022)
    status, body, _ = await api.call("GET", GETALL, signed=False)
    assert (status, body["code"]) == (400, -1102) and "timestamp" in body["msg"]


async def test_the_spot_family_has_its_own_weight_limit(sim, http):
    sim.limits.sapi_ip_weight_per_minute = 25
    api = SignedClient(sim, http, CREDS)
    answers = [(await api.call("GET", GETALL))[:2] for _ in range(3)]
    assert [a[0] for a in answers] == [200, 200, 429] and answers[2][1]["code"] == -1003
    assert "25" in answers[2][1]["msg"]
    status, _, _ = await api.call("GET", "/fapi/v1/time", signed=False)
    assert status == 200  # the futures family still answers


async def test_cross_margin_pairs_need_the_key_and_list_the_simulated_pairs(sim, http):
    api = SignedClient(sim, http, CREDS)
    status, pairs, headers = await api.call("GET", "/sapi/v1/margin/allPairs", signed=False)
    assert status == 200 and headers["X-SAPI-USED-IP-WEIGHT-1M"] == "1"
    assert [(p["symbol"], p["base"], p["quote"]) for p in pairs] == [("BTCUSDT", "BTC", "USDT"),
                                                                    ("ETHUSDT", "ETH", "USDT")]
    assert all(isinstance(p["id"], int) and p["isMarginTrade"] is True for p in pairs)
    _, [one], _ = await api.call("GET", "/sapi/v1/margin/allPairs", {"symbol": "ETHUSDT"}, signed=False)
    assert one["symbol"] == "ETHUSDT"
    status, body, _ = await api.call("GET", "/sapi/v1/margin/allPairs", signed=False, key="")
    assert (status, body["code"]) == (401, -2014)


@pytest.mark.parametrize("path", ["/fapi/v9/nothing", "/sapi/v1/asset/getUserAsset", "/"])
async def test_a_path_the_venue_does_not_route_gets_its_404_page(sim, http, path):
    async with http.get(sim.urls["rest"] + path) as response:
        assert response.status == 404
        assert response.content_type == "text/html"
        assert "404 Not Found" in await response.text()


async def test_stream_requests_take_string_ids_as_the_official_sdk_sends_them(sim, http):
    async with http.ws_connect(sim.urls["ws public"] + "/stream") as ws:
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": "5f1c-uuid"}))
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 1.5}))
        assert await frames(ws, 2) == [
            {"result": [], "id": "5f1c-uuid"},
            {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}]
