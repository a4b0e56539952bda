"""Every method the Deribit simulator serves, answered over a real WebSocket and validated against Deribit's
published API schema (tests/deribit_schema.py): the envelope, required fields, JSON types, enum values,
and no field the schema does not name unless the venue is known to send it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests import deribit_schema
from tests.deribit_sim import RpcClient

FIXTURES = Path(__file__).parents[1] / "fixtures" / "deribit"


pytestmark = pytest.mark.simulator("deribit")


async def _answers(sim, http) -> list[tuple[str, dict]]:
    """(method, whole reply) for every method of the published schema the simulator serves, in a session
    that rests, edits, fills and cancels orders, so that every list in a reply has items."""
    rpc = await RpcClient.connect(http, sim)
    replies: list[tuple[str, dict]] = []

    async def ask(method: str, params: dict | None = None) -> dict:
        reply = await rpc.call(method, params)
        assert "result" in reply, (method, reply)
        replies.append((method, reply))
        return reply["result"]

    try:
        await ask("public/auth", {"grant_type": "client_credentials", "client_id": sim.credentials.client_id,
                                  "client_secret": sim.credentials.client_secret})
        for method, params in (("public/get_time", {}), ("public/test", {}),
                               ("public/hello", {"client_name": "schema-test", "client_version": "1"}),
                               ("public/get_currencies", {}), ("public/get_instruments", {"currency": "any"}),
                               ("public/get_instrument", {"instrument_name": "BTC_USDC-PERPETUAL"}),
                               ("public/set_heartbeat", {"interval": 30}), ("public/disable_heartbeat", {}),
                               ("private/enable_cancel_on_disconnect", {}),
                               ("private/get_cancel_on_disconnect", {})):
            await ask(method, params)
        for name in ("BTC-PERPETUAL", "BTC_USDC-PERPETUAL"):
            await _order_lifecycle(ask, name)
        await ask("private/get_position", {"instrument_name": "ETH-PERPETUAL"})   # none: a flat position
        for method, params in (("private/get_open_orders_by_currency", {"currency": "BTC"}),
                               ("private/get_open_orders", {}),
                               ("private/get_user_trades_by_currency", {"currency": "BTC"}),
                               ("private/get_positions", {"currency": "any"}),
                               ("private/get_account_summary", {"currency": "BTC", "extended": True}),
                               ("private/get_account_summaries", {"extended": True}),
                               ("private/cancel_all", {}), ("private/cancel_all_by_currency", {"currency": "BTC"}),
                               ("private/cancel_all_by_instrument", {"instrument_name": "BTC-PERPETUAL"}),
                               ("private/cancel_by_label", {"label": "rest"}),
                               ("public/subscribe", {"channels": ["book.BTC-PERPETUAL.100ms"]}),
                               ("public/unsubscribe", {"channels": ["book.BTC-PERPETUAL.100ms"]}),
                               ("private/subscribe", {"channels": ["user.orders.any.any.raw"]}),
                               ("private/unsubscribe", {"channels": ["user.orders.any.any.raw"]}),
                               ("public/unsubscribe_all", {}), ("private/unsubscribe_all", {}),
                               ("private/disable_cancel_on_disconnect", {})):
            await ask(method, params)
    finally:
        await rpc.close()
    return replies


async def _order_lifecycle(ask, name: str) -> None:
    """A fill, then an order rested, edited, read and cancelled on ``name``, each reply kept by ``ask``."""
    book = await ask("public/get_order_book", {"instrument_name": name, "depth": 5})
    amount = 10 if name == "BTC-PERPETUAL" else 0.001
    # A fill first: the ticker's statistics, trades, positions and summaries then have content.
    await ask("private/sell", {"instrument_name": name, "amount": amount, "type": "market", "label": "fill"})
    await ask("public/ticker", {"instrument_name": name})
    await ask("public/get_last_trades_by_instrument", {"instrument_name": name})
    placed = await ask("private/buy", {"instrument_name": name, "amount": amount, "type": "limit",
                                       "price": book["best_bid_price"] - 50, "label": "rest", "post_only": True})
    order_id = placed["order"]["order_id"]
    await ask("private/edit", {"order_id": order_id, "amount": 2 * amount, "price": book["best_bid_price"] - 60})
    await ask("private/get_order_state", {"order_id": order_id})
    await ask("private/get_order_state_by_label", {"currency": name.split("-")[0].split("_")[-1], "label": "rest"})
    await ask("private/get_open_orders_by_instrument", {"instrument_name": name})
    await ask("private/cancel", {"order_id": order_id})
    await ask("private/get_user_trades_by_instrument", {"instrument_name": name})
    await ask("private/get_position", {"instrument_name": name})


async def test_every_answer_follows_the_published_schema(sim, http):
    replies = await _answers(sim, http)
    assert {method for method, _ in replies} == set(deribit_schema.methods())   # every method, none skipped
    seen_extras: set[str] = set()
    for method, reply in replies:
        assert deribit_schema.errors(method, reply) == [], (method, reply)
        extras = deribit_schema.undocumented(method, reply["result"])
        assert extras <= set(deribit_schema.EXTRA_FIELDS), (method, extras - set(deribit_schema.EXTRA_FIELDS))
        seen_extras |= extras
    assert seen_extras == set(deribit_schema.EXTRA_FIELDS)   # no stale allowance
    instruments = next(r["result"] for m, r in replies if m == "public/get_instruments")
    assert {i["underlying_type"] for i in instruments} == {"crypto"}


def test_the_venues_own_replies_follow_the_schema_with_its_deviations():
    """The deviations are exactly what the venue's captured replies need: they pass, every one of them."""
    records = [json.loads(line) for name in ("eth_usdc_perp_order_lifecycle_2026-01-09.jsonl",
                                             "account_summaries_cross_margin_2026-05-06.jsonl",
                                             "instruments_2021-07-22_subset.jsonl")
               for line in (FIXTURES / name).read_text().splitlines()]
    assert len(records) == 9
    for record in records:
        method = record.get("reply_to") or record.get("request")
        method = "public/get_instruments" if method.startswith("GET /api/v2/public/get_instruments") else method
        payload = record["payload"]
        if method == "public/get_instruments":   # 2021: before price_index; the venue has sent it since
            payload = {**payload, "result": [{"price_index": "btc_usd", **i} for i in payload["result"]]}
        assert deribit_schema.errors(method, payload) == [], method


def test_a_reply_that_breaks_the_schema_is_caught():
    reply = {"jsonrpc": "2.0", "id": 1, "result": [{"instrument_name": "BTC-PERPETUAL", "kind": "perpetual"}]}
    problems = deribit_schema.errors("public/get_instruments", reply)
    assert any("result.0.kind" in p for p in problems)
    assert any("'tick_size' is a required property" in p for p in problems)
    assert deribit_schema.undocumented("public/get_instruments", [{"instrument_name": "X", "bogus": 1}]) == \
        {"instrument.bogus"}
