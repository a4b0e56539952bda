"""Golden checks: every REST response of the Binance simulator has the field names and JSON types of the
venue's documented examples (tests/fixtures/binance/rest_examples.json), over a real loopback server."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from exchanges.binance.simulator import BinanceSimulator, Credentials
from tests.binance_sim import SignedClient, shape

EXAMPLES = json.loads((Path(__file__).parents[1] / "fixtures" / "binance" / "rest_examples.json").read_text())
CREDS = Credentials("shape-key-" + "e" * 54, "shape-secret-" + "f" * 51)


def example(name: str):
    return EXAMPLES[name]["example"]


@pytest.fixture
async def venue(http):
    """A simulator whose account holds a position, an open order and a fill, and a client for it."""
    simulator = BinanceSimulator(symbols=("BTCUSDT", "CTKUSDT"), seed=11, credentials=CREDS)
    await simulator.start()
    api = SignedClient(simulator, http, CREDS)
    status, _, _ = await api.call("POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET",
                                                             "quantity": "0.010"})
    assert status == 200
    _, book, _ = await api.call("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "5"}, signed=False)
    status, _, _ = await api.call("POST", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTX", "quantity": "0.010",
        "price": f"{Decimal(book['bids'][0][0]) - 50:.2f}", "newClientOrderId": "resting"})
    assert status == 200
    yield api
    await simulator.stop()


PUBLIC = [
    ("/fapi/v1/ping", {}, "ping"),
    ("/fapi/v1/time", {}, "time"),
    ("/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "5"}, "depth"),
    ("/fapi/v1/ticker/bookTicker", {"symbol": "BTCUSDT"}, "book_ticker"),
    ("/fapi/v1/ticker/price", {"symbol": "BTCUSDT"}, "ticker_price"),
    ("/fapi/v1/premiumIndex", {"symbol": "BTCUSDT"}, "premium_index"),
]


@pytest.mark.parametrize("path, params, name", PUBLIC, ids=[p[2] for p in PUBLIC])
async def test_public_endpoints(venue, path, params, name):
    status, body, _ = await venue.call("GET", path, params, signed=False)
    assert status == 200 and shape(body) == shape(example(name))


@pytest.mark.parametrize("path, name", [("/fapi/v1/ticker/bookTicker", "book_ticker"),
                                        ("/fapi/v1/ticker/price", "ticker_price"),
                                        ("/fapi/v1/premiumIndex", "premium_index"),
                                        ("/fapi/v1/trades?symbol=BTCUSDT", "trades"),
                                        ("/fapi/v1/klines?symbol=BTCUSDT&interval=1m", "klines")])
async def test_public_lists(venue, path, name):
    path, _, query = path.partition("?")
    params = dict(p.split("=") for p in query.split("&")) if query else {}
    status, body, _ = await venue.call("GET", path, params, signed=False)
    assert status == 200 and isinstance(body, list) and body
    assert all(shape(item) == shape(example(name)) for item in body)


SIGNED = [
    ("GET", "/fapi/v3/positionRisk", {}, "position_risk_v3"),
    ("GET", "/fapi/v2/positionRisk", {}, "position_risk_v2"),
    ("GET", "/fapi/v2/balance", {}, "balance"),
    ("GET", "/fapi/v3/balance", {}, "balance"),
    ("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT"}, "user_trade"),
    ("GET", "/fapi/v1/openOrders", {"symbol": "BTCUSDT"}, "order+time"),
    ("GET", "/fapi/v1/allOrders", {"symbol": "BTCUSDT"}, "order+time"),
    ("GET", "/fapi/v1/leverageBracket", {}, "leverage_bracket"),
]


@pytest.mark.parametrize("method, path, params, name", SIGNED, ids=[f"{s[1]}" for s in SIGNED])
async def test_signed_lists(venue, method, path, params, name):
    status, body, _ = await venue.call(method, path, params)
    assert status == 200 and isinstance(body, list) and body
    wanted = example("order") | {"time": 0} if name == "order+time" else example(name)
    for item in body:
        assert shape(item) == shape(wanted), item


async def test_signed_objects(venue):
    checks = [
        (await venue.call("GET", "/fapi/v3/account"), example("account_v3")),
        (await venue.call("GET", "/fapi/v1/commissionRate", {"symbol": "BTCUSDT"}), example("commission_rate")),
        (await venue.call("GET", "/fapi/v1/leverageBracket", {"symbol": "BTCUSDT"}), example("leverage_bracket")),
        (await venue.call("GET", "/fapi/v1/positionSide/dual"), example("position_side_dual")),
        (await venue.call("GET", "/fapi/v1/multiAssetsMargin"), example("multi_assets_margin")),
        (await venue.call("POST", "/fapi/v1/leverage", {"symbol": "BTCUSDT", "leverage": "10"}), example("leverage")),
        (await venue.call("GET", "/fapi/v1/order", {"symbol": "BTCUSDT", "origClientOrderId": "resting"}),
         example("order") | {"time": 0}),
        (await venue.call("GET", "/fapi/v1/openOrder", {"symbol": "BTCUSDT", "origClientOrderId": "resting"}),
         example("order") | {"time": 0}),
        (await venue.call("POST", "/fapi/v1/countdownCancelAll", {"symbol": "BTCUSDT", "countdownTime": "0"}),
         example("countdown_cancel_all")),
        (await venue.call("POST", "/fapi/v1/listenKey", signed=False), example("listen_key")),
        (await venue.call("PUT", "/fapi/v1/listenKey", signed=False), example("listen_key")),
    ]
    for (status, body, _), wanted in checks:
        assert status == 200 and shape(body) == shape(wanted), body


async def test_account_v2_is_v3_plus_what_the_notes_say_it_adds(venue):
    _, v2, _ = await venue.call("GET", "/fapi/v2/account")
    v3, adds = example("account_v3"), example("account_v2_adds")
    top = {k: v for k, v in v3.items() if k not in ("assets", "positions")} | adds["top"]
    assert shape({k: v for k, v in v2.items() if k not in ("assets", "positions")}) == shape(top)
    assert all(shape(a) == shape(v3["assets"][0] | adds["asset"]) for a in v2["assets"])
    assert {p["symbol"] for p in v2["positions"]} == {"BTCUSDT", "CTKUSDT"}  # every symbol, not only held ones
    assert all(shape(p) == shape(v3["positions"][0] | adds["position"]) for p in v2["positions"])


async def test_order_entry_answers(venue):
    order = example("order")
    status, placed, _ = await venue.call("POST", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010",
        "price": "60000.00", "newClientOrderId": "shape-1", "newOrderRespType": "RESULT"})
    assert status == 200 and shape(placed) == shape(order)
    status, ack, _ = await venue.call("POST", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010",
        "price": "60000.00", "newClientOrderId": "shape-2"})
    assert status == 200 and shape(ack) == shape(order)
    status, modified, _ = await venue.call("PUT", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "origClientOrderId": "shape-1", "quantity": "0.020", "price": "60000.00"})
    assert status == 200 and shape(modified) == shape(order | {"pair": "BTCUSDT", "cumBase": "0"})
    status, cancelled, _ = await venue.call("DELETE", "/fapi/v1/order", {"symbol": "BTCUSDT",
                                                                         "origClientOrderId": "shape-1"})
    assert status == 200 and shape(cancelled) == shape(order)
    status, error, _ = await venue.call("DELETE", "/fapi/v1/order", {"symbol": "BTCUSDT",
                                                                     "origClientOrderId": "shape-1"})
    assert status == 400 and shape(error) == shape(example("error"))
    status, batch, _ = await venue.call("POST", "/fapi/v1/batchOrders", {"batchOrders": json.dumps([
        {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010",
         "price": "60000.00"},
        {"symbol": "BTCUSDT", "side": "UP", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010",
         "price": "60000.00"}])})
    assert status == 200 and shape(batch[0]) == shape(order) and shape(batch[1]) == shape(example("error"))
    status, body, _ = await venue.call("DELETE", "/fapi/v1/allOpenOrders", {"symbol": "BTCUSDT"})
    assert status == 200 and body == example("cancel_all")
    status, body, _ = await venue.call("DELETE", "/fapi/v1/listenKey", signed=False)
    assert status == 200 and body == example("listen_key_closed")


async def test_the_algo_service_is_refused_with_the_venues_errors(venue):
    status, body, _ = await venue.call("POST", "/fapi/v1/algoOrder", {
        "algoType": "CONDITIONAL", "symbol": "BTCUSDT", "side": "SELL", "type": "STOP_MARKET", "quantity": "0.010",
        "triggerPrice": "50000.00"})
    assert (status, body) == (401, {"code": -1002, "msg": "You are not authorized to execute this request."})
    status, body, _ = await venue.call("DELETE", "/fapi/v1/algoOrder", {"symbol": "BTCUSDT", "algoId": "1"})
    assert (status, body) == (400, {"code": -2011, "msg": "Unknown order sent."})
    status, body, _ = await venue.call("GET", "/fapi/v1/algoOrder", {"symbol": "BTCUSDT", "algoId": "1"})
    assert (status, body["code"]) == (400, -2013)
    for path in ("/fapi/v1/openAlgoOrders", "/fapi/v1/allAlgoOrders"):
        assert (await venue.call("GET", path, {"symbol": "BTCUSDT"}))[:2] == (200, [])
