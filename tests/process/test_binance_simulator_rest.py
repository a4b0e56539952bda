"""The Binance simulator's REST API over a real loopback HTTP server, as clients call it."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from exchanges.binance.simulator import Credentials
from tests.binance_sim import SignedClient, shape
from tradesys.aio import wait_until

FIXTURES = Path(__file__).parents[1] / "fixtures" / "binance"
CREDS = Credentials("test-key-" + "a" * 55, "test-secret-" + "b" * 52)




pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT", "CTKUSDT"), seed=3, credentials=CREDS)


def client(sim, http, placement="query"):
    return SignedClient(sim, http, CREDS, placement)


async def test_exchange_info_has_the_real_field_names_and_json_types(sim, http):
    status, body, headers = await client(sim, http).call("GET", "/fapi/v1/exchangeInfo", signed=False)
    real = json.loads((FIXTURES / "exchange_info_2021-07-22_subset.json").read_text())["payload"]
    assert status == 200 and headers["X-MBX-USED-WEIGHT-1M"] == "1"
    assert set(body) == set(real)
    ours = {s["symbol"]: s for s in body["symbols"]}
    theirs = {s["symbol"]: s for s in real["symbols"]}
    for symbol in ("BTCUSDT", "CTKUSDT"):
        mine, venue = ours[symbol], theirs[symbol]
        assert {k: shape(v) for k, v in mine.items() if k != "filters"} == \
               {k: shape(v) for k, v in venue.items() if k != "filters"}
        assert {f["filterType"]: shape(f) for f in mine["filters"]} == \
               {f["filterType"]: shape(f) for f in venue["filters"]}
        venue_filters = {f["filterType"]: f for f in venue["filters"]}
        mine_filters = {f["filterType"]: f for f in mine["filters"]}
        for kind, field in (("PRICE_FILTER", "tickSize"), ("LOT_SIZE", "stepSize"), ("LOT_SIZE", "minQty")):
            assert Decimal(mine_filters[kind][field]) == Decimal(venue_filters[kind][field])


async def test_public_market_data(sim, http):
    api = client(sim, http)
    status, depth, headers = await api.call("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "5"},
                                               signed=False)
    assert status == 200 and isinstance(depth["lastUpdateId"], int) and headers["X-MBX-USED-WEIGHT-1M"] == "2"
    bids = [Decimal(p) for p, _ in depth["bids"]]
    asks = [Decimal(p) for p, _ in depth["asks"]]
    assert len(bids) == len(asks) == 5 and bids == sorted(bids, reverse=True) and asks == sorted(asks)
    assert bids[0] < asks[0]
    status, ticker, _ = await api.call("GET", "/fapi/v1/ticker/bookTicker", {"symbol": "BTCUSDT"}, signed=False)
    assert Decimal(ticker["bidPrice"]) == bids[0] and Decimal(ticker["askPrice"]) == asks[0]
    status, error, _ = await api.call("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "7"}, signed=False)
    assert (status, error) == (400, {"code": -4021, "msg": "'7' is not valid depth limit."})
    status, error, _ = await api.call("GET", "/fapi/v1/depth", {"symbol": "NOPE"}, signed=False)
    assert (status, error["code"]) == (400, -1121)
    status, index, _ = await api.call("GET", "/fapi/v1/premiumIndex", signed=False)
    assert [i["symbol"] for i in index] == ["BTCUSDT", "CTKUSDT"] and isinstance(index[0]["nextFundingTime"], int)


@pytest.mark.parametrize("placement", ["query", "body"])
async def test_signed_requests_verify_wherever_the_signature_travels(sim, http, placement):
    status, body, _ = await client(sim, http, placement).call("POST", "/fapi/v1/listenKey", signed=False)
    assert status == 200 and len(body["listenKey"]) == 64
    status, body, _ = await client(sim, http, placement).call(
        "POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC",
                                   "quantity": "0.010", "price": "60000.00"})
    assert status == 200 and body["status"] == "NEW" and body["orderId"] > 2**53


async def test_authentication_and_timestamp_errors(sim, http):
    api = client(sim, http)
    assert (await api.call("GET", "/fapi/v3/account", key=""))[:2] == (
        401, {"code": -2014, "msg": "API-key format invalid."})
    status, body, _ = await api.call("GET", "/fapi/v3/account", key="not-our-key")
    assert (status, body["code"]) == (401, -2015)
    status, body, _ = await api.call("GET", "/fapi/v3/account", secret="wrong-secret")
    assert (status, body["code"]) == (400, -1022)
    status, body, _ = await api.call("GET", "/fapi/v3/account", timestamp=int(time.time() * 1000) - 60_000)
    assert (status, body["msg"]) == (400, "Timestamp for this request is outside of the recvWindow.")
    status, body, _ = await api.call("GET", "/fapi/v3/account", timestamp=int(time.time() * 1000) + 5_000)
    assert status == 400 and body["code"] == -1021 and "ahead of the server's time" in body["msg"]


async def test_an_order_from_placement_to_cancel(sim, http):
    api = client(sim, http, "body")
    _, book, _ = await api.call("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "5"}, signed=False)
    best_bid, best_ask = Decimal(book["bids"][0][0]), Decimal(book["asks"][0][0])
    status, error, _ = await api.call("POST", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTX", "quantity": "0.010",
        "price": f"{best_ask + 100:.2f}"})
    assert (status, error["code"]) == (400, -5022)
    price = f"{best_bid - 50:.2f}"
    status, placed, headers = await api.call("POST", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTX", "quantity": "0.010",
        "price": price, "newClientOrderId": "mm-1", "newOrderRespType": "RESULT"})
    assert status == 200 and placed["status"] == "NEW" and placed["clientOrderId"] == "mm-1"
    assert placed["price"] == price and placed["origQty"] == "0.010" and headers["X-MBX-ORDER-COUNT-1M"] == "2"
    _, listed, _ = await api.call("GET", "/fapi/v1/openOrders", {"symbol": "BTCUSDT"})
    assert [o["clientOrderId"] for o in listed] == ["mm-1"] and isinstance(listed[0]["time"], int)
    status, modified, _ = await api.call("PUT", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "origClientOrderId": "mm-1", "quantity": "0.020", "price": price})
    assert status == 200 and modified["origQty"] == "0.020" and modified["orderId"] == placed["orderId"]
    status, cancelled, _ = await api.call("DELETE", "/fapi/v1/order", {"symbol": "BTCUSDT",
                                                                          "orderId": placed["orderId"]})
    assert status == 200 and cancelled["status"] == "CANCELED"
    status, error, _ = await api.call("DELETE", "/fapi/v1/order", {"symbol": "BTCUSDT",
                                                                      "orderId": placed["orderId"]})
    assert (status, error) == (400, {"code": -2011, "msg": "Unknown order sent."})
    status, found, _ = await api.call("GET", "/fapi/v1/order", {"symbol": "BTCUSDT", "origClientOrderId": "mm-1"})
    assert status == 200 and found["status"] == "CANCELED"
    status, error, _ = await api.call("GET", "/fapi/v1/order", {"symbol": "BTCUSDT", "orderId": "12345"})
    assert (status, error["code"], error["msg"]) == (400, -2013, "Order does not exist.")
    status, body, _ = await api.call("DELETE", "/fapi/v1/allOpenOrders", {"symbol": "BTCUSDT"})
    assert body == {"code": 200, "msg": "The operation of cancel all open order is done."}


async def test_a_market_order_fills_and_shows_in_positions_and_balances(sim, http):
    api = client(sim, http)
    status, filled, _ = await api.call("POST", "/fapi/v1/order", {
        "symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.050", "newOrderRespType": "RESULT"})
    assert status == 200 and filled["status"] == "FILLED" and filled["executedQty"] == "0.050"
    assert Decimal(filled["avgPrice"]) > 0
    _, positions, _ = await api.call("GET", "/fapi/v3/positionRisk", {"symbol": "BTCUSDT"})
    assert positions[0]["positionAmt"] == "0.050" and Decimal(positions[0]["entryPrice"]) > 0
    _, account, _ = await api.call("GET", "/fapi/v3/account")
    assert Decimal(account["totalWalletBalance"]) < Decimal("100000")  # the taker fee
    assert [p["symbol"] for p in account["positions"]] == ["BTCUSDT"]
    _, balances, _ = await api.call("GET", "/fapi/v2/balance")
    assert balances[0]["asset"] == "USDT" and balances[0]["marginAvailable"] is True
    _, v2, _ = await api.call("GET", "/fapi/v2/positionRisk")
    assert {p["symbol"] for p in v2} == {"BTCUSDT", "CTKUSDT"} and v2[0]["isAutoAddMargin"] == "false"


@pytest.mark.parametrize("params, code", [
    ({"quantity": "abc"}, -1102),
    ({"quantity": "0.0101"}, -1111),
    ({"price": "60000.001"}, -1111),
    ({"side": "UP"}, -1117),
    ({"type": "STOP"}, -4120),
    ({"type": "ICEBERG"}, -1116),
    ({"newClientOrderId": "bad id!"}, -4015),
    ({"quantity": "0.0001"}, -1111),
    ({"quantity": "2000"}, -4005),
    ({"price": "100.00"}, -4013),
    ({"selfTradePreventionMode": "WHATEVER"}, -5039),
])
async def test_bad_order_parameters_get_the_venues_error(sim, http, params, code):
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010",
             "price": "60000.00"} | params
    status, body, _ = await client(sim, http).call("POST", "/fapi/v1/order", order)
    assert status == 400 and body["code"] == code and isinstance(body["msg"], str)


async def test_too_much_weight_is_answered_429_then_418(sim, http):
    sim.limits.ip_weight_per_minute = 3
    api = client(sim, http)
    statuses = []
    for _ in range(6):
        status, body, headers = await api.call("GET", "/fapi/v1/ping", signed=False)
        statuses.append((status, body.get("code"), "Retry-After" in headers))
    assert statuses[:3] == [(200, None, False)] * 3
    assert statuses[3] == (429, -1003, True)
    assert statuses[4] == (418, -1003, True) and statuses[5][0] == 418


async def test_batch_orders_answer_item_by_item_and_cancel_by_either_list(sim, http):
    api = client(sim, http, "body")
    _, book, _ = await api.call("GET", "/fapi/v1/depth", {"symbol": "BTCUSDT", "limit": "5"}, signed=False)
    bid, ask = Decimal(book["bids"][0][0]), Decimal(book["asks"][0][0])
    items = [{"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTX", "quantity": "0.010",
              "price": f"{bid - 10:.2f}", "newClientOrderId": "b1"},
             {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTX", "quantity": "0.010",
              "price": f"{ask + 10:.2f}"},
             {"symbol": "BTCUSDT", "side": "SELL", "type": "LIMIT", "timeInForce": "GTC", "quantity": 0.01,
              "price": f"{ask + 20:.2f}", "reduceOnly": False, "newClientOrderId": "b3"}]
    status, results, headers = await api.call("POST", "/fapi/v1/batchOrders", {"batchOrders": json.dumps(items)})
    assert status == 200 and headers["X-MBX-ORDER-COUNT-10S"] == "5"
    assert results[0]["clientOrderId"] == "b1" and results[0]["status"] == "NEW"
    assert results[1]["code"] == -5022 and results[2]["clientOrderId"] == "b3"
    status, error, _ = await api.call("POST", "/fapi/v1/batchOrders", {"batchOrders": json.dumps(items * 2)})
    assert (status, error["code"]) == (400, -4082)
    # ccxt's form: lower-case list name, a percent-encoded JSON array.
    status, cancelled, _ = await api.call("DELETE", "/fapi/v1/batchOrders", {
        "symbol": "BTCUSDT", "orderidlist": json.dumps([results[0]["orderId"], 12345])})
    assert cancelled[0]["status"] == "CANCELED" and cancelled[1] == {"code": -2011, "msg": "Unknown order sent."}
    status, cancelled, _ = await api.call("DELETE", "/fapi/v1/batchOrders", {
        "symbol": "BTCUSDT", "origClientOrderIdList": json.dumps(["b3"])})
    assert cancelled[0]["clientOrderId"] == "b3" and cancelled[0]["status"] == "CANCELED"


async def test_count_down_cancel_all_cancels_when_it_lapses_and_not_when_disarmed(sim, http):
    api = client(sim, http)
    order = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC", "quantity": "0.010",
             "price": "60000.00"}
    await api.call("POST", "/fapi/v1/order", order | {"newClientOrderId": "kept"})
    status, armed, _ = await api.call("POST", "/fapi/v1/countdownCancelAll", {"symbol": "BTCUSDT",
                                                                                "countdownTime": "300"})
    assert (status, armed) == (200, {"symbol": "BTCUSDT", "countdownTime": "300"})
    await api.call("POST", "/fapi/v1/countdownCancelAll", {"symbol": "BTCUSDT", "countdownTime": "0"})
    await asyncio.sleep(0.6)   # time itself: twice the disarmed countdown, which would have lapsed by now
    _, kept, _ = await api.call("GET", "/fapi/v1/order", {"symbol": "BTCUSDT", "origClientOrderId": "kept"})
    assert kept["status"] == "NEW"
    await api.call("POST", "/fapi/v1/countdownCancelAll", {"symbol": "BTCUSDT", "countdownTime": "200"})

    async def cancelled():
        _, found, _ = await api.call("GET", "/fapi/v1/order", {"symbol": "BTCUSDT", "origClientOrderId": "kept"})
        return found["status"] == "CANCELED"

    await wait_until(cancelled, "the lapsed countdown cancelled the order", timeout=10, every=0.05)


async def test_user_trades_public_trades_and_klines(sim, http):
    api = client(sim, http)
    _, filled, _ = await api.call("POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "SELL", "type": "MARKET",
                                                                "quantity": "0.030", "newOrderRespType": "RESULT"})
    _, mine, _ = await api.call("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT"})
    assert mine and {t["orderId"] for t in mine} == {filled["orderId"]}
    assert sum(Decimal(t["qty"]) for t in mine) == Decimal("0.030")
    assert all(t["side"] == "SELL" and not t["buyer"] and not t["maker"] and Decimal(t["commission"]) > 0 for t in mine)
    _, public, _ = await api.call("GET", "/fapi/v1/trades", {"symbol": "BTCUSDT", "limit": "50"}, signed=False)
    assert public and {mine[-1]["id"]} <= {t["id"] for t in public}
    assert all(isinstance(t["isBuyerMaker"], bool) and isinstance(t["time"], int) for t in public)
    status, bars, _ = await api.call("GET", "/fapi/v1/klines", {"symbol": "BTCUSDT", "interval": "1m"},
                                        signed=False)
    assert status == 200 and bars
    bar = bars[-1]
    assert len(bar) == 12 and isinstance(bar[0], int) and isinstance(bar[6], int) and isinstance(bar[8], int)
    assert Decimal(bar[3]) <= Decimal(bar[1]) <= Decimal(bar[2]) and Decimal(bar[5]) > 0
    status, error, _ = await api.call("GET", "/fapi/v1/klines", {"symbol": "BTCUSDT", "interval": "7m"},
                                         signed=False)
    assert (status, error["code"]) == (400, -1130)


async def test_history_queries_page_by_id_or_time_as_the_venue_does(sim, http):
    api = client(sim, http)
    for n in range(4):
        await api.call("POST", "/fapi/v1/order", {"symbol": "BTCUSDT", "side": "BUY" if n % 2 == 0 else "SELL",
                                                   "type": "MARKET", "quantity": "0.010",
                                                   "newClientOrderId": f"hist-{n}"})
    _, everything, _ = await api.call("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "fromId": "0"})
    ids = [t["id"] for t in everything]
    assert len(ids) >= 4 and ids == sorted(ids)
    # Two at a time from the oldest, then from the last id + 1: every trade once.
    start = everything[0]["time"]
    _, page, _ = await api.call("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "startTime": str(start),
                                                                 "limit": "2"})
    paged = [t["id"] for t in page]
    while len(page) == 2:
        _, page, _ = await api.call("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "limit": "2",
                                                                     "fromId": str(paged[-1] + 1)})
        paged += [t["id"] for t in page]
    assert paged == ids
    # Without a start: the newest ones.
    _, newest, _ = await api.call("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "limit": "2"})
    assert [t["id"] for t in newest] == ids[-2:]
    # allOrders from an order id up.
    _, orders, _ = await api.call("GET", "/fapi/v1/allOrders", {"symbol": "BTCUSDT", "orderId": "0", "limit": "3"})
    assert [o["clientOrderId"] for o in orders] == ["hist-0", "hist-1", "hist-2"]
    # fromId cannot go with a time; a window is at most 7 days.
    status, body, _ = await api.call("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "fromId": "1",
                                                                      "startTime": str(start)})
    assert (status, body["code"]) == (400, -1128)
    status, body, _ = await api.call("GET", "/fapi/v1/userTrades", {"symbol": "BTCUSDT", "startTime": "0",
                                                                      "endTime": str(8 * 86_400_000)})
    assert (status, body["code"]) == (400, -1127)
