"""The "top" view end to end: a strategy that reads only the touch gets the market server's top of book, which
is the touch of the full book at every change, and never a delta."""

from __future__ import annotations

from tradesys.aio import wait_until
from tradesys.launcher.farm import Farm
from tradesys.messages import BookSnapshot, BookTop
from tradesys.recording.reader import messages, read_recording
from tradesys.venue.book import L2Book

TOP, BOOK = "md.binance.BTCUSDT.top", "md.binance.BTCUSDT.book"


async def test_a_top_view_strategy_gets_the_full_books_touch_at_every_change_and_no_delta(ray_cluster, tmp_path):
    run_dir = tmp_path / "run"
    async with Farm(run_dir, "recording.enabled=true", "exchange.binance.symbols=[BTCUSDT]",
                    "strategy=[top_probe,probe]") as farm:
        async def updates(name: str) -> int:
            return (await farm.call(name, "status"))["counters"]["book_updates"]

        # Long enough for the market server's periodic snapshot (every 5 s), which the recording starts from.
        await wait_until(lambda: _at_least(updates, "top_probe", 60), "the top view's updates", timeout=60,
                         every=0.5)
        top_probe = await farm.call("top_probe", "status")
        market = (await farm.call("market-binance", "status"))["counters"]
    view = top_probe["view"]["BTCUSDT"]
    assert view["bid"] and view["ask"] and float(view["bid"]) < float(view["ask"])
    # A top message per book message at most (one where the touch moved, and one with every snapshot).
    assert 0 < market["published_top"] <= market["published_book"]

    recorded = sorted(messages(read_recording(run_dir / "recordings")), key=lambda row: row[1])
    books = [message for topic, _, message in recorded if topic == BOOK]
    tops = {message.venue_seq: message for topic, _, message in recorded if topic == TOP}
    assert all(isinstance(message, BookTop) for message in tops.values())
    # The full book rebuilt from the recording, from its first snapshot; its touch after every message.
    first = next(i for i, message in enumerate(books) if isinstance(message, BookSnapshot))
    book, touches = L2Book("BTCUSDT", books[first].price_scale, books[first].size_scale), {}
    for message in books[first:]:
        if isinstance(message, BookSnapshot):
            book.load(zip(message.bid_prices, message.bid_sizes), zip(message.ask_prices, message.ask_sizes),
                      message.venue_seq)
        else:
            assert message.prev_venue_seq == book.seq
            book.apply(message.bid_prices, message.bid_sizes, message.ask_prices, message.ask_sizes,
                       message.venue_seq)
        touches[book.seq] = book.touch()
    seen = [seq for seq in tops if seq in touches]
    assert len(seen) >= 20
    for seq in seen:
        top = tops[seq]
        assert (top.bid_price, top.bid_size, top.ask_price, top.ask_size) == tuple(v or 0 for v in touches[seq]), seq
    # Every change of the touch after the first top message seen was published: none is missed.
    in_order = sorted(touches)
    changed = [after for before, after in zip(in_order, in_order[1:])
               if after > min(seen) and touches[after] != touches[before]]
    assert changed and all(seq in tops for seq in changed)


async def _at_least(read, name: str, target: int) -> bool:
    return await read(name) >= target
