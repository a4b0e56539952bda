"""Binance's official USD-M futures SDK, with its defaults but for its base URLs, against the simulator.

A second independent client beside ccxt: exchange information, the book, a post-only order placed
and cancelled over REST, and both order events on the user stream it opens itself.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from binance_common.configuration import ConfigurationRestAPI, ConfigurationWebSocketStreams
from binance_sdk_derivatives_trading_usds_futures.derivatives_trading_usds_futures import (
    DerivativesTradingUsdsFutures,
)
from binance_sdk_derivatives_trading_usds_futures.rest_api.models import NewOrderSideEnum, NewOrderTimeInForceEnum

from exchanges.binance.simulator import Credentials
from tradesys.aio import wait_until

CREDS = Credentials("sdk-key-" + "a" * 56, "sdk-secret-" + "b" * 53)


pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT", "ETHUSDT"), seed=4, credentials=CREDS)


def _client(sim) -> DerivativesTradingUsdsFutures:
    """The SDK's own configuration objects; only the REST base path and the stream host are the simulator's."""
    host = sim.urls["rest"].removeprefix("http://")
    return DerivativesTradingUsdsFutures(
        config_rest_api=ConfigurationRestAPI(api_key=CREDS.api_key, api_secret=CREDS.api_secret,
                                             base_path=sim.urls["rest"]),
        config_ws_streams=ConfigurationWebSocketStreams(stream_url=f"ws://{host}"))


async def test_markets_book_order_cancel_and_user_stream_events(sim):
    client = _client(sim)
    loop = asyncio.get_running_loop()

    def reference():
        api = client.rest_api
        info = api.exchange_information().data()
        book = api.order_book(symbol="BTCUSDT", limit=5).data()
        return info, book, api.start_user_data_stream().data().listen_key

    info, book, listen_key = await loop.run_in_executor(None, reference)
    assert sorted(s.symbol for s in info.symbols) == ["BTCUSDT", "ETHUSDT"]
    tick = next(f.tick_size for s in info.symbols if s.symbol == "BTCUSDT" for f in s.filters
                if f.filter_type == "PRICE_FILTER")
    assert Decimal(tick) == Decimal("0.01")
    bid, ask = Decimal(book.bids[0][0]), Decimal(book.asks[0][0])
    assert bid < ask

    events: list = []
    streams = await client.websocket_streams.create_connection()
    try:
        user = await streams.user_data(listen_key)
        user.on("message", events.append)
        # The subscription is live once the venue lists it (the SDK sends SUBSCRIBE after connecting).
        await wait_until(lambda: any(listen_key in c.keys for c in sim.users.connections),
                         "the SDK's subscription", timeout=15)

        def place_and_cancel():
            api = client.rest_api
            placed = api.new_order(symbol="BTCUSDT", side=NewOrderSideEnum["BUY"], type="LIMIT", quantity=0.01,
                                   price=float(bid - 50), time_in_force=NewOrderTimeInForceEnum["GTX"]).data()
            cancelled = api.cancel_order(symbol="BTCUSDT", order_id=placed.order_id).data()
            return placed, cancelled

        placed, cancelled = await loop.run_in_executor(None, place_and_cancel)
        assert (placed.status, placed.time_in_force, cancelled.status) == ("NEW", "GTX", "CANCELED")
        assert cancelled.order_id == placed.order_id

        def updates():
            return [e.actual_instance.o for e in events
                    if type(e.actual_instance).__name__ == "OrderTradeUpdate"]
        await wait_until(lambda: len(updates()) >= 2, "both order events", timeout=15)
        assert [(u.i, u.X) for u in updates()] == [(placed.order_id, "NEW"), (placed.order_id, "CANCELED")]
    finally:
        await streams.close_connection()
