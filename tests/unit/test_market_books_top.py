"""A strategy's books: the "top" view (each top-of-book message is the whole book it keeps), and what they count."""

from __future__ import annotations

from tradesys.messages import BookTop
from tradesys.strategy.books import MarketBooks


def top(bid: int, bid_size: int, ask: int, ask_size: int, seq: int) -> BookTop:
    return BookTop(venue="binance", symbol="BTCUSDT", price_scale=1, size_scale=3, venue_seq=seq, bid_price=bid,
                   bid_size=bid_size, ask_price=ask, ask_size=ask_size)


def test_each_top_message_replaces_the_book_and_the_strategy_hears_of_it():
    heard = []
    books = MarketBooks(("BTCUSDT",), lambda *call: heard.append(call))
    books.on_top(top(650000, 1500, 650001, 20, seq=7), recv_ts=0)
    book = books.book("BTCUSDT")
    assert (book.best_bid, book.bids, book.best_ask, book.asks, book.seq) == (650000, {650000: 1500}, 650001,
                                                                              {650001: 20}, 7)
    assert heard[0] == ("on_book_status", "BTCUSDT", True, "top of book") and heard[1][0] == "on_book"
    assert str(book.mid()) == "65000.05"
    books.on_top(top(649999, 300, 0, 0, seq=9), recv_ts=0)          # the ask side emptied, the bid moved
    assert (book.best_bid, book.bids, book.best_ask, book.asks) == (649999, {649999: 300}, None, {})
    assert books.count["book_updates"] == 2 and len(heard) == 3      # one status, two books


def test_snapshots_are_counted_apart_from_the_deltas_among_the_book_updates():
    from tradesys.messages import BookDelta, BookSnapshot

    books = MarketBooks(("BTCUSDT",), lambda *call: None)
    books.on_message(BookSnapshot(venue="binance", symbol="BTCUSDT", price_scale=1, size_scale=3, venue_seq=5,
                                  bid_prices=[650000], bid_sizes=[10], ask_prices=[650001], ask_sizes=[20]), 0)
    for seq in (6, 7):
        books.on_message(BookDelta(venue="binance", symbol="BTCUSDT", prev_venue_seq=seq - 1, venue_seq=seq,
                                   bid_prices=[650000], bid_sizes=[seq]), 0)
    books.on_message(BookDelta(venue="binance", symbol="BTCUSDT", prev_venue_seq=9, venue_seq=10), 0)  # a gap
    assert books.count == {"book_updates": 3, "book_snapshots": 1, "book_drops": 1, "market_server_losses": 0}
