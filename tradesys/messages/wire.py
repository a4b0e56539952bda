"""A ``BookDelta`` written straight from the integer lists a market server already holds.

A delta is the bus's most frequent message. Building the protobuf object costs a conversion of every Python int
into upb's arrays, then a serialisation (3.9 us a 15-level delta here); ``LevelsDelta.SerializeToString`` packs
the sequence numbers and the four lists in one ``struct`` call whose layout is kept per list lengths (1.0 us).
``BookDelta``'s numbers are fixed-width for this (market.proto): a packed ``sfixed64`` list is its values as
8-byte little-endian integers, one after the other. What reads the bus decodes ``BookDelta`` as before:
``decode_body`` never sees this class.
"""

from __future__ import annotations

import struct

from tradesys.messages.market_pb2 import BookDelta

# fixed64 venue_seq = 11, fixed64 prev_venue_seq = 12 (wire type 1): each value after its tag.
_TAG_VENUE_SEQ, _TAG_PREV_VENUE_SEQ = (11 << 3) | 1, (12 << 3) | 1
# repeated sfixed64 bid_prices = 13 .. ask_sizes = 16, packed (wire type 2): tag, length in bytes, the values.
_ARRAY_TAGS = (bytes([(13 << 3) | 2]), bytes([(14 << 3) | 2]), bytes([(15 << 3) | 2]),
               bytes([((16 << 3) | 2) & 0x7F | 0x80, ((16 << 3) | 2) >> 7]))
_CACHED_LEVELS = 64                 # layouts kept for deltas of up to this many levels a list


def varint(value: int) -> bytes:
    """``value`` (>= 0) as a protobuf varint."""
    out = bytearray()
    while value > 0x7F:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_prefixes: dict[tuple[str, str, int, int], bytes] = {}
_layouts: dict[tuple[int, int, int, int], tuple] = {}


def _prefix(venue: str, symbol: str, price_scale: int, size_scale: int) -> bytes:
    """Fields 1-4, the same for every delta of a book: serialised by upb once."""
    key = (venue, symbol, price_scale, size_scale)
    prefix = _prefixes.get(key)
    if prefix is None:
        prefix = BookDelta(venue=venue, symbol=symbol, price_scale=price_scale,
                           size_scale=size_scale).SerializeToString()
        if len(_prefixes) < 100_000:
            _prefixes[key] = prefix
    return prefix


def _layout(counts: tuple[int, int, int, int]) -> tuple:
    """The packer of fields 11-16 for lists of these lengths, and each list's head (its tag and byte length) as
    the numbers the packer writes before the list: the whole tail of the message in one ``struct`` call,
    little-endian whatever the host."""
    formats, heads = ["<BQBQ"], []
    for tag, count in zip(_ARRAY_TAGS, counts):
        head = tag + varint(8 * count)
        formats.append(f"{len(head)}B{count}q")
        heads.append(tuple(head))
    layout = (struct.Struct("".join(formats)).pack, *heads)
    if max(counts) <= _CACHED_LEVELS:
        _layouts[counts] = layout
    return layout


class LevelsDelta:
    """A book delta as the lists the book applied (absolute sizes, 0 removes a level), with the venue's update
    ids: what a subscriber hands its market server, which publishes ``SerializeToString()`` as a ``BookDelta``
    (``tradesys.messages.KIND_OF`` gives it that kind). ``message()`` is the protobuf object, for whoever
    wants one. A number out of range raises ValueError, as the protobuf object would."""

    __slots__ = ("venue", "symbol", "price_scale", "size_scale", "venue_seq", "prev_venue_seq", "bid_prices",
                 "bid_sizes", "ask_prices", "ask_sizes")

    def __init__(self, venue: str, symbol: str, price_scale: int, size_scale: int, venue_seq: int,
                 prev_venue_seq: int, levels: tuple[list[int], list[int], list[int], list[int]]):
        self.venue, self.symbol, self.price_scale, self.size_scale = venue, symbol, price_scale, size_scale
        self.venue_seq, self.prev_venue_seq = venue_seq, prev_venue_seq
        self.bid_prices, self.bid_sizes, self.ask_prices, self.ask_sizes = levels

    def SerializeToString(self) -> bytes:  # noqa: N802 - the protobuf method's name: publishers call either
        bid_prices, bid_sizes, ask_prices, ask_sizes = self.bid_prices, self.bid_sizes, self.ask_prices, self.ask_sizes
        counts = (len(bid_prices), len(bid_sizes), len(ask_prices), len(ask_sizes))
        layout = _layouts.get(counts)
        pack, bid_head, bid_size_head, ask_head, ask_size_head = layout if layout is not None else _layout(counts)
        prefix = _prefixes.get((self.venue, self.symbol, self.price_scale, self.size_scale))
        if prefix is None:
            prefix = _prefix(self.venue, self.symbol, self.price_scale, self.size_scale)
        try:
            return prefix + pack(_TAG_VENUE_SEQ, self.venue_seq, _TAG_PREV_VENUE_SEQ, self.prev_venue_seq,
                                 *bid_head, *bid_prices, *bid_size_head, *bid_sizes, *ask_head, *ask_prices,
                                 *ask_size_head, *ask_sizes)
        except struct.error as exc:
            raise ValueError(f"{self.symbol} delta {self.venue_seq}: a number out of range: {exc}") from None

    def message(self) -> BookDelta:
        return BookDelta.FromString(self.SerializeToString())

    def __repr__(self) -> str:
        return (f"LevelsDelta({self.venue} {self.symbol} {self.prev_venue_seq}->{self.venue_seq}, "
                f"{len(self.bid_prices)} bids, {len(self.ask_prices)} asks)")
