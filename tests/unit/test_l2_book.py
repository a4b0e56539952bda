"""The shared L2 book against a naive model: every operation sequence leaves the same levels and best prices."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tradesys.venue.book import L2Book

levels = st.lists(st.tuples(st.sampled_from("ba"), st.integers(1, 60), st.integers(0, 5)), max_size=200)


@given(st.lists(st.tuples(st.integers(1, 60), st.integers(0, 9)), max_size=30),
       st.lists(st.tuples(st.integers(1, 60), st.integers(0, 9)), max_size=30), levels)
def test_best_prices_and_levels_match_a_naive_book_after_any_updates(bids, asks, updates):
    book = L2Book("X", 1, 0)
    book.load(bids, asks, seq=1)
    model = {"b": {p: q for p, q in bids if q}, "a": {p: q for p, q in asks if q}}
    for seq, (side, price, size) in enumerate(updates, start=2):
        if side == "b":
            book.apply([price], [size], [], [], seq)
        else:
            book.apply([], [], [price], [size], seq)
        if size:
            model[side][price] = size
        else:
            model[side].pop(price, None)
        assert book.best_bid == (max(model["b"]) if model["b"] else None)
        assert book.best_ask == (min(model["a"]) if model["a"] else None)
    assert book.bids == model["b"] and book.asks == model["a"]
    assert book.seq == len(updates) + 1


def test_reading_the_book():
    book = L2Book("BTCUSDT", 2, 3)
    book.load([(6800500, 2214), (6800490, 42), (6800480, 0)], [(6800510, 838), (6800520, 218)], seq=7)
    assert book.top(1) == ([(6800500, 2214)], [(6800510, 838)])
    assert book.mid() == Decimal("68005.05") and book.size(2214) == Decimal("2.214")
    assert not book.is_crossed() and len(book) == 4
    other = L2Book("BTCUSDT", 2, 3)
    other.load(book.bids.items(), book.asks.items(), seq=7)
    assert book.same_levels(other) and book.same_levels(other, depth=1)
    other.set_bid(6800510, 1)
    assert other.is_crossed() and not book.same_levels(other)
    book.clear()
    assert book.best_bid is None and book.mid() is None and book.seq == 0


@given(st.lists(st.tuples(st.integers(1, 40), st.integers(1, 9)), max_size=30),
       st.lists(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 3)), max_size=12), max_size=20))
def test_many_levels_in_one_delta_keep_the_best_prices_right(start, deltas):
    book = L2Book("X", 0, 0)
    book.load(start, start, seq=0)
    model = {p: q for p, q in start}
    for seq, levels in enumerate(deltas, start=1):
        prices, sizes = [p for p, _ in levels], [q for _, q in levels]
        book.apply(prices, sizes, prices, sizes, seq)
        for p, q in levels:
            if q:
                model[p] = q
            else:
                model.pop(p, None)
        assert book.best_bid == (max(model) if model else None)
        assert book.best_ask == (min(model) if model else None)
    assert book.bids == model == book.asks


@given(st.lists(st.tuples(st.integers(1, 400), st.integers(1, 9)), max_size=40),
       st.lists(st.tuples(st.integers(1, 400), st.integers(1, 9)), max_size=40),
       st.lists(st.lists(st.tuples(st.sampled_from("ba"), st.integers(1, 400), st.integers(0, 3)), max_size=20),
                max_size=30))
def test_many_levels_at_once_keep_the_best_prices_of_a_sparse_or_dense_book(bids, asks, deltas):
    # Sparse books (gaps wider than the walk from a removed best) and the best removed, re-added and removed
    # again within one delta: the best prices are always the naive max and min.
    book = L2Book("X", 1, 0)
    book.load(bids, asks, seq=1)
    model = {"b": dict(bids), "a": dict(asks)}
    for seq, delta in enumerate(deltas, start=2):
        side_of = {"b": ([], []), "a": ([], [])}
        for side, price, size in delta:
            side_of[side][0].append(price)
            side_of[side][1].append(size)
            if size:
                model[side][price] = size
            else:
                model[side].pop(price, None)
        book.apply(*side_of["b"], *side_of["a"], seq)
        assert book.best_bid == (max(model["b"]) if model["b"] else None)
        assert book.best_ask == (min(model["a"]) if model["a"] else None)
    assert book.bids == model["b"] and book.asks == model["a"]
