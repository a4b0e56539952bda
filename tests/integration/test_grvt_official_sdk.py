"""GRVT's official Python SDK (grvt-pysdk), configured for production (chain 325) with its API key, signing key
and the sub-account the simulator prints, against the GRVT simulator: markets, book, a signed post-only order
and its cancel over REST, and both order events on the SDK's own stream client.

The SDK has no base-URL setting: its URL lookups are the one thing replaced (protocol notes 1.1). It blocks
in its event loop (a synchronous login inside ``initialize``), so it runs on a thread and loop of its own,
as an application would, while the simulator serves on the test's loop.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from pysdk import grvt_ccxt_env, grvt_ccxt_ws
from pysdk.grvt_ccxt import GrvtCcxt
from pysdk.grvt_ccxt_env import GrvtEndpointType, GrvtEnv, GrvtWSEndpointType
from pysdk.grvt_ccxt_ws import GrvtCcxtWS

from tests.grvt_sim import API_KEY, PRIVATE_KEY
from tradesys.aio import wait_until

SYMBOL = "BTC_USDT_Perp"


pytestmark = pytest.mark.simulator("grvt", seed=5)


@pytest.fixture
def pointed_at(sim, monkeypatch):
    """The SDK's production URL tables answer with the simulator's hosts."""
    domains = {GrvtEndpointType.EDGE: sim.urls["edge"], GrvtEndpointType.TRADE_DATA: sim.urls["trade data"],
               GrvtEndpointType.MARKET_DATA: sim.urls["market data"]}
    market, trade = (sim.urls[k].removesuffix("/full") for k in ("ws market data", "ws trade data"))
    sockets = {GrvtWSEndpointType.MARKET_DATA: market, GrvtWSEndpointType.TRADE_DATA: trade,
               GrvtWSEndpointType.MARKET_DATA_RPC_FULL: market + "/full",
               GrvtWSEndpointType.TRADE_DATA_RPC_FULL: trade + "/full"}
    monkeypatch.setattr(grvt_ccxt_env, "get_grvt_endpoint_domains", lambda env: domains)
    monkeypatch.setattr(grvt_ccxt_ws, "get_grvt_ws_endpoint", lambda env, kind: sockets[kind])
    return sim


def _sdk_flow(sim, parameters: dict) -> tuple[dict, dict, dict, bool, list[str]]:
    """The SDK as an application runs it, on this thread's own event loop."""
    async def flow():
        loop = asyncio.get_running_loop()
        before = asyncio.all_tasks()
        events: list[dict] = []

        async def on_order(message: dict) -> None:
            events.append(message)

        stream = GrvtCcxtWS(GrvtEnv.PROD, loop, None, parameters=parameters)
        try:
            await stream.initialize()
            await wait_until(lambda: stream.is_connection_open(GrvtWSEndpointType.TRADE_DATA),
                             "the SDK's trade-data socket open", timeout=20)
            await stream.subscribe(stream="order", callback=on_order, params={"instrument": SYMBOL})
            # The SDK sends its subscribe from a task of its own and exposes no reply: wait for the venue to have it.
            await wait_until(lambda: any(name == "v1.order" for conn in list(sim.connections)
                                         for name, _ in list(conn.subs)),
                             "the SDK's order subscription at the venue", timeout=20)
            api = GrvtCcxt(GrvtEnv.PROD, None, parameters=parameters)
            book = api.fetch_order_book(SYMBOL, limit=10)
            bid = Decimal(book["bids"][0]["price"])
            placed = api.create_limit_order(SYMBOL, "buy", 0.01, float(bid - 100), params={"post_only": True})
            cancelled = api.cancel_order(params={"client_order_id": placed["metadata"]["client_order_id"]})
            await wait_until(lambda: len(events) >= 2, "both order events", timeout=20)
            states = [e["feed"]["state"]["status"] for e in events]
            return api.markets, book, placed, cancelled, states
        finally:
            for task in asyncio.all_tasks() - before - {asyncio.current_task()}:
                task.cancel()
            await asyncio.gather(*(asyncio.all_tasks() - before - {asyncio.current_task()}),
                                 return_exceptions=True)

    return asyncio.run(flow())


async def test_markets_book_order_cancel_and_order_events(pointed_at):
    sim = pointed_at
    parameters = {"api_key": API_KEY, "private_key": PRIVATE_KEY,
                  "trading_account_id": sim.client_settings["sub-account"]}
    markets, book, placed, cancelled, states = await asyncio.get_running_loop().run_in_executor(
        None, _sdk_flow, sim, parameters)
    assert sorted(markets) == ["BTC_USDT_Perp", "ETH_USDT_Perp"]
    assert Decimal(book["bids"][0]["price"]) < Decimal(book["asks"][0]["price"])
    assert placed["state"]["status"] == "OPEN" and placed["post_only"] is True
    assert cancelled is True
    assert states == ["OPEN", "CANCELLED"]
    # Signed for production (the SDK sends no chain id; the simulator's default chain is production's).
    assert sim.chain_id == 325 and sim.counters["errors"] == 0
