"""ccxt's grvt (REST) and ccxt pro, with their defaults (the key given at construction, no sandbox: production's
chain 325, its builder fee on) and only their URLs changed, against the GRVT simulator: markets, book, ticker,
trades, the wallet login (an EIP-712 signed WalletLogin), the builder authorisation ccxt makes by default (an
EIP-712 AuthorizeBuilder), balance, a signed post-only order (OrderWithBuilderFee), open orders, order state,
cancel, a refused crossing post-only, a market fill, fills, positions."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import ccxt
import pytest

from tests.grvt_sim import PRIVATE_KEY
from tradesys.aio import wait_until

SYMBOL = "BTC/USDT:USDT"      # ccxt's name of BTC_USDT_Perp
BUILDER = ccxt.grvt().options["builder"].lower()   # ccxt's own builder address


pytestmark = pytest.mark.simulator("grvt", seed=9)


def _point_at(exchange, sim):
    """The simulator's hosts for the venue's: the only change made to the client."""
    exchange.urls["api"] = {"privateEdge": sim.urls["edge"] + "/", "privateTrading": sim.urls["trade data"] + "/",
                            "publicMarket": sim.urls["market data"] + "/",
                            "ws": {"publicMarket": sim.urls["ws market data"],
                                   "privateTrading": sim.urls["ws trade data"]}}
    return exchange


def _client(sim):
    return _point_at(ccxt.grvt({"privateKey": PRIVATE_KEY}), sim)


async def test_ccxt_rest_flow(sim):
    def flow():
        exchange = _client(sim)
        markets = exchange.load_markets()
        book = exchange.fetch_order_book(SYMBOL, 10)
        ticker = exchange.fetch_ticker(SYMBOL)
        public = exchange.fetch_trades(SYMBOL)
        exchange.sign_in()
        balance = exchange.fetch_balance()
        bid, ask = book["bids"][0][0], book["asks"][0][0]
        placed = exchange.create_order(SYMBOL, "limit", "buy", 0.01, bid - 100, {"postOnly": True})
        open_ids = [o["id"] for o in exchange.fetch_open_orders(SYMBOL)]
        state = exchange.fetch_order(placed["id"], SYMBOL)
        cancelled = exchange.cancel_order(placed["id"], SYMBOL)
        after = exchange.fetch_open_orders(SYMBOL)
        crossing = exchange.create_order(SYMBOL, "limit", "buy", 0.01, ask + 100, {"postOnly": True})
        filled = exchange.create_order(SYMBOL, "market", "sell", 0.02)
        trades = exchange.fetch_my_trades(SYMBOL)
        positions = exchange.fetch_positions([SYMBOL])
        return (markets, book, ticker, public, balance, placed, open_ids, state, cancelled, after, crossing, filled,
                trades, positions)

    (markets, book, ticker, public, balance, placed, open_ids, state, cancelled, after, crossing, filled, trades,
     positions) = await asyncio.get_running_loop().run_in_executor(None, flow)
    market = markets[SYMBOL]
    assert market["id"] == "BTC_USDT_Perp" and market["precision"]["price"] == 0.1 and market["contract"]
    assert book["bids"] and book["asks"] and book["bids"][0][0] < book["asks"][0][0]
    assert ticker["bid"] > 0 and ticker["ask"] > ticker["bid"] and public
    assert balance["USDT"]["total"] == 100000
    assert placed["id"] in open_ids and state["status"] == "open" and state["amount"] == 0.01
    assert after == [] and sim.counters["orders"] >= 3
    # A crossing post-only exists, REJECTED with the venue's reason; it never rested.
    assert crossing["status"] == "rejected"
    assert Decimal(str(trades[-1]["amount"])) <= Decimal("0.02") and all(t["symbol"] == SYMBOL for t in trades)
    assert sum(Decimal(str(t["amount"])) for t in trades if t["order"] == filled["id"]) == Decimal("0.02")
    (position,) = positions
    assert position["side"] == "short" and Decimal(str(position["contracts"])) == Decimal("0.02")
    # The orders ccxt signed were recovered to the simulator's registered signer: a wrong bit and none is taken.
    assert sim.counters["errors"] == 0
    # ccxt joined the builder program as it does against the venue, and its orders carried the builder's fee.
    assert list(sim.trading.builders.authorized) == [BUILDER]
    assert all(record.request.get("builder") == BUILDER for record in sim.trading.records.values())


async def test_ccxt_pro_flow(sim):
    import ccxt.pro

    exchange = _point_at(ccxt.pro.grvt({"privateKey": PRIVATE_KEY}), sim)
    try:
        book = await exchange.watch_order_book(SYMBOL)
        for _ in range(3):                 # deltas on the snapshot, as ccxt applies them
            book = await exchange.watch_order_book(SYMBOL)
        assert book["bids"] and book["asks"] and book["bids"][0][0] < book["asks"][0][0]
        trades = await exchange.watch_trades(SYMBOL)
        assert trades and all(t["symbol"] == SYMBOL for t in trades)
        orders = asyncio.ensure_future(exchange.watch_orders(SYMBOL))
        await wait_until(lambda: any(name == "v1.order" for conn in list(sim.connections)
                                     for name, _ in list(conn.subs)), "ccxt's order subscription at the venue")
        placed = await exchange.create_order(SYMBOL, "limit", "buy", 0.01, book["bids"][0][0] - 100,
                                             {"postOnly": True})
        seen = await asyncio.wait_for(orders, 10)
        assert any(o["id"] == placed["id"] for o in seen)
        await exchange.cancel_order(placed["id"], SYMBOL)
    finally:
        await exchange.close()
