"""A strategy that only listens: for checking a feed's latency and for the pipeline benchmark.

It never trades. Its actor measures what every strategy actor measures
(venue receive -> ``on_book`` latency, book updates delivered); the probe
adds nothing but a count, so those figures are the pipeline's own.
"""

from __future__ import annotations

from tradesys.strategy import AbstractStrategy


class BookProbe(AbstractStrategy):
    def __init__(self, ctx, params):
        super().__init__(ctx, params)
        self.books = 0

    def on_book(self, symbol, book) -> None:
        self.books += 1


class TopProbe(BookProbe):
    """The same, on the "top" view: the market server's top of book instead of every delta."""

    book_view = "top"
