"""Books as tests compare them: the simulator's levels, ours, and a book rebuilt only from what a subscriber
published (which proves the published stream consistent: every delta follows the last)."""

from __future__ import annotations

from tradesys.messages import BookSnapshot
from tradesys.sim.orders import Side as SimSide
from tradesys.venue.book import L2Book


def sim_levels(sim, symbol):
    """{price: size} of each side of the simulator's own book, as Decimals."""
    instrument = sim.exchange.instruments[symbol]
    book = sim.exchange.engines[symbol].book
    return ({instrument.price(p): instrument.qty(q) for p, q in book.levels(SimSide.BUY)},
            {instrument.price(p): instrument.qty(q) for p, q in book.levels(SimSide.SELL)})


def our_levels(book: L2Book):
    return ({book.price(p): book.size(q) for p, q in book.bids.items()},
            {book.price(p): book.size(q) for p, q in book.asks.items()})


def rebuilt(recorder, symbol, scales):
    """The book rebuilt only from what the subscriber published, checking that every delta follows."""
    book = L2Book(symbol, *scales)
    for message in recorder.books:
        if message.symbol != symbol:
            continue
        if isinstance(message, BookSnapshot):
            book.load(zip(message.bid_prices, message.bid_sizes), zip(message.ask_prices, message.ask_sizes),
                      message.venue_seq)
        else:
            assert message.prev_venue_seq == book.seq, "a published delta does not follow the last one"
            book.apply(message.bid_prices, message.bid_sizes, message.ask_prices, message.ask_sizes, message.venue_seq)
    return our_levels(book)
