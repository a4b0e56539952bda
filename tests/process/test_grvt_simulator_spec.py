"""Every REST answer and stream message of the GRVT simulator against the venue's published specification: the
struct of the route's response or the stream's data (field names, JSON types, enum values; tests/grvt_schema.py)
and the specification's own example of it (every field the example has, ours has, with the same JSON type)."""

from __future__ import annotations

import json
import re

import pytest

from exchanges.grvt.simulator.streams import MARKET_STREAMS, TRADE_STREAMS
from tests import grvt_schema
from tests.json_shapes import missing
from tests.process.test_grvt_simulator_rest import CREDS, builder_authorization, login, post, signed_order
from tests.process.test_grvt_simulator_streams import collect
from tradesys.aio import wait_until

BUILDER = "0x" + "cd" * 20
# Routes of the examples the simulator does not serve (docs/simulator.md, "Not simulated yet").
NOT_SERVED = {"full/v2/bulk_orders", "full/v1/position_history"}
# Where the simulator knowingly differs from an example, and why: a field path, without list indices or the
# envelope's ``result`` / ``feed``.
EXAMPLE_DIFFERS = {
    "ack": "a JSON bool: the example shows the string \"true\", ccxt checks a bool (protocol notes 4)",
    "success": "a JSON bool: the example shows the string \"true\" (protocol notes 4: booleans are booleans)",
    "metadata.trigger": "only on take-profit / stop-loss orders, which the simulator does not take",
    "builder": "only on orders that name a builder (create_order and the builder fill here carry it)",
    "builder_fee": "only on orders that name a builder (create_order and the builder fill here carry it)",
    "builder_fee_rate": "only on fills of orders that name a builder (the builder fill here carries it)",
    "vault_investments": "the simulated account invests in no vault",
}


pytestmark = pytest.mark.simulator("grvt", credentials=CREDS, seed=5, funding_interval_s=0.2)


def unexplained(differences: list[str]) -> list[str]:
    """The differences from an example that ``EXAMPLE_DIFFERS`` does not account for."""
    def field(difference: str) -> str:
        path = re.sub(r"\[\d+\]", "", difference.split(":")[0])
        return path.split(".", 1)[1] if path.split(".")[0] in ("result", "feed") and "." in path else path
    return [d for d in differences if field(d) not in EXAMPLE_DIFFERS]


def _request(sim, endpoint: str, example: dict, resting: dict) -> dict:
    """The example's request with this session's ids, and without its 2023 time window."""
    body = {k: v for k, v in example.items() if k not in ("start_time", "end_time", "cursor")}
    if "sub_account_id" in body:
        body["sub_account_id"] = sim.sub_account_id
    route = endpoint.rsplit("/", 1)[1]
    if route == "create_order":
        return signed_order(sim, price="60000.0", post_only=True, client_order_id="91", builder=BUILDER,
                            builder_fee="0.0005")
    if route in ("order", "cancel_order"):
        return {"sub_account_id": sim.sub_account_id, "order_id": resting["order_id"]}
    if route == "position_history":
        body.pop("is_long", None), body.pop("is_short", None)
    return body


async def test_every_answer_has_the_specs_fields_types_enums_and_its_examples_shape(sim, http):
    headers, _ = await login(http, sim)
    trade, market = sim.urls["trade data"] + "/", sim.urls["market data"] + "/"
    await post(http, trade + "full/v1/authorize_builder", builder_authorization(sim, BUILDER, "0.001"), headers)
    # A fill of a builder order (fills with builder fees), then a resting order to find, and a funding settlement.
    await post(http, trade + "full/v1/create_order",
               signed_order(sim, size="0.020", is_market=True, tif="IMMEDIATE_OR_CANCEL", client_order_id="90",
                            builder=BUILDER, builder_fee="0.0005"), headers)
    _, placed, _ = await post(http, trade + "full/v1/create_order",
                              signed_order(sim, price="60000.0", post_only=True, client_order_id="89"), headers)
    resting = placed["result"]
    await wait_until(lambda: any(e.received for e in sim.account_api.fundings),
                     "a funding settlement with a position", timeout=10)
    checked = []
    for endpoint, kinds in sorted(grvt_schema.examples().items()):
        if "response" not in kinds or endpoint in NOT_SERVED:
            continue
        route = "/" + endpoint.rsplit("/", 1)[1]
        gateway = "MarketData" if route in grvt_schema.SPEC["rpcs"]["MarketData"] else "Trading"
        host = market if gateway == "MarketData" else trade
        status, body, _ = await post(http, host + endpoint, _request(sim, endpoint, kinds.get("request", {}),
                                                                     resting), headers)
        assert status == 200, (endpoint, body)
        assert grvt_schema.response_problems(gateway, route, body) == [], endpoint
        assert unexplained(missing(kinds["response"], body)) == [], endpoint
        checked.append(endpoint)
    assert len(checked) == 28      # every example the simulator serves: none skipped quietly
    # The exemptions above are for orders without a builder: the builder order's fill carries all three fields.
    _, fills, _ = await post(http, trade + "full/v1/fill_history", {"sub_account_id": sim.sub_account_id}, headers)
    builder_fills = [f for f in fills["result"] if f["client_order_id"] == "90"]
    assert builder_fills and all((f["builder"], f["builder_fee_rate"]) == (BUILDER, 0.0005) and
                                 float(f["builder_fee"]) > 0 for f in builder_fills)


def test_a_body_that_breaks_the_spec_is_caught():
    assert grvt_schema.problems("Positions", {"size": 1, "margin_type": "cross", "bogus": "x"}) == [
        "size: number, not string (string)", "margin_type: 'cross' is not one of PositionMarginType",
        "bogus: not a field of Positions"]
    assert missing({"a": {"b": "1"}, "c": [1]}, {"a": {}, "c": []}) == ["a.b: missing", "c: empty"]


SELECTORS = {"v1.book.d": "BTC_USDT_Perp@100", "v1.book.s": "BTC_USDT_Perp@500-10", "v1.trade": "BTC_USDT_Perp@50",
             "v1.mini.s": "BTC_USDT_Perp@500", "v1.mini.d": "BTC_USDT_Perp@100", "v1.ticker.s": "BTC_USDT_Perp@500",
             "v1.ticker.d": "BTC_USDT_Perp@100"}


async def test_every_stream_message_has_the_specs_fields_types_enums_and_its_examples_shape(sim, http):
    headers, _ = await login(http, sim)
    examples = grvt_schema.stream_examples()
    seen: dict[str, dict] = {}
    async with http.ws_connect(sim.urls["ws market data"]) as market, \
            http.ws_connect(sim.urls["ws trade data"], headers=headers) as trade:
        for n, (stream, selector) in enumerate(SELECTORS.items()):
            await market.send_str(json.dumps({"jsonrpc": "2.0", "method": "subscribe", "id": n,
                                              "params": {"stream": stream, "selectors": [selector]}}))
        for n, stream in enumerate(TRADE_STREAMS):
            await trade.send_str(json.dumps({"jsonrpc": "2.0", "method": "subscribe", "id": n,
                                             "params": {"stream": stream, "selectors": [sim.sub_account_id]}}))
        await collect(trade, lambda out: len(out) >= len(TRADE_STREAMS))     # the subscribe replies
        # Orders that rest, fill and cancel, and a cancel that finds nothing: every private stream speaks.
        for order in (signed_order(sim, size="0.020", is_market=True, tif="IMMEDIATE_OR_CANCEL", client_order_id="61"),
                      signed_order(sim, price="60000.0", post_only=True, client_order_id="62")):
            await post(http, sim.urls["trade data"] + "/full/v1/create_order", order, headers)
        for client_order_id in ("62", "63"):
            await post(http, sim.urls["trade data"] + "/full/v1/cancel_order",
                       {"sub_account_id": sim.sub_account_id, "client_order_id": client_order_id}, headers)
        for ws, streams in ((market, MARKET_STREAMS), (trade, TRADE_STREAMS)):
            frames = await collect(ws, lambda out, streams=streams: set(streams) <= {m.get("stream") for m in out})
            for frame in frames:
                if "feed" in frame:
                    seen.setdefault(frame["stream"], frame)
    assert set(seen) == set(MARKET_STREAMS) | set(TRADE_STREAMS)
    for stream, message in seen.items():
        struct = {**MARKET_STREAMS, **TRADE_STREAMS}[stream]
        assert grvt_schema.problems(struct, message) == [], stream
        assert unexplained(missing(examples[stream], message)) == [], stream
