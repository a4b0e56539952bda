"""The Deribit simulator against the protocol notes' own examples (tests/fixtures/deribit/notes_examples.json)
and the venue's captured replies: every field an example has, the simulator's answer has, with the same
JSON type; enum-like values are the venue's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.deribit_sim import RpcClient
from tests.json_shapes import json_type
from tradesys.aio import wait_until

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deribit"
EXAMPLES = {e["name"]: e["message"] for e in json.loads((FIXTURES / "notes_examples.json").read_text())["examples"]}
LIFECYCLE = [json.loads(line) for line in (FIXTURES / "eth_usdc_perp_order_lifecycle_2026-01-09.jsonl")
             .read_text().splitlines()]
OPTION_ONLY = {"underlying_price", "underlying_index", "mark_iv", "bid_iv", "ask_iv", "greeks", "interest_rate"}


pytestmark = pytest.mark.simulator("deribit", min_heartbeat_s=0.2)


def differences(example: dict, ours: dict, ignore: set[str] = frozenset()) -> dict[str, tuple[str, str]]:
    """Fields of ``example`` that ``ours`` lacks or types otherwise: name -> (theirs, ours)."""
    return {k: (json_type(v), json_type(ours[k]) if k in ours else "missing") for k, v in example.items()
            if k not in ignore and (k not in ours or json_type(ours[k]) != json_type(v))}


@pytest.fixture
async def rpc(sim, http):
    client = await RpcClient.connect(http, sim)
    yield client
    await client.close()


async def test_envelope_auth_and_currency_have_the_examples_fields(sim, rpc):
    reply = await rpc.call("public/get_time")
    assert differences(EXAMPLES["success_reply"], reply, ignore={"result"}) == {}
    granted = await rpc.login(sim)
    assert differences(EXAMPLES["auth_result"], granted) == {}
    assert granted["token_type"] == "bearer" and "connection" in granted["scope"].split()
    currencies = {c["currency"]: c for c in await rpc.result("public/get_currencies")}
    assert differences(EXAMPLES["currency"], currencies["BTC"]) == {}
    assert currencies["BTC"]["coin_type"] == EXAMPLES["currency"]["coin_type"] == "BITCOIN"


async def test_book_notifications_have_the_captured_shape(sim, rpc):
    await rpc.login(sim)
    await rpc.result("private/subscribe", {"channels": ["book.BTC-PERPETUAL.raw"]})
    await wait_until(lambda: len(rpc.on("book.BTC-PERPETUAL.raw")) >= 2, "a snapshot and a change", timeout=10)
    snapshot, change = rpc.on("book.BTC-PERPETUAL.raw")[:2]
    example = EXAMPLES["book_snapshot"]["params"]["data"]
    assert differences(example, snapshot) == {} and "prev_change_id" not in snapshot
    assert differences(EXAMPLES["book_change"], change) == {}
    assert change["prev_change_id"] == snapshot["change_id"]
    for level in snapshot["bids"] + change["bids"] + change["asks"]:
        assert len(level) == 3 and level[0] in ("new", "change", "delete") and json_type(level[1]) == "number"


async def test_the_ticker_is_the_captured_ticker_for_a_perpetual(sim, rpc):
    await rpc.login(sim)
    await rpc.result("private/sell", {"instrument_name": "BTC-PERPETUAL", "amount": 10, "type": "market"})
    await rpc.result("public/subscribe", {"channels": ["ticker.BTC-PERPETUAL.100ms"]})
    await wait_until(lambda: rpc.on("ticker.BTC-PERPETUAL.100ms"), "a ticker", timeout=10)
    ticker = rpc.on("ticker.BTC-PERPETUAL.100ms")[0]
    example = EXAMPLES["ticker_option"]
    assert differences(example, ticker, ignore=OPTION_ONLY | {"stats"}) == {}
    assert differences({k: v for k, v in example["stats"].items()}, ticker["stats"]) == {}
    assert {"current_funding", "funding_8h", "interest_value"} <= set(ticker)   # a perpetual's (notes 7.4)
    assert not OPTION_ONLY & set(ticker)


async def test_orders_follow_the_venues_2026_replies(sim, rpc):
    await rpc.login(sim)
    book = await rpc.result("public/get_order_book", {"instrument_name": "BTC_USDC-PERPETUAL"})
    placed = await rpc.result("private/buy", {"instrument_name": "BTC_USDC-PERPETUAL", "amount": 0.001,
                                              "type": "limit", "price": book["best_bid_price"] - 50,
                                              "post_only": True, "label": "golden"})
    assert set(placed) == {"order", "trades"} and placed["trades"] == []
    ignore = {"user_id"}   # the venue's account number; the simulator has one account and does not send it
    assert differences(EXAMPLES["order"], placed["order"], ignore) == {}
    assert placed["order"]["order_id"].startswith("USDC-") and placed["order"]["order_state"] == "open"
    real = {r["reply_to"]: r["payload"]["result"] for r in LIFECYCLE}
    assert differences(real["private/buy"]["order"], placed["order"], ignore) == {}
    edited = await rpc.result("private/edit", {"order_id": placed["order"]["order_id"], "amount": 0.002,
                                               "price": book["best_bid_price"] - 60})
    assert differences(real["private/edit"]["order"], edited["order"], ignore) == {}
    assert edited["order"]["replaced"] is True
    cancelled = await rpc.result("private/cancel", {"order_id": placed["order"]["order_id"]})
    assert differences(real["private/cancel"], cancelled, ignore) == {}
    assert (cancelled["order_state"], cancelled["cancel_reason"]) == ("cancelled", "user_request")


async def test_positions_have_the_documented_fields(sim, rpc):
    await rpc.login(sim)
    await rpc.result("private/buy", {"instrument_name": "BTC-PERPETUAL", "amount": 10, "type": "market"})
    position = await rpc.result("private/get_position", {"instrument_name": "BTC-PERPETUAL"})
    assert differences(EXAMPLES["position"], position) == {}
    assert (position["kind"], position["direction"], position["size"]) == ("future", "buy", 10)


async def test_heartbeats_are_the_documented_messages(sim, rpc):
    await rpc.result("public/set_heartbeat", {"interval": 0.25})
    await wait_until(lambda: len(rpc.heartbeats) >= 2, "two heartbeats", timeout=10)
    beats = list(rpc.heartbeats)
    # Each interval asks for an answer (test_request), which the client gives; the link stays up.
    assert {json.dumps(h, sort_keys=True) for h in beats} == {json.dumps(EXAMPLES["test_request"]["params"])}
    assert not rpc.closed.is_set() and sim.counters["heartbeats_missed"] == 0
