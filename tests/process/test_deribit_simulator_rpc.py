"""The Deribit simulator's JSON-RPC envelope, authentication, instruments and order methods, over real
sockets (WebSocket and HTTP GET/POST on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import json
import time
from decimal import Decimal

import pytest
from yarl import URL

from exchanges.deribit import auth
from tests.deribit_sim import CREDENTIALS, RpcClient, simulator
from tradesys.sim.orders import Side

# Every field the schema-validating client requires of an instrument (shared protocol notes 3).
INSTRUMENT_FIELDS = {
    "instrument_name", "instrument_id", "kind", "settlement_period", "base_currency", "quote_currency",
    "counter_currency", "settlement_currency", "price_index", "tick_size", "tick_size_steps", "min_trade_amount",
    "contract_size", "maker_commission", "taker_commission", "max_leverage", "max_liquidation_commission",
    "is_active", "creation_timestamp", "expiration_timestamp", "instrument_type", "future_type",
    "block_trade_commission", "block_trade_min_trade_amount", "block_trade_tick_size", "rfq", "underlying_type"}


pytestmark = pytest.mark.simulator("deribit", token_ttl_s=900, pause_market=True)


@pytest.fixture
async def client(sim, http):
    rpc = await RpcClient.connect(http, sim)
    yield rpc
    await rpc.close()


async def test_replies_carry_the_envelope_with_the_callers_id_and_server_times(client):
    reply = await client.call("public/get_time")
    assert reply["jsonrpc"] == "2.0" and reply["id"] == 1 and reply["testnet"] is True
    assert reply["usOut"] - reply["usIn"] == reply["usDiff"] >= 0
    assert abs(reply["result"] - time.time() * 1000) < 5000
    missing = await client.call("public/no_such_method")
    assert missing["error"]["code"] == -32601 and missing["id"] == 2



async def test_a_body_that_is_not_json_gets_a_parse_error(sim, http):
    async with http.post(sim.urls["rest"] + "/public/get_time", data=b"{not json",
                         headers={"Content-Type": "application/json"}) as response:
        reply = await response.json()
    assert response.status == 400 and reply["error"]["code"] == -32700 and reply["id"] is None


async def test_get_instruments_without_currency_returns_every_instrument_with_every_field(sim, http):
    async with http.get(sim.urls["rest"] + "/public/get_instruments") as response:
        body = await response.json()
    assert response.status == 200 and body["jsonrpc"] == "2.0"
    by_name = {i["instrument_name"]: i for i in body["result"]}
    assert set(by_name) == {"BTC-PERPETUAL", "ETH-PERPETUAL", "BTC_USDC-PERPETUAL"}
    for instrument in by_name.values():
        assert INSTRUMENT_FIELDS <= set(instrument), INSTRUMENT_FIELDS - set(instrument)
    assert by_name["BTC-PERPETUAL"]["instrument_type"] == "reversed" and by_name["BTC-PERPETUAL"]["contract_size"] == 10
    assert by_name["BTC_USDC-PERPETUAL"]["future_type"] == "linear"
    assert by_name["BTC_USDC-PERPETUAL"]["settlement_currency"] == "USDC"
    async with http.get(sim.urls["rest"] + "/public/get_instruments?currency=ETH&kind=future") as response:
        assert [i["instrument_name"] for i in (await response.json())["result"]] == ["ETH-PERPETUAL"]


async def test_http_post_with_a_body_is_the_same_protocol(sim, http):
    body = {"jsonrpc": "2.0", "id": 0, "method": "public/get_order_book",
            "params": {"instrument_name": "BTC-PERPETUAL", "depth": 2}}
    async with http.post(sim.urls["rest"] + "/public/get_order_book", json=body) as response:
        reply = await response.json()
    assert response.status == 200 and reply["id"] == 0
    book = reply["result"]
    assert len(book["bids"]) == 2 and book["bids"][0][0] < book["asks"][0][0]
    assert book["best_bid_price"] == book["bids"][0][0] and isinstance(book["change_id"], int)


async def test_the_three_grant_types_and_what_each_token_may_do(sim, client, http):
    # client_credentials
    creds = await client.result("public/auth", {"grant_type": "client_credentials", "client_id": CREDENTIALS.client_id,
                                                "client_secret": CREDENTIALS.client_secret})
    assert creds["token_type"] == "bearer" and creds["expires_in"] == 900 and "connection" in creds["scope"].split()
    wrong = await client.call("public/auth", {"grant_type": "client_credentials", "client_id": CREDENTIALS.client_id,
                                              "client_secret": "not-it"})
    assert wrong["error"]["code"] == 13004 and wrong["error"]["message"] == "invalid_credentials"
    # client_signature: verified HMAC; a tampered signature and a replayed nonce are refused
    params = auth.client_signature_params(CREDENTIALS, sim.now_ms())
    assert "access_token" in await client.result("public/auth", params)
    assert (await client.call("public/auth", params))["error"]["code"] == 13004  # the same nonce again
    bad = auth.client_signature_params(CREDENTIALS, sim.now_ms())
    bad["signature"] = "0" * 64
    assert (await client.call("public/auth", bad))["error"]["code"] == 13004
    # refresh_token: a new pair, and the old refresh token is spent
    fresh = await client.result("public/auth", {"grant_type": "refresh_token", "refresh_token": creds["refresh_token"]})
    assert fresh["access_token"] != creds["access_token"]
    spent = await client.call("public/auth", {"grant_type": "refresh_token", "refresh_token": creds["refresh_token"]})
    assert spent["error"]["code"] == 13009
    # A connection-scoped token is good on its own connection only.
    other = await RpcClient.connect(http, sim)
    try:
        foreign = await other.call("private/get_account_summary", {"currency": "BTC",
                                                                  "access_token": fresh["access_token"]})
        assert foreign["error"]["code"] == 13009
        assert (await other.call("private/get_account_summary", {"currency": "BTC"}))["error"]["code"] == 13009
    finally:
        await other.close()
    summary = await client.result("private/get_account_summary", {"currency": "BTC"})
    assert summary["currency"] == "BTC" and summary["balance"] > 0


async def test_an_expired_token_is_refused_until_refreshed(http):
    sim = simulator(token_ttl_s=1)
    await sim.start()
    rpc = await RpcClient.connect(http, sim)
    try:
        token = await rpc.login(sim)
        assert "result" in await rpc.call("private/get_positions", {"currency": "BTC"})
        await asyncio.sleep(1.2)   # time itself: the token's 1 s lifetime runs out
        expired = await rpc.call("private/get_positions", {"currency": "BTC"})
        assert expired["error"]["code"] == 13009 and expired["error"]["data"]["reason"] == "token has expired"
        await rpc.result("public/auth", {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]})
        assert "result" in await rpc.call("private/get_positions", {"currency": "BTC"})
    finally:
        await rpc.close()
        await sim.stop()


async def test_http_requests_signed_with_the_hmac_header_in_either_field_order(sim, http):
    base = sim.urls["rest"].removesuffix("/api/v2")
    uri = "/api/v2/private/get_account_summary?currency=ETH"
    header = auth.http_header(CREDENTIALS, sim.now_ms(), "GET", uri)
    async with http.get(URL(base + uri, encoded=True), headers={"Authorization": header}) as response:
        assert response.status == 200 and (await response.json())["result"]["currency"] == "ETH"
    # ccxt's order: id, ts, sig, nonce
    ts, nonce = sim.now_ms(), "abcd1234ef567890"
    sig = auth.sign(CREDENTIALS.client_secret, auth.http_payload(ts, nonce, "GET", uri))
    reordered = f"deri-hmac-sha256 id={CREDENTIALS.client_id},ts={ts},sig={sig},nonce={nonce}"
    async with http.get(URL(base + uri, encoded=True), headers={"Authorization": reordered}) as response:
        assert response.status == 200
    # A POST body is signed as sent; one changed byte fails.
    body = json.dumps({"jsonrpc": "2.0", "id": 0, "method": "private/get_positions", "params": {"currency": "BTC"}})
    post = "/api/v2/private/get_positions"
    header = auth.http_header(CREDENTIALS, sim.now_ms(), "POST", post, body)
    async with http.post(base + post, data=body.encode(), headers={"Authorization": header,
                                                                   "Content-Type": "application/json"}) as response:
        assert response.status == 200 and isinstance((await response.json())["result"], list)
    header = auth.http_header(CREDENTIALS, sim.now_ms(), "POST", post, body)
    async with http.post(base + post, data=body.replace("BTC", "ETH").encode(),
                         headers={"Authorization": header, "Content-Type": "application/json"}) as response:
        assert response.status == 400 and (await response.json())["error"]["code"] == 13004
    async with http.get(base + "/api/v2/private/get_positions?currency=BTC") as response:
        assert (await response.json())["error"]["code"] == 13009


async def test_inverse_orders_count_usd_and_book_the_coin(sim, client):
    await client.login(sim)
    mark = float(sim.exchange.mark_price("BTC-PERPETUAL"))
    bad = await client.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 15, "type": "market"})
    assert bad["error"]["code"] == 10021  # not a multiple of the 10 USD contract
    bought = await client.result("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 1000,
                                                 "type": "market", "label": "mkt-1"})
    order, trades = bought["order"], bought["trades"]
    assert order["order_state"] == "filled" and order["filled_amount"] == 1000 and order["contracts"] == 100
    assert order["label"] == "mkt-1" and trades and all(t["fee_currency"] == "BTC" for t in trades)
    assert sum(t["amount"] for t in trades) == 1000
    fee = sum(t["fee"] for t in trades)
    assert fee == pytest.approx(sum(t["amount"] / t["price"] for t in trades) * 0.0005)
    position = await client.result("private/get_position", {"instrument_name": "BTC-PERPETUAL"})
    assert position["size"] == 1000 and position["direction"] == "buy"
    assert position["size_currency"] == pytest.approx(1000 / position["mark_price"])
    assert position["floating_profit_loss"] == pytest.approx(
        1000 * (1 / position["average_price"] - 1 / position["mark_price"]), abs=1e-12)
    assert abs(position["mark_price"] - mark) < mark * 0.01
    summary = await client.result("private/get_account_summary", {"currency": "BTC"})
    assert summary["balance"] == pytest.approx(float(sim._balances(Decimal("100000"))["BTC"]) - fee)


def _best(sim, name: str, side: Side) -> float:
    instrument = sim.exchange.instruments[name]
    return float(instrument.price(sim.exchange.engines[name].book.best_price(side)))


async def test_linear_usdc_orders_count_the_coin_and_book_usdc(sim, client):
    await client.login(sim)
    bought = await client.result("private/buy", {"instrument_name": "BTC_USDC-PERPETUAL", "amount": 0.01,
                                                 "type": "market"})
    assert bought["order"]["filled_amount"] == 0.01
    assert {t["fee_currency"] for t in bought["trades"]} == {"USDC"}
    assert sum(t["fee"] for t in bought["trades"]) == pytest.approx(
        sum(t["amount"] * t["price"] for t in bought["trades"]) * 0.0005)
    positions = await client.result("private/get_positions", {"currency": "USDC"})
    assert [(p["instrument_name"], p["size"]) for p in positions] == [("BTC_USDC-PERPETUAL", 0.01)]


async def test_limit_orders_edit_cancel_and_the_queries_that_find_them(sim, client):
    await client.login(sim)
    price = _best(sim, "ETH-PERPETUAL", Side.BUY) - 1.0
    placed = [await client.result("private/buy", {"instrument_name": "ETH-PERPETUAL", "amount": 10, "price": price,
                                                  "label": label, "post_only": True})
              for label in ("q-1", "q-2", "q-2")]
    ids = [p["order"]["order_id"] for p in placed]
    assert all(i.startswith("ETH-") for i in ids) and all(p["order"]["order_state"] == "open" for p in placed)
    assert (await client.call("private/buy", {"instrument_name": "ETH-PERPETUAL", "amount": 10,
                                              "price": price + 0.01}))["error"]["code"] == 10043
    edited = await client.result("private/edit", {"order_id": ids[0], "amount": 20, "price": price - 0.5})
    assert edited["order"]["amount"] == 20 and edited["order"]["price"] == price - 0.5 and edited["order"]["replaced"]
    state = await client.result("private/get_order_state", {"order_id": ids[0]})
    assert state["amount"] == 20 and state["label"] == "q-1"
    open_orders = await client.result("private/get_open_orders_by_instrument", {"instrument_name": "ETH-PERPETUAL"})
    assert sorted(o["order_id"] for o in open_orders) == sorted(ids)
    assert await client.result("private/cancel_by_label", {"label": "q-2"}) == 2
    cancelled = await client.result("private/cancel", {"order_id": ids[0]})
    assert cancelled["order_state"] == "cancelled" and cancelled["cancel_reason"] == "user_request"
    again = await client.call("private/cancel", {"order_id": ids[0]})
    assert again["error"]["code"] == 11044 and again["error"]["message"] == "not_open_order"
    unknown = await client.call("private/cancel", {"order_id": "ETH-1"})
    assert unknown["error"]["code"] == 10004
    assert await client.result("private/get_open_orders_by_currency", {"currency": "ETH"}) == []
    # post_only with reject_post_only refuses a crossing price; without it the price moves inside the spread
    ask = _best(sim, "ETH-PERPETUAL", Side.SELL)
    refused = await client.call("private/buy", {"instrument_name": "ETH-PERPETUAL", "amount": 10, "price": ask,
                                                "post_only": True, "reject_post_only": True})
    assert refused["error"]["code"] == 11054
    moved = await client.result("private/buy", {"instrument_name": "ETH-PERPETUAL", "amount": 10, "price": ask,
                                                "post_only": True})
    assert moved["order"]["price"] == pytest.approx(ask - 0.05) and moved["trades"] == []
    assert await client.result("private/cancel_all_by_instrument", {"instrument_name": "ETH-PERPETUAL"}) == 1


async def test_user_trades_queries_return_the_fills_with_their_labels(sim, client):
    await client.login(sim)
    await client.result("private/sell", {"instrument_name": "BTC-PERPETUAL", "amount": 500, "type": "market",
                                         "label": "s-1"})
    trades = await client.result("private/get_user_trades_by_instrument", {"instrument_name": "BTC-PERPETUAL",
                                                                           "count": 100})
    assert trades["trades"] and {t["label"] for t in trades["trades"]} == {"s-1"}
    assert sum(t["amount"] for t in trades["trades"]) == 500 and {t["direction"] for t in trades["trades"]} == {"sell"}
    by_currency = await client.result("private/get_user_trades_by_currency", {"currency": "BTC", "count": 100})
    assert by_currency["trades"] == trades["trades"]


async def test_bad_params_get_precise_errors(sim, client):
    await client.login(sim)
    unknown = await client.call("private/buy", {"instrument_name": "DOGE-PERPETUAL", "amount": 10, "price": 1})
    assert unknown["error"]["code"] == 13020
    no_amount = await client.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "price": 1})
    assert no_amount["error"]["code"] == -32602 and no_amount["error"]["data"]["param"] == "amount"
    text = await client.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": "lots", "price": 1})
    assert text["error"]["code"] == -32602
    far = await client.call("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 10, "price": 1000})
    assert far["error"]["code"] == 10005 and far["error"]["message"] == "price_too_low"
    ws_only = await client.call("public/set_heartbeat", {"interval": 1})
    assert ws_only["error"]["code"] == 11029  # below the minimum of 10 s
