"""The GRVT simulator's REST over real sockets: the edge login, market data and trade data in full and lite
names, EIP-712 signatures recovered and checked, the documented errors, the cancel-on-disconnect countdown."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal

import aiohttp
import pytest

from exchanges.grvt import signing
from exchanges.grvt.simulator import Credentials, GrvtSimulator
from exchanges.grvt.simulator.errors import MALFORMED
from tradesys.aio import wait_until

KEY = "0x" + "11" * 32      # a throwaway key: the simulator's registered signer
CREDS = Credentials("grvt-test-api-key", KEY)


pytestmark = pytest.mark.simulator("grvt", credentials=CREDS, seed=5)


async def post(http, url, body, headers=None):
    async with http.post(url, json=body, headers=headers or {}) as response:
        return response.status, await response.json(), response


async def login(http, sim):
    async with http.post(sim.urls["edge"] + "/auth/api_key/login", json={"api_key": CREDS.api_key}) as response:
        assert response.status == 200 and (await response.json()) == {"status": "success"}
        cookie = response.headers["Set-Cookie"]
        account = response.headers["X-Grvt-Account-Id"]
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    return {"Cookie": f"gravity={token}", "X-Grvt-Account-Id": account}, cookie


def signed_order(sim, *, size="0.010", price=None, buy=True, tif="GOOD_TILL_TIME", post_only=False, is_market=False,
                 client_order_id="1001", key=KEY, nonce=None, expiration=None, chain_id=None, builder=None,
                 builder_fee=None):
    entry = sim.catalog["BTC_USDT_Perp"]
    nonce = nonce if nonce is not None else signing.Nonces().next()
    expiration = expiration if expiration is not None else time.time_ns() + 60 * 10**9
    leg = signing.Leg(entry.asset_id, entry.base_decimals, Decimal(size), Decimal(price or "0"), buy)
    message = signing.order_message(sub_account_id=sim.sub_account_id, is_market=is_market, time_in_force=tif,
                                    post_only=post_only, reduce_only=False, legs=[leg], nonce=nonce,
                                    expiration_ns=expiration, builder=builder,
                                    builder_fee=signing.fixed_point(builder_fee, 4, "fee") if builder else None)
    sig = signing.sign(key, chain_id or sim.chain_id, message)
    return {"order": {"sub_account_id": sim.sub_account_id, "is_market": is_market, "time_in_force": tif,
                      "post_only": post_only, "reduce_only": False,
                      "legs": [{"instrument": "BTC_USDT_Perp", "size": size, "limit_price": price or "",
                                "is_buying_asset": buy}],
                      "signature": sig.as_json(expiration, nonce, chain_id or sim.chain_id),
                      "metadata": {"client_order_id": client_order_id, "create_time": str(time.time_ns())},
                      **({"builder": builder, "builder_fee": builder_fee} if builder else {})}}


async def test_login_sets_a_gmt_cookie_and_the_account_header_and_private_calls_need_them(sim, http):
    headers, cookie = await login(http, sim)
    assert "Expires=" in cookie and cookie.split("Expires=")[1].split(";")[0].endswith("GMT") and "HttpOnly" in cookie
    time.strptime(cookie.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S %Z")   # as the SDK parses it
    status, body, _ = await post(http, sim.urls["trade data"] + "/full/v1/account_summary",
                                 {"sub_account_id": sim.sub_account_id})
    assert status == 401 and body["code"] == 1000
    status, body, _ = await post(http, sim.urls["trade data"] + "/full/v1/account_summary",
                                 {"sub_account_id": sim.sub_account_id}, headers)
    assert status == 200 and Decimal(body["result"]["total_equity"]) == 100_000
    status, body, _ = await post(http, sim.urls["edge"] + "/auth/api_key/login", {"api_key": "wrong"})
    assert status == 401 and body["code"] == 1000
    await sim.fault_control.apply({"expire_sessions": True})
    status, body, _ = await post(http, sim.urls["trade data"] + "/lite/v1/account_summary",
                                 {"sa": sim.sub_account_id}, headers)
    assert status == 401 and body == {"ri": 1, "c": 1000, "m": "You need to authenticate prior to using this "
                                                                "functionality", "s": 401}


async def test_market_data_in_full_and_lite_names(sim, http):
    status, body, _ = await post(http, sim.urls["market data"] + "/full/v1/instruments", {"kind": ["PERPETUAL"]})
    assert status == 200
    btc = {i["instrument"]: i for i in body["result"]}["BTC_USDT_Perp"]
    assert (btc["instrument_hash"], btc["base_decimals"], btc["tick_size"]) == ("0x030501", 9, "0.1")
    status, body, _ = await post(http, sim.urls["market data"] + "/lite/v1/instrument", {"i": "ETH_USDT_Perp"})
    assert status == 200 and body["r"]["ih"] == "0x030401" and body["r"]["bd"] == 9
    status, body, _ = await post(http, sim.urls["market data"] + "/full/v1/book",
                                 {"instrument": "BTC_USDT_Perp", "depth": 10})
    book = body["result"]
    assert len(book["bids"]) == 10 and Decimal(book["bids"][0]["price"]) < Decimal(book["asks"][0]["price"])
    assert isinstance(book["event_time"], str)
    status, body, _ = await post(http, sim.urls["market data"] + "/full/v1/ticker", {"instrument": "BTC_USDT_Perp"})
    assert Decimal(body["result"]["best_bid_price"]) == Decimal(book["bids"][0]["price"]) or status == 200
    status, body, _ = await post(http, sim.urls["market data"] + "/full/v1/instrument", {"instrument": "NOPE"})
    assert status == 404 and body["code"] == 1004


async def test_signed_orders_rest_fill_cancel_and_report_in_both_dialects(sim, http):
    headers, _ = await login(http, sim)
    trade = sim.urls["trade data"]
    _, body, _ = await post(http, sim.urls["market data"] + "/full/v1/book",
                            {"instrument": "BTC_USDT_Perp", "depth": 10})
    bid = Decimal(body["result"]["bids"][0]["price"])
    resting = signed_order(sim, price=f"{bid - 100:f}", post_only=True, client_order_id="2001")
    status, body, _ = await post(http, trade + "/full/v1/create_order", resting, headers)
    assert status == 200, body
    order = body["result"]
    assert order["state"]["status"] == "OPEN" and order["order_id"].startswith("0x")
    assert order["metadata"]["client_order_id"] == "2001" and order["state"]["book_size"] == ["0.01"]
    status, body, _ = await post(http, trade + "/lite/v1/open_orders", {"sa": sim.sub_account_id}, headers)
    assert status == 200 and [o["oi"] for o in body["r"]] == [order["order_id"]]
    status, body, _ = await post(http, trade + "/full/v1/create_order", resting, headers)
    assert status == 403 and body["code"] == 2002          # the same signature again: a replay
    again = signed_order(sim, price=f"{bid - 100:f}", client_order_id="2001")
    status, body, _ = await post(http, trade + "/full/v1/create_order", again, headers)
    assert status == 400 and body["code"] == 2012          # client order id of an active order
    status, body, _ = await post(http, trade + "/full/v1/cancel_order",
                                 {"sub_account_id": sim.sub_account_id, "client_order_id": "2001"}, headers)
    assert status == 200 and body["result"] == {"ack": True}
    status, body, _ = await post(http, trade + "/full/v1/order",
                                 {"sub_account_id": sim.sub_account_id, "order_id": order["order_id"]}, headers)
    state = body["result"]["state"]
    assert state["status"] == "CANCELLED" and state["reject_reason"] == "CLIENT_CANCEL"
    market = signed_order(sim, size="0.020", is_market=True, tif="IMMEDIATE_OR_CANCEL", client_order_id="2002")
    status, body, _ = await post(http, trade + "/full/v1/create_order", market, headers)
    assert status == 200 and body["result"]["state"]["status"] == "FILLED"
    assert body["result"]["state"]["traded_size"] == ["0.02"]
    status, body, _ = await post(http, trade + "/full/v1/positions", {"sub_account_id": sim.sub_account_id}, headers)
    assert [(p["instrument"], p["size"]) for p in body["result"]] == [("BTC_USDT_Perp", "0.02")]
    status, body, _ = await post(http, trade + "/full/v1/fill_history", {"sub_account_id": sim.sub_account_id},
                                 headers)
    assert sum(Decimal(f["size"]) for f in body["result"] if f["client_order_id"] == "2002") == Decimal("0.02")


@pytest.mark.parametrize("change, code", [
    ({"key": "0x" + "22" * 32}, 2000),                     # a signer the account did not register
    ({"expiration": 1}, 2001),                             # expired
    ({"chain_id": 326}, 1012),                             # signed for testnet; the simulator is production
    ({"size": "0.0105"}, 2065),                            # off the lot (and so not signable exactly on its grid)
    ({"price": "65000.05"}, 2064),                         # off the tick
    ({"tif": "ALL_OR_NONE"}, 2030),
])
async def test_bad_orders_get_the_documented_codes(sim, http, change, code):
    headers, _ = await login(http, sim)
    order = signed_order(sim, **{"price": "64000.0", **change})
    status, body, _ = await post(http, sim.urls["trade data"] + "/full/v1/create_order", order, headers)
    assert body["code"] == code, body
    assert status == {2000: 403, 2001: 403, 1012: 400, 2065: 400, 2064: 400, 2030: 400}[code]


async def test_a_tampered_payload_does_not_match_its_signature(sim, http):
    headers, _ = await login(http, sim)
    order = signed_order(sim, price="64000.0")
    order["order"]["legs"][0]["size"] = "0.020"           # signed for 0.010
    status, body, _ = await post(http, sim.urls["trade data"] + "/full/v1/create_order", order, headers)
    assert status == 403 and body["code"] == 2002


async def test_the_cancel_on_disconnect_countdown_cancels_when_it_lapses(sim, http):
    headers, _ = await login(http, sim)
    trade = sim.urls["trade data"]
    await post(http, trade + "/full/v1/create_order", signed_order(sim, price="60000.0", client_order_id="3001"),
               headers)
    status, body, _ = await post(http, trade + "/full/v1/cancel_on_disconnect",
                                 {"sub_account_id": sim.sub_account_id, "countdown_time": "1000"}, headers)
    assert status == 200 and body["result"] == {"ack": True}
    await wait_until(lambda: sim.counters["cancelled_by_countdown"], "the countdown lapsed", timeout=5)
    assert sim.counters["cancelled_by_countdown"] == 1
    _, body, _ = await post(http, trade + "/full/v1/open_orders", {"sub_account_id": sim.sub_account_id}, headers)
    assert body["result"] == []
    status, body, _ = await post(http, trade + "/full/v1/cancel_on_disconnect",
                                 {"sub_account_id": sim.sub_account_id, "countdown_time": "300001"}, headers)
    assert status == 400 and body["code"] == 1003


async def test_past_the_tiers_calls_a_second_the_answer_is_1006():
    sim = GrvtSimulator(credentials=CREDS, seed=5, rate_limits={"orders": 3, "others": 5})
    await sim.start()
    try:
        async with aiohttp.ClientSession() as http:
            answers = [await post(http, sim.urls["market data"] + "/full/v1/ticker", {"instrument": "BTC_USDT_Perp"})
                       for _ in range(7)]
            assert [status for status, _, _ in answers] == [200] * 5 + [429] * 2
            assert answers[-1][1]["code"] == 1006 and sim.counters["throttled"] == 2
            await asyncio.sleep(1.05)   # time itself: the rate limit's one-second window passes
            status, _, _ = await post(http, sim.urls["market data"] + "/full/v1/ticker",
                                      {"instrument": "BTC_USDT_Perp"})
            assert status == 200
    finally:
        await sim.stop()


async def test_the_wallet_login_takes_the_registered_signers_signature_only(sim, http):
    def signed(key, chain=None):
        nonce, expiration = 7, time.time_ns() + 30 * 10**9
        address = signing.address_of(key)
        message = {"signer": address, "nonce": nonce, "expiration": expiration}
        from eth_account import Account
        from eth_account.messages import encode_typed_data
        sig = Account.sign_message(encode_typed_data(signing.domain(chain or sim.chain_id),
                                                     signing.WALLET_LOGIN_TYPES, message), private_key=key)
        return {"address": address, "signature": {"signer": address, "r": f"0x{sig.r:064x}", "s": f"0x{sig.s:064x}",
                                                  "v": sig.v, "expiration": str(expiration), "nonce": nonce}}
    status, body, response = await post(http, sim.urls["edge"] + "/auth/wallet/login", signed(KEY))
    assert status == 200 and response.headers["X-Grvt-Account-Id"] == sim.account_id
    assert response.headers["Set-Cookie"].startswith("gravity=")
    status, body, _ = await post(http, sim.urls["edge"] + "/auth/wallet/login", signed("0x" + "22" * 32))
    assert status == 401 and body["code"] == 1000            # a wallet that is not the account's signer
    other_chain = signed(KEY, chain=326)          # signed for testnet: it recovers to another address
    status, body, _ = await post(http, sim.urls["edge"] + "/auth/wallet/login", other_chain)
    assert status == 401 and body["code"] == 1000
    other_chain["signature"]["chain_id"] = "326"  # and when it says so, the chain itself is refused
    status, body, _ = await post(http, sim.urls["edge"] + "/auth/wallet/login", other_chain)
    assert status == 400 and body["code"] == 1012


def builder_authorization(sim, builder: str, rate: str, key: str = KEY) -> dict:
    """``authorize_builder``'s body as ccxt sends it: an EIP-712 AuthorizeBuilder signed by ``key``."""
    from eth_account import Account
    from eth_account.messages import encode_typed_data

    nonce, expiration = 11, time.time_ns() + 30 * 10**9
    scaled = signing.fixed_point(rate, 4, "rate")
    message = {"mainAccountID": sim.account_id, "builderAccountID": builder, "maxFutureFeeRate": scaled,
               "maxSpotFeeRate": scaled, "nonce": nonce, "expiration": expiration}
    sig = Account.sign_message(encode_typed_data(signing.domain(sim.chain_id), signing.AUTHORIZE_BUILDER_TYPES,
                                                 message), private_key=key)
    return {"main_account_id": sim.account_id, "builder_account_id": builder, "max_futures_fee_rate": rate,
            "max_spot_fee_rate": rate, "signature": {"signer": signing.address_of(key), "r": f"0x{sig.r:064x}",
                                                     "s": f"0x{sig.s:064x}", "v": sig.v, "nonce": nonce,
                                                     "expiration": str(expiration),
                                                     "chain_id": str(sim.chain_id)}}


async def test_builder_fees_need_the_accounts_signed_authorisation_and_stay_within_it(sim, http):
    headers, _ = await login(http, sim)
    trade = sim.urls["trade data"] + "/full/v1/"
    builder = "0x" + "ab" * 20
    _, listed, _ = await post(http, trade + "get_authorized_builders", {}, headers)
    assert listed == {"results": []}
    order = signed_order(sim, price="60000.0", post_only=True, builder=builder, builder_fee="0.001")
    status, body, _ = await post(http, trade + "create_order", order, headers)
    assert (status, body["code"]) == (400, 7504)                    # no authorisation yet
    status, body, _ = await post(http, trade + "authorize_builder",
                                 builder_authorization(sim, builder, "0.002", key="0x" + "22" * 32), headers)
    assert (status, body["code"]) == (403, 2000)                    # signed by a wallet that is not the signer
    status, body, _ = await post(http, trade + "authorize_builder", builder_authorization(sim, builder, "0.002"),
                                 headers)
    assert (status, body) == (200, {"result": {"ack": True, "tx_id": "0"}})
    _, listed, _ = await post(http, trade + "get_authorized_builders", {}, headers)
    assert listed == {"results": [{"builder_account_id": builder, "max_futures_fee_rate": 0.002,
                                   "max_spot_fee_rate": 0.002}]}
    order = signed_order(sim, price="60000.0", post_only=True, builder=builder, builder_fee="0.001")  # a new nonce
    status, body, _ = await post(http, trade + "create_order", order, headers)
    assert status == 200 and body["result"]["state"]["status"] == "OPEN"
    too_much = signed_order(sim, price="60000.0", post_only=True, builder=builder, builder_fee="0.005",
                            client_order_id="1002")
    status, body, _ = await post(http, trade + "create_order", too_much, headers)
    assert (status, body["code"]) == (400, 7500)


@pytest.mark.parametrize("host, path", [("trade data", "/full/v2/bulk_orders"), ("market data", "/nowhere"),
                                        ("edge", "/api/v1/unknown")])
async def test_a_path_the_simulator_does_not_serve_is_the_venues_not_found(sim, http, host, path):
    status, body, response = await post(http, sim.urls[host] + path, {})
    assert (status, body) == (404, {"request_id": 1, "code": 1004, "message": "Data Not Found", "status": 404})
    assert response.content_type == "application/json"


async def test_fill_history_pages_by_cursor_newest_first(sim, http):
    headers, _ = await login(http, sim)
    trade = sim.urls["trade data"]
    for n in range(4):
        status, body, _ = await post(http, trade + "/full/v1/create_order",
                                     signed_order(sim, is_market=True, buy=n % 2 == 0, client_order_id=str(700 + n)),
                                     headers)
        assert status == 200, body
    query = {"sub_account_id": sim.sub_account_id, "limit": 2}
    _, whole, _ = await post(http, trade + "/full/v1/fill_history", {**query, "limit": 100}, headers)
    assert len(whole["result"]) >= 4 and whole["next"] == ""
    paged, cursor = [], ""
    while True:
        _, body, _ = await post(http, trade + "/full/v1/fill_history", {**query, "cursor": cursor}, headers)
        paged += body["result"]
        cursor = body["next"]
        if not cursor:
            break
    assert [f["trade_id"] for f in paged] == [f["trade_id"] for f in whole["result"]]
    times = [int(f["event_time"]) for f in paged]
    assert times == sorted(times, reverse=True)
    status, body, _ = await post(http, trade + "/full/v1/fill_history", {**query, "cursor": "not-ours"}, headers)
    assert status == MALFORMED.status and body["code"] == MALFORMED.code
