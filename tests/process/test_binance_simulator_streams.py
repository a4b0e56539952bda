"""The Binance simulator's market streams over real loopback WebSockets."""

from __future__ import annotations

import contextlib
import json
import time
from decimal import Decimal
from pathlib import Path

import pytest

from tests.binance_sim import frames, shape
from tradesys.aio import wait_until

FIXTURES = Path(__file__).parents[1] / "fixtures" / "binance"


pytestmark = pytest.mark.simulator("binance", symbols=("BTCUSDT", "CTKUSDT"), seed=5, step_seconds=0.02)


def _base(sim):
    return sim.urls["rest"].replace("http://", "ws://")


async def test_a_diff_depth_frame_has_the_captured_frames_fields_and_types(sim, http):
    real = next(json.loads(line)["payload"] for line in (FIXTURES / "keepusdt_2021-07-22_capture.jsonl").open()
                if '"depthUpdate"' in line)
    async with http.ws_connect(_base(sim) + "/public/stream?streams=btcusdt@depth@100ms") as ws:
        [frame] = await frames(ws, 1)
    assert frame["stream"] == "btcusdt@depth@100ms"
    data, venue = frame["data"], real["data"]
    assert {k: shape(v) for k, v in data.items() if k not in "ba"} == \
           {k: shape(v) for k, v in venue.items() if k not in "ba"}
    assert all(isinstance(p, str) and isinstance(q, str) for p, q in data["b"] + data["a"])


def _apply(book: dict, event: dict) -> int:
    """Apply one diff event's levels (absolute sizes, 0 removes); return how many levels it carried."""
    count = 0
    for side in "ba":
        for price, qty in event[side]:
            if Decimal(qty) == 0:
                book[side].pop(Decimal(price), None)
            else:
                book[side][Decimal(price)] = Decimal(qty)
            count += 1
    return count


@pytest.mark.parametrize("speed", ["100ms", "0ms"])     # 0ms (the simulator's): a diff at every change, nothing else
async def test_a_book_rebuilt_from_snapshot_and_diffs_equals_the_simulators_book(sim, http, speed):
    rest = sim.urls["rest"]
    updates, applied = 0, 0
    async with http.ws_connect(_base(sim) + f"/public/stream?streams=btcusdt@depth@{speed}") as ws:
        buffered = await frames(ws, 2)
        async with http.get(rest + "/fapi/v1/depth", params={"symbol": "BTCUSDT", "limit": "1000"}) as response:
            snapshot = await response.json()
        last = snapshot["lastUpdateId"]
        book = {"b": {Decimal(p): Decimal(q) for p, q in snapshot["bids"]},
                "a": {Decimal(p): Decimal(q) for p, q in snapshot["asks"]}}
        previous_u = None
        deadline = time.monotonic() + 60
        while (updates < 3000 or applied < 30) and time.monotonic() < deadline:
            event = (buffered.pop(0) if buffered else (await frames(ws, 1))[0])["data"]
            if event["u"] < last:
                continue
            if previous_u is None:  # the documented first-event rule (pu == L accepted, as ccxt does)
                assert event["U"] <= last <= event["u"] or event["pu"] == last
            else:
                assert event["pu"] == previous_u, "the pu chain broke"
            previous_u = event["u"]
            updates += _apply(book, event)
            applied += 1
        sim.pause_market()
        chain = [previous_u]

        async def caught_up():
            """Apply what has arrived; true once the rebuilt book is the venue's (the last 100 ms tick is out)."""
            with contextlib.suppress(TimeoutError):
                while True:
                    event = json.loads((await ws.receive(timeout=0.05)).data)["data"]
                    assert event["pu"] == chain[-1], "the pu chain broke"
                    chain.append(event["u"])
                    _apply(book, event)
            return book == venue_book(sim, "BTCUSDT")

        await wait_until(caught_up, "the rebuilt book equals the venue's")
    assert updates >= 3000 and applied >= 30


def venue_book(sim, symbol: str) -> dict:
    from tradesys.sim.orders import Side

    engine, instrument = sim.exchange.engines[symbol], sim.exchange.instruments[symbol]
    return {"b": {instrument.price(p): instrument.qty(q) for p, q in engine.book.levels(Side.BUY)},
            "a": {instrument.price(p): instrument.qty(q) for p, q in engine.book.levels(Side.SELL)}}


async def test_live_subscription_requests_and_their_errors(sim, http):
    async with http.ws_connect(_base(sim) + "/public/ws/0") as ws:  # ccxt's style: a suffix, then SUBSCRIBE
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@bookTicker"], "id": 1}))
        assert (await frames(ws, 1))[0] == {"result": None, "id": 1}
        await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 2}))
        latest = await frames(ws, 1)
        while "id" not in latest[-1]:  # skip bookTicker events until the reply
            latest = await frames(ws, 1)
        assert latest[-1] == {"result": ["btcusdt@bookTicker"], "id": 2}
        await ws.send_str(json.dumps({"method": "UNSUBSCRIBE", "params": ["btcusdt@bookTicker"], "id": 3}))
        await ws.send_str("{not json")
        await ws.send_str(json.dumps({"method": "SUBSCRIBE", "params": []}))
        await ws.send_str(json.dumps({"method": "PUBLISH", "id": 4}))
        await ws.send_str(json.dumps({"method": "GET_PROPERTY", "params": ["combined"], "id": 5}))
        replies = []
        while len(replies) < 5:
            frame = (await frames(ws, 1))[0]
            if frame.get("e") != "bookTicker":
                replies.append(frame)
    assert replies[0] == {"result": None, "id": 3}
    assert replies[1]["code"] == 3 and replies[1]["msg"].startswith("Invalid JSON")
    assert replies[2] == {"code": 2, "msg": "Invalid request: request ID must be an unsigned integer"}
    assert replies[3]["code"] == 2 and "unknown variant `PUBLISH`" in replies[3]["msg"]
    assert replies[4] == {"result": False, "id": 5}


async def test_book_ticker_matches_the_rest_view_and_trades_flow_on_the_market_path(sim, http):
    async with http.ws_connect(_base(sim) + "/market/ws/btcusdt@aggTrade") as market:
        async with http.ws_connect(_base(sim) + "/public/ws/btcusdt@bookTicker") as public:
            [ticker] = await frames(public, 1)
            [trade] = await frames(market, 1)
    assert ticker["e"] == "bookTicker" and isinstance(ticker["u"], int)
    assert Decimal(ticker["b"]) < Decimal(ticker["a"])
    assert trade["e"] == "aggTrade" and trade["f"] <= trade["l"] and isinstance(trade["m"], bool)


async def test_a_stream_on_the_wrong_path_is_accepted_and_silent(sim, http):
    async with http.ws_connect(_base(sim) + "/public/ws/btcusdt@aggTrade") as wrong:
        async with http.ws_connect(_base(sim) + "/market/ws/btcusdt@aggTrade") as right:
            await frames(right, 3)  # trades are happening
        with pytest.raises(TimeoutError):
            await wrong.receive(timeout=1.0)


async def test_a_kline_stream_has_the_captured_shape_and_agrees_with_the_trades_and_rest(sim, http):
    real = next(json.loads(line)["payload"]["data"] for line in
                (FIXTURES / "keepusdt_2021-07-22_capture.jsonl").open() if '"kline"' in line)
    trades, candles = [], []
    async with http.ws_connect(_base(sim) + "/market/stream?streams=btcusdt@kline_1m/btcusdt@aggTrade") as ws:
        async def three_candles() -> bool:
            [frame] = await frames(ws, 1)
            (candles if frame["stream"] == "btcusdt@kline_1m" else trades).append(frame["data"])
            return len(candles) == 3

        await wait_until(three_candles, "three kline pushes", every=0)
    assert shape(candles[-1]) == shape(real)
    k = candles[-1]["k"]
    assert k["i"] == "1m" and k["T"] - k["t"] == 59_999 and k["s"] == "BTCUSDT"
    # Open, unless the minute ended while we listened: then this is its closing push.
    assert k["x"] is False or (candles[-2]["k"]["t"] == k["t"] and k["T"] <= time.time() * 1000)
    assert Decimal(k["l"]) <= min(Decimal(k["o"]), Decimal(k["c"])) <= max(Decimal(k["o"]), Decimal(k["c"])) \
        <= Decimal(k["h"])
    assert k["f"] <= k["L"] and k["n"] == k["L"] - k["f"] + 1  # one trade id per fill, none skipped
    # Every trade the candle saw since we subscribed was also on the aggTrade stream.
    seen = {t for agg in trades for t in range(agg["f"], agg["l"] + 1)}
    assert set(range(candles[0]["k"]["L"] + 1, k["L"] + 1)) <= seen
    # The REST candle for the same minute agrees with the stream's (it may have grown since).
    async with http.get(sim.urls["rest"] + "/fapi/v1/klines", params={"symbol": "BTCUSDT", "interval": "1m",
                                                                      "startTime": str(k["t"])}) as response:
        bars = await response.json()
    assert bars[0][0] == k["t"] and bars[0][1] == k["o"] and bars[0][8] >= k["n"]


async def test_the_legacy_root_path_carries_public_streams_only(sim, http):
    async with http.ws_connect(_base(sim) + "/stream?streams=btcusdt@aggTrade/btcusdt@bookTicker") as ws:
        got = {f["stream"] for f in await frames(ws, 30)}
    assert got == {"btcusdt@bookTicker"}


STREAM_EXAMPLES = json.loads((FIXTURES / "stream_examples.json").read_text())


@pytest.mark.parametrize("name", [k for k in STREAM_EXAMPLES if k != "source"])
async def test_every_market_stream_event_has_the_documented_fields_and_types(sim, http, name):
    entry = STREAM_EXAMPLES[name]
    path = "public" if name in ("partial_depth", "book_ticker", "trade") else "market"
    async with http.ws_connect(_base(sim) + f"/{path}/ws/{entry['stream']}") as ws:
        [event] = await frames(ws, 1)
    assert shape(event) == shape(entry["example"])
