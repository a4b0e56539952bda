"""The GRVT simulator's WebSocket streams over real sockets: book snapshots and deltas with sequence
numbers, full, lite and legacy dialects, trades, private order and fill streams on the trade host."""

from __future__ import annotations

import contextlib
import json
import time
from decimal import Decimal

import aiohttp
import pytest

from tests.process.test_grvt_simulator_rest import CREDS, login, post, signed_order
from tradesys.aio import wait_until

pytestmark = pytest.mark.simulator("grvt", credentials=CREDS, seed=9, step_seconds=0.05)


async def collect(ws, until, timeout=10.0):
    out, deadline = [], time.monotonic() + timeout
    while not until(out):
        msg = await ws.receive(timeout=max(0.1, deadline - time.monotonic()))
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        out.append(json.loads(msg.data))
    return out


def rebuild(messages, first):
    """The book from a snapshot (sequence 0) and the deltas after it, counting by one from ``first``."""
    bids, asks, last = {}, {}, None
    for m in messages:
        seq, prev = int(m["sequence_number"]), int(m["prev_sequence_number"])
        if seq == 0:
            bids, asks, last = {}, {}, first - 1
        else:
            assert seq == last + 1 and prev == last, (seq, prev, last)
            last = seq
        for side, levels in ((bids, m["feed"]["bids"]), (asks, m["feed"]["asks"])):
            for level in levels:
                if Decimal(level["size"]) == 0:
                    side.pop(Decimal(level["price"]), None)
                else:
                    side[Decimal(level["price"])] = Decimal(level["size"])
    return bids, asks


async def test_book_deltas_chain_from_a_snapshot_and_rebuild_the_venues_book(sim, http):
    async with http.ws_connect(sim.urls["ws market data"]) as ws:
        await ws.send_str(json.dumps({"jsonrpc": "2.0", "method": "subscribe", "id": 7,
                                      "params": {"stream": "v1.book.d", "selectors": ["BTC_USDT_Perp@100"]}}))
        frames = await collect(ws, lambda out: sum("feed" in m for m in out) > 15)
        reply = frames[0]
        assert reply["id"] == 7 and reply["result"]["subs"] == ["BTC_USDT_Perp@100"]
        assert reply["result"]["num_snapshots"] == [1]
        first = int(reply["result"]["first_sequence_number"][0])
        assert int(reply["result"]["latest_sequence_number"][0]) == first - 1 and first > 1
        sim.pause_market()

        async def caught_up():
            """Read what has arrived; true once the rebuilt book is the venue's (the last batch is out)."""
            with contextlib.suppress(TimeoutError):
                while True:
                    frames.append(json.loads((await ws.receive(timeout=0.05)).data))
            _, body, _ = await post(http, sim.urls["market data"] + "/full/v1/book",
                                    {"instrument": "BTC_USDT_Perp", "depth": 500})
            venue = body["result"]
            return rebuild([m for m in frames if "feed" in m], first) == (
                {Decimal(b["price"]): Decimal(b["size"]) for b in venue["bids"]},
                {Decimal(a["price"]): Decimal(a["size"]) for a in venue["asks"]})

        await wait_until(caught_up, "the book rebuilt from the stream equals the venue's")
    feeds = [m for m in frames if "feed" in m]
    assert feeds[0]["sequence_number"] == "0" and all(isinstance(m["sequence_number"], str) for m in feeds)


async def test_lite_and_legacy_dialects_and_a_broken_sequence(sim, http):
    lite_url = sim.urls["ws market data"].replace("/ws/full", "/ws/lite")
    async with http.ws_connect(lite_url) as ws:
        await ws.send_str(json.dumps({"j": "2.0", "m": "subscribe", "i": 3,
                                      "p": {"s": "v1.book.s", "s1": ["ETH_USDT_Perp@500-10"]}}))
        frames = await collect(ws, lambda out: sum("f" in m for m in out) >= 2)
        assert frames[0]["i"] == 3 and frames[0]["r"]["s1"] == ["ETH_USDT_Perp@500-10"]
        feed = next(m for m in frames if "f" in m)
        assert feed["s"] == "v1.book.s" and len(feed["f"]["b"]) == 10 and "p" in feed["f"]["b"][0]
    legacy_url = sim.urls["ws market data"].replace("/ws/full", "/ws")
    async with http.ws_connect(legacy_url) as ws:
        await ws.send_str(json.dumps({"request_id": 1, "stream": "v1.book.d", "feed": ["BTC_USDT_Perp@100"],
                                      "method": "subscribe", "is_full": True}))
        frames = await collect(ws, lambda out: sum("feed" in m for m in out) >= 3)
        assert frames[0]["request_id"] == 1 and frames[0]["subs"] == ["BTC_USDT_Perp@100"]
        await sim.fault_control.apply({"skip_depth_updates": 1})
        more = await collect(ws, lambda out: len(out) >= 4)
        chain = [m for m in frames + more if "feed" in m and m["sequence_number"] != "0"]   # the deltas
        breaks = sum(int(b["sequence_number"]) != int(a["sequence_number"]) + 1 for a, b in zip(chain, chain[1:]))
        assert breaks == 1


async def test_private_streams_need_the_session_and_carry_orders_and_fills(sim, http):
    async with aiohttp.ClientSession() as bare:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await bare.ws_connect(sim.urls["ws trade data"])
        assert refused.value.status == 401
    headers, _ = await login(http, sim)
    async with http.ws_connect(sim.urls["ws trade data"], headers=headers) as ws:
        for stream in ("v1.order", "v1.fill", "v1.position"):
            await ws.send_str(json.dumps({"jsonrpc": "2.0", "method": "subscribe", "id": 1,
                                          "params": {"stream": stream, "selectors": [sim.sub_account_id]}}))
        await collect(ws, lambda out: len(out) >= 3)
        market = signed_order(sim, size="0.020", is_market=True, tif="IMMEDIATE_OR_CANCEL", client_order_id="4001")
        status, body, _ = await post(http, sim.urls["trade data"] + "/full/v1/create_order", market, headers)
        assert status == 200, body
        frames = await collect(ws, lambda out: any(m["stream"] == "v1.position" for m in out if "stream" in m))
    orders = [m["feed"] for m in frames if m.get("stream") == "v1.order"]
    fills = [m["feed"] for m in frames if m.get("stream") == "v1.fill"]
    assert orders[-1]["order_id"] == body["result"]["order_id"] and orders[-1]["state"]["status"] == "FILLED"
    assert sum(Decimal(f["size"]) for f in fills) == Decimal("0.02")
    assert {f["client_order_id"] for f in fills} == {"4001"}
    position = [m["feed"] for m in frames if m.get("stream") == "v1.position"][-1]
    assert position["instrument"] == "BTC_USDT_Perp" and position["size"] == "0.02"


async def test_a_cancel_that_comes_first_waits_for_its_order_and_one_that_finds_none_is_reported(sim, http):
    headers, _ = await login(http, sim)
    trade = sim.urls["trade data"]
    async with http.ws_connect(sim.urls["ws trade data"], headers=headers) as ws:
        for stream in ("v1.order", "v1.cancel"):
            await ws.send_str(json.dumps({"jsonrpc": "2.0", "method": "subscribe", "id": 1,
                                          "params": {"stream": stream, "selectors": [sim.sub_account_id]}}))
        await collect(ws, lambda out: len(out) >= 2)
        cancel = {"sub_account_id": sim.sub_account_id, "client_order_id": "5001", "time_to_live_ms": "1000"}
        status, body, _ = await post(http, trade + "/full/v1/cancel_order", cancel, headers)
        assert status == 200 and body["result"] == {"ack": True}
        _, again, _ = await post(http, trade + "/full/v1/cancel_order", cancel, headers)     # inside its window
        _, book, _ = await post(http, sim.urls["market data"] + "/full/v1/book",
                                {"instrument": "BTC_USDT_Perp", "depth": 10})
        bid = Decimal(book["result"]["bids"][0]["price"])
        late = signed_order(sim, price=f"{bid - 100:f}", post_only=True, client_order_id="5001")
        _, created, _ = await post(http, trade + "/full/v1/create_order", late, headers)
        # Cancelled on arrival: it never rests, and the stream says so.
        assert created["result"]["state"]["status"] == "CANCELLED" and not sim.exchange.engines["BTC_USDT_Perp"]\
            .open_orders("main")
        await post(http, trade + "/full/v1/cancel_order", {"sub_account_id": sim.sub_account_id,
                                                           "client_order_id": "5002"}, headers)   # 100 ms default
        frames = await collect(ws, lambda out: sum(m.get("stream") == "v1.cancel" for m in out) >= 2)
    statuses = [(m["feed"]["client_order_id"], m["feed"]["cancel_status"]) for m in frames
                if m.get("stream") == "v1.cancel"]
    assert statuses == [("5001", "DROPPED_DUPLICATE"), ("5002", "EXPIRED")]
    assert again["result"] == {"ack": True}
    assert [m["feed"]["state"]["status"] for m in frames if m.get("stream") == "v1.order"] == ["CANCELLED"]
