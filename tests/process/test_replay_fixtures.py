"""Real Binance captures (tests/fixtures/binance, the shared captures as the project keeps them) served by the
replay server to the production subscriber over loopback: the book it syncs from the REST snapshot and the
diffs has, at every update id a bookTicker shares with a diff, that bookTicker's best bid and ask, price and
quantity (the fixtures' README: KEEPUSDT 13 such points, CTKUSDT 18)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from exchanges.binance.config import BinanceConfig
from tradesys.config.schema import Endpoint
from tradesys.numeric import get_decimal
from tradesys.recording.books import BookStates, replayed_states
from tradesys.recording.replay import RawEvent

FIXTURES = Path(__file__).parents[1] / "fixtures" / "binance"       # the shared captures, as the project keeps them


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
