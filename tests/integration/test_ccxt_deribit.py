"""ccxt's deribit (REST) and ccxt pro (WebSocket JSON-RPC), unchanged but for their URLs, against the
Deribit simulator: markets, book, ticker, balance, post-only order, open orders, edit, cancel, a market
fill, trades, positions, order state; watch_order_book, watch_trades, watch_orders."""

from __future__ import annotations

import asyncio

import ccxt
import ccxt.pro
import pytest

from tests.deribit_sim import CREDENTIALS
from tradesys.aio import wait_until

SYMBOL = "BTC/USD:BTC"     # ccxt's name of BTC-PERPETUAL (inverse, settled in BTC)


pytestmark = pytest.mark.simulator("deribit", seed=3)


def _point_at(exchange, sim):
    """Replace the venue's hosts by the simulator's: the only change made to the client."""
    exchange.urls["api"] = {"rest": sim.urls["rest"].removesuffix("/api/v2"), "ws": sim.urls["ws"]}
    return exchange


def _options():
    return {"apiKey": CREDENTIALS.client_id, "secret": CREDENTIALS.client_secret}


async def test_ccxt_rest_flow(sim):
    def flow():
        exchange = _point_at(ccxt.deribit(_options()), sim)
        markets = exchange.load_markets()
        book = exchange.fetch_order_book(SYMBOL, 5)
        ticker = exchange.fetch_ticker(SYMBOL)
        balance = exchange.fetch_balance({"code": "BTC"})
        bid = book["bids"][0][0]
        placed = exchange.create_order(SYMBOL, "limit", "buy", 10, bid - 50, {"postOnly": True})
        open_ids = [o["id"] for o in exchange.fetch_open_orders(SYMBOL)]
        edited = exchange.edit_order(placed["id"], SYMBOL, "limit", "buy", 20, bid - 49.5)
        cancelled = exchange.cancel_order(placed["id"], SYMBOL)
        with pytest.raises(ccxt.InvalidOrder):       # 11044 not_open_order
            exchange.cancel_order(placed["id"], SYMBOL)
        with pytest.raises(ccxt.InvalidOrder):       # 11054 post_only_reject: it would take liquidity
            exchange.create_order(SYMBOL, "limit", "buy", 10, book["asks"][0][0] + 200,
                                  {"postOnly": True, "reject_post_only": True})
        filled = exchange.create_order(SYMBOL, "market", "sell", 30)
        trades = exchange.fetch_my_trades(SYMBOL)
        positions = exchange.fetch_positions([SYMBOL])
        state = exchange.fetch_order(filled["id"], SYMBOL)
        return markets, book, ticker, balance, placed, open_ids, edited, cancelled, filled, trades, positions, state

    (markets, book, ticker, balance, placed, open_ids, edited, cancelled, filled, trades, positions,
     state) = await asyncio.get_running_loop().run_in_executor(None, flow)
    assert set(markets) == {"BTC/USD:BTC", "ETH/USD:ETH", "BTC/USDC:USDC"}
    assert markets[SYMBOL]["inverse"] and markets[SYMBOL]["contractSize"] == 10
    assert markets["BTC/USDC:USDC"]["linear"] and markets[SYMBOL]["precision"]["price"] == 0.5
    assert book["bids"][0][0] < book["asks"][0][0] and ticker["bid"] == book["bids"][0][0]
    assert 1.5 < balance["BTC"]["total"] < 1.6
    assert placed["status"] == "open" and open_ids == [placed["id"]]
    assert edited["amount"] == 20 and edited["id"] == placed["id"]
    assert cancelled["status"] == "canceled"
    assert filled["status"] == "closed" and filled["filled"] == 30
    assert sum(t["amount"] for t in trades if t["order"] == filled["id"]) == 30
    assert all(t["fee"]["currency"] == "BTC" for t in trades)
    assert [(p["symbol"], p["side"]) for p in positions] == [(SYMBOL, "short")]
    assert state["status"] == "closed"


async def test_ccxt_pro_streams_flow(sim):
    exchange = _point_at(ccxt.pro.deribit(_options()), sim)
    try:
        await exchange.load_markets()
        await exchange.watch_order_book(SYMBOL)
        book = await exchange.watch_order_book(SYMBOL)   # ccxt's own change_id continuity check
        assert book["bids"][0][0] < book["asks"][0][0]
        trades = await asyncio.wait_for(exchange.watch_trades(SYMBOL), 20)
        assert trades and trades[0]["price"] > 0
        watcher = asyncio.create_task(exchange.watch_orders(SYMBOL))   # authenticates over the socket first
        await wait_until(lambda: any(name.startswith("user.orders.") for conn in list(sim.connections)
                                     for name in conn.channels), "ccxt's order subscription at the venue")
        placed = await exchange.create_order(SYMBOL, "limit", "buy", 10, book["bids"][0][0] - 50, {"postOnly": True})
        orders = await asyncio.wait_for(watcher, 15)
        assert [(o["id"], o["status"]) for o in orders] == [(placed["id"], "open")]
        await exchange.cancel_order(placed["id"], SYMBOL)
        orders = await asyncio.wait_for(exchange.watch_orders(SYMBOL), 15)
        assert orders[-1]["id"] == placed["id"] and orders[-1]["status"] == "canceled"
    finally:
        await exchange.close()
