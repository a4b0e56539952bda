"""ccxt's binanceusdm (REST) and ccxt pro (WebSocket), unchanged but for their URLs, against the simulator."""

from __future__ import annotations

import asyncio
import re

import ccxt
import ccxt.pro
import pytest

from exchanges.binance.simulator import Credentials
from tradesys.aio import wait_until

CREDS = Credentials("ccxt-key-" + "e" * 55, "ccxt-secret-" + "f" * 52)
SYMBOL = "BTC/USDT:USDT"


pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT", "ETHUSDT"), seed=2, credentials=CREDS)


def _point_at(exchange, sim):
    """Replace every Binance host by the simulator's: the only change made to the client.

    The REST hosts (fapi for futures, api for the spot wallet's sapi family) become the
    simulator's REST URL, the stream hosts its WebSocket address.
    """
    rest, host = sim.urls["rest"], sim.urls["rest"].removeprefix("http://")

    def repoint(urls: dict) -> None:
        for key, value in list(urls.items()):
            if isinstance(value, dict):
                repoint(value)
            elif isinstance(value, str):
                value = re.sub(r"^https://[a-z0-9.-]+\.binance\.com", rest, value)
                urls[key] = re.sub(r"^wss://[a-z0-9.-]+\.binance\.com(:\d+)?", f"ws://{host}", value)
    repoint(exchange.urls["api"])
    return exchange


def _options():
    # The client's defaults, keys given at construction: with keys, load_markets also loads currencies from
    # the spot wallet (sapi), as it does against the venue.
    return {"apiKey": CREDS.api_key, "secret": CREDS.api_secret}


async def test_ccxt_rest_flow(sim):
    def flow():
        exchange = _point_at(ccxt.binanceusdm(_options()), sim)
        markets = exchange.load_markets()
        currencies = exchange.currencies
        book = exchange.fetch_order_book(SYMBOL, 5)
        bid = book["bids"][0][0]
        placed = exchange.create_order(SYMBOL, "limit", "buy", 0.01, bid - 50, {"postOnly": True})
        open_ids = [o["id"] for o in exchange.fetch_open_orders(SYMBOL)]
        edited = exchange.edit_order(placed["id"], SYMBOL, "limit", "buy", 0.02, bid - 60)
        cancelled = exchange.cancel_order(placed["id"], SYMBOL)
        with pytest.raises(ccxt.OrderNotFound):
            exchange.cancel_order(placed["id"], SYMBOL)
        with pytest.raises(ccxt.InvalidOrder):  # post-only that would cross: -5022
            exchange.create_order(SYMBOL, "limit", "buy", 0.01, book["asks"][0][0] + 10, {"postOnly": True})
        filled = exchange.create_order(SYMBOL, "market", "buy", 0.01)
        balance = exchange.fetch_balance()
        positions = exchange.fetch_positions([SYMBOL])
        return markets, currencies, book, placed, open_ids, edited, cancelled, filled, balance, positions

    markets, currencies, book, placed, open_ids, edited, cancelled, filled, balance, positions = \
        await asyncio.get_running_loop().run_in_executor(None, flow)
    assert set(markets) == {"BTC/USDT:USDT", "ETH/USDT:USDT"}
    assert {"USDT", "BTC", "ETH"} <= set(currencies) and currencies["USDT"]["networks"]  # from the spot wallet
    assert markets[SYMBOL]["precision"]["price"] == 0.01 and markets[SYMBOL]["limits"]["cost"]["min"] == 5
    assert book["bids"][0][0] < book["asks"][0][0]
    assert placed["status"] == "open" and placed["postOnly"] and open_ids == [placed["id"]]
    assert edited["amount"] == 0.02 and edited["id"] == placed["id"]
    assert cancelled["status"] == "canceled"
    assert filled["status"] == "closed" and filled["filled"] == 0.01 and filled["average"] > 0
    assert 0 < balance["USDT"]["total"] < 100_000
    assert [(p["symbol"], p["contracts"], p["side"]) for p in positions] == [(SYMBOL, 0.01, "long")]


async def test_ccxt_pro_streams_flow(sim):
    exchange = _point_at(ccxt.pro.binanceusdm(_options()), sim)
    try:
        await exchange.load_markets()
        await exchange.watch_order_book(SYMBOL)
        book = await exchange.watch_order_book(SYMBOL)  # ccxt's own snapshot + diff synchronisation
        assert book["bids"][0][0] < book["asks"][0][0] and book["nonce"] > 0
        trades = await exchange.watch_trades(SYMBOL)
        assert trades and trades[0]["price"] > 0
        watcher = asyncio.create_task(exchange.watch_orders(SYMBOL))
        await wait_until(lambda: any(c.keys for c in sim.users.connections), "ccxt's user stream open")
        placed = await exchange.create_order(SYMBOL, "limit", "buy", 0.01, book["bids"][0][0] - 50,
                                             {"postOnly": True})
        orders = await asyncio.wait_for(watcher, 15)
        assert [(o["id"], o["status"], o["timeInForce"]) for o in orders] == [(placed["id"], "open", "PO")]
        await exchange.cancel_order(placed["id"], SYMBOL)
        orders = await asyncio.wait_for(exchange.watch_orders(SYMBOL), 15)
        assert orders[-1]["id"] == placed["id"] and orders[-1]["status"] == "canceled"
    finally:
        await exchange.close()
