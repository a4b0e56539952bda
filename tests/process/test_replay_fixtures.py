"""Real venue captures (tests/fixtures/<venue>, the shared captures as the project keeps them) served by the
replay server to the production subscribers over loopback.

Binance: the book the subscriber syncs from the REST snapshot and the diffs has, at every update id a
bookTicker shares with a diff, that bookTicker's best bid and ask, price and quantity (the fixtures' README:
KEEPUSDT 13 such points, CTKUSDT 18). Deribit: ten option books on the ``raw`` channels, every change chained
on its ``prev_change_id`` (no gap), each book's final touch equal to its instrument's last ticker (the README's
ten states), and the last BBO the subscriber delivered for each two-sided book equal to that ticker (tickers and
book changes interleave, so only the last of each is compared)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from exchanges.binance.config import BinanceConfig
from tradesys.config.schema import Endpoint, VenueConfig
from tradesys.numeric import get_decimal
from tradesys.recording.books import BookStates, replayed_states
from tradesys.recording.replay import RawEvent

FIXTURES = Path(__file__).parents[1] / "fixtures" / "binance"       # the shared captures, as the project keeps them
DERIBIT = FIXTURES.parent / "deribit"


class TouchesAndTickers(BookStates):
    """The book's touch at every update id it reached, and every BBO the subscriber delivered."""

    def __init__(self):
        super().__init__()
        self.touches: dict[tuple[str, int], tuple] = {}
        self.bbos = []

    def on_book(self, message, venue_ts: int = 0, recv_ts: int = 0) -> None:
        super().on_book(message, venue_ts, recv_ts)
        book = self.books.get(message.symbol)
        if book is not None:
            bid, bid_size, ask, ask_size = book.touch()
            self.touches[(message.symbol, book.seq)] = (book.price(bid), book.size(bid_size), book.price(ask),
                                                        book.size(ask_size))

    def on_bbo(self, bbo, *_) -> None:
        self.bbos.append(bbo)


def capture_events(name: str) -> list[RawEvent]:
    """The capture as the recorder keeps frames: the instrument list first, then each REST answer and stream
    frame with its receive time, re-serialised compactly (which gives back the captured bytes)."""
    info = json.loads((FIXTURES / "exchange_info_2021-07-22_subset.json").read_text())["payload"]
    events = [RawEvent(0, "binance-rest", "http://venue/fapi/v1/exchangeInfo",
                       json.dumps(info, separators=(",", ":")).encode())]
    for line in (FIXTURES / name).read_text().splitlines():
        record = json.loads(line)
        data = json.dumps(record["payload"], separators=(",", ":")).encode()
        recv_ts = int(record["recv_ts"] * 1e9)
        if record["kind"] == "rest":
            path = record["request"].split(" ", 1)[1]
            events.append(RawEvent(recv_ts, "binance-rest", f"http://venue{path}", data))
        else:
            events.append(RawEvent(recv_ts, "binance-public-0", "ws://venue/public/stream", data))
    return events


@pytest.mark.parametrize("capture, symbol, points", [("keepusdt_2021-07-22_capture.jsonl", "KEEPUSDT", 13),
                                                     ("ctkusdt_2021-07-22_capture.jsonl", "CTKUSDT", 18)])
async def test_a_real_capture_replayed_through_the_subscriber_matches_every_book_ticker(capture, symbol, points):
    config = BinanceConfig(symbols=[symbol], endpoint=Endpoint.sim, depth_update_ms=100)
    states = await replayed_states(None, config, events=capture_events(capture), handler=TouchesAndTickers())
    assert states.updates > 50 and not states.books[symbol].is_crossed()
    checked = 0
    for bbo in states.bbos:
        touch = states.touches.get((symbol, bbo.venue_seq))
        if touch is not None:
            checked += 1
            assert touch == (get_decimal(bbo.bid_price), get_decimal(bbo.bid_size), get_decimal(bbo.ask_price),
                             get_decimal(bbo.ask_size)), bbo.venue_seq
    assert checked == points


# -- Deribit ---------------------------------------------------------------------------------------------------

def deribit_frames() -> list[tuple[float, str]]:
    """The capture's received frames, (receive time, frame text exactly as on the wire), in receive order."""
    records = [json.loads(line) for line in (DERIBIT / "options_book_ticker_2021-07-22_capture.jsonl").read_text()
               .splitlines()]
    return [(r["recv_ts"], r["frame"]) for r in records if r["direction"] == "received"]


def deribit_options(names: set[str]) -> list[dict]:
    """An instrument object per captured option: the fixture's instrument subset lists two options per currency
    but not these ten, so each gets its currency's listed option (same tick, amount step and contract size on
    the venue) with its own name, strike, type and expiry."""
    listed = {}
    for line in (DERIBIT / "instruments_2021-07-22_subset.jsonl").read_text().splitlines():
        for info in json.loads(line)["payload"]["result"]:
            if info["kind"] == "option":
                listed.setdefault(info["base_currency"], info)
    out = []
    for name in sorted(names):
        currency, _, strike, kind = name.split("-")
        out.append({**listed[currency], "instrument_name": name, "strike": float(strike),
                    "option_type": "call" if kind == "C" else "put"})
    return out


def deribit_events(frames: list[tuple[float, str]], names: set[str]) -> list[RawEvent]:
    """The capture as the recorder keeps a connection of our subscriber to it: the instrument lists it asks for
    (futures: the fixture's subset; options: ``deribit_options``), the venue's documented "ok" to the
    ``public/set_heartbeat`` our session sends first (cryptofeed, which made the capture, sent none), then
    every received frame byte for byte (the subscribe reply is re-addressed to our request by the replay)."""
    futures = [info for line in (DERIBIT / "instruments_2021-07-22_subset.jsonl").read_text().splitlines()
               for info in json.loads(line)["payload"]["result"] if info["kind"] == "future"]
    first = int(frames[0][0] * 1e9)
    api = "http://venue/api/v2/public/get_instruments"
    events = [RawEvent(0, "deribit-rest", f"{api}?currency=any&kind=future",
                       json.dumps({"jsonrpc": "2.0", "result": futures}).encode()),
              RawEvent(first - 2, "deribit-public", "ws://venue/ws/api/v2", b'{"jsonrpc":"2.0","id":1,"result":"ok"}'),
              RawEvent(first - 1, "deribit-rest", f"{api}?currency=any&kind=option",
                       json.dumps({"jsonrpc": "2.0", "result": deribit_options(names)}).encode())]
    events += [RawEvent(int(ts * 1e9), "deribit-public", "ws://venue/ws/api/v2", frame.encode())
               for ts, frame in frames]
    return events


class BooksAndTickers(BookStates):
    """The last BBO the subscriber delivered per instrument."""

    def __init__(self):
        super().__init__()
        self.bbos = {}

    def on_bbo(self, bbo, *_) -> None:
        self.bbos[bbo.symbol] = bbo


def last_tickers(frames) -> dict[str, dict]:
    out = {}
    for _, frame in frames:
        params = json.loads(frame).get("params", {})
        if params.get("channel", "").startswith("ticker."):
            out[params["data"]["instrument_name"]] = params["data"]
    return out


async def test_the_deribit_options_capture_replayed_through_the_subscriber_ends_on_every_tickers_touch():
    frames = deribit_frames()
    tickers = last_tickers(frames)
    names = set(tickers)
    assert len(names) == 10
    config = VenueConfig(venue="deribit", symbols=sorted(names), endpoint=Endpoint.sim, depth_update_ms=0)
    states = await replayed_states(None, config, events=deribit_events(frames, names), handler=BooksAndTickers())
    assert sorted(states.books) == sorted(names)          # every book synced, and none dropped by a break
    assert states.updates == 46                           # 10 snapshots and 36 changes, each applied
    for name, ticker in tickers.items():
        book = states.books[name]
        bid, bid_size, ask, ask_size = book.touch()
        got = (book.price(bid) if bid is not None else 0, book.size(bid_size),
               book.price(ask) if ask is not None else 0, book.size(ask_size))
        want = tuple(Decimal(repr(ticker[key])) for key in ("best_bid_price", "best_bid_amount", "best_ask_price",
                                                            "best_ask_amount"))
        assert got == want, name                           # an empty side: the ticker's 0.0 x 0.0
    two_sided = {name for name, t in tickers.items() if t["best_bid_price"] and t["best_ask_price"]}
    assert len(two_sided) == 8 and set(states.bbos) == two_sided   # a one-sided ticker is no BBO
    for name in two_sided:
        bbo, ticker = states.bbos[name], tickers[name]
        assert (get_decimal(bbo.bid_price), get_decimal(bbo.bid_size), get_decimal(bbo.ask_price),
                get_decimal(bbo.ask_size)) == tuple(Decimal(repr(ticker[key])) for key in (
                    "best_bid_price", "best_bid_amount", "best_ask_price", "best_ask_amount")), name
