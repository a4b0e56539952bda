"""GRVT's full and lite field names, translated by the published specification's own table."""

from __future__ import annotations

import json
from pathlib import Path

from exchanges.grvt import names

EXAMPLES = {e["what"]: e["message"] for e in
            json.loads((Path(__file__).parents[1] / "fixtures/grvt/docs_examples.json").read_text())}


def test_the_documented_book_delta_is_the_same_message_in_both_dialects():
    full, lite = EXAMPLES["book delta, full names"], EXAMPLES["book delta, lite names"]
    assert names.to_lite("WSOrderbookLevelsFeedDataV1", full) == lite
    assert names.to_full("WSOrderbookLevelsFeedDataV1", lite) == full


def test_a_create_order_request_becomes_the_documented_lite_form_and_back():
    full = {"order": {"sub_account_id": "1", "is_market": False, "time_in_force": "GOOD_TILL_TIME",
                      "post_only": False, "reduce_only": False,
                      "legs": [{"instrument": "BTC_USDT_Perp", "size": "10.5", "limit_price": "65038.01",
                                "is_buying_asset": True}],
                      "signature": {"signer": "0xc7", "r": "0xb7", "s": "0x3d", "v": 28,
                                    "expiration": "1697788800000000000", "nonce": 1234567890, "chain_id": "325"},
                      "metadata": {"client_order_id": "23042", "create_time": "1697788800000000000"}}}
    lite = names.to_lite("ApiCreateOrderRequest", full)
    # The spec's own lite example: "s" is the order's signature, a leg's size and a signature's signer.
    assert lite == {"o": {"sa": "1", "im": False, "ti": "GOOD_TILL_TIME", "po": False, "ro": False,
                          "l": [{"i": "BTC_USDT_Perp", "s": "10.5", "lp": "65038.01", "ib": True}],
                          "s": {"s": "0xc7", "r": "0xb7", "s1": "0x3d", "v": 28, "e": "1697788800000000000",
                                "n": 1234567890, "ci": "325"},
                          "m": {"co": "23042", "ct": "1697788800000000000"}}}
    assert names.to_full("ApiCreateOrderRequest", lite) == full


def test_error_bodies_translate_code_and_message_and_unknown_keys_are_kept():
    full, lite = EXAMPLES["error, full names"], EXAMPLES["error, lite names"]
    # The spec's Error struct has code and message only; the documented bodies add request_id ("ri") and
    # status ("s"), which the error writer names itself (docs/protocols/grvt.md 4).
    body = {k: full[k] for k in ("code", "message")}
    assert names.to_lite("Error", body) == {k: lite[k] for k in ("c", "m")}
    assert names.to_lite("Error", full)["request_id"] == 1
    assert names.to_full("Ack", {"a": True, "extra": 1}) == {"ack": True, "extra": 1}


def test_routes_name_their_structs_auth_and_errors():
    create = names.rpc("Trading", "/create_order")
    assert (create["request"], create["response"], create["auth"]) == ("ApiCreateOrderRequest",
                                                                      "ApiCreateOrderResponse", True)
    codes = {code: status for code, status, _ in create["errors"]}
    assert codes[1000] == 401 and codes[2002] == 403 and codes[2064] == 400 and codes[1006] == 429
    assert names.rpc("MarketData", "/book")["auth"] is False and names.rpc("Trading", "/nope") is None
    assert names.enum("OrderStatus") == ["PENDING", "OPEN", "FILLED", "REJECTED", "CANCELLED"]
