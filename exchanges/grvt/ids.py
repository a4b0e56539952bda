"""Our client order ids as GRVT's: a uint64 in decimal, packed so that it maps back exactly.

GRVT's ``client_order_id`` is a number ("client machines should generate a
random clientOrderID in the range [2**63, 2**64 - 1]", spec
``OrderMetadata``). Ours is ``<strategy>-<session>-<n>`` (tradesys/venue/ids.py),
and every service finds an order's owner from it. So the id travels as

    bit 63 = 1 | 14 bits: hash of the strategy | 24 bits: session | 25 bits: n

and comes back through the table of the strategies the account serves: a
number whose hash names none of them is not ours and stays as it is. The
strategies of GRVT draw their ids with ``ID_OPTIONS`` (a 24-bit session and a
25-bit counter, a new session when it is spent). Two strategies whose names
hash alike cannot share an account: ``ClientIdCodec`` refuses them by name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from tradesys.venue.errors import InvalidOrder
from tradesys.venue.ids import ClientOrderIds, base36

HASH_BITS, SESSION_BITS, COUNT_BITS = 14, 24, 25
ID_OPTIONS = {"session_bits": SESSION_BITS, "count_bits": COUNT_BITS}
_TOP = 1 << 63
_SESSION_SHIFT = COUNT_BITS
_HASH_SHIFT = COUNT_BITS + SESSION_BITS


def owner_hash(prefix: str) -> int:
    return int.from_bytes(hashlib.blake2b(prefix.encode(), digest_size=4).digest(), "big") % (1 << HASH_BITS)


class ClientIdCodec:
    def __init__(self, owners: Iterable[str] = ()):
        self._owners: dict[int, str] = {}
        for owner in owners:
            code = owner_hash(owner)
            other = self._owners.setdefault(code, owner)
            if other != owner:
                raise ValueError(f"strategies {other!r} and {owner!r} cannot share a GRVT account: their client "
                                 f"order ids would look alike (rename one)")

    def encode(self, client_order_id: str) -> str:
        """Our id as the venue's decimal uint64; InvalidOrder for an id that does not pack."""
        parts = ClientOrderIds.parts(client_order_id)
        if parts is None:
            raise InvalidOrder(f"client order id {client_order_id!r} is not one of ours", request="order")
        prefix, session, n = parts
        if session >> SESSION_BITS or n >> COUNT_BITS:
            raise InvalidOrder(f"client order id {client_order_id!r} does not fit GRVT's 64 bits (draw it with "
                               f"exchanges.grvt.ids.ID_OPTIONS)", request="order")
        return str(_TOP | owner_hash(prefix) << _HASH_SHIFT | session << _SESSION_SHIFT | n)

    def decode(self, venue_id: str) -> str:
        """The venue's id as ours when one of our strategies made it; otherwise the venue's id unchanged."""
        try:
            number = int(venue_id)
        except (TypeError, ValueError):
            return str(venue_id)
        if not number & _TOP or number >> 64:
            return str(venue_id)
        owner = self._owners.get(number >> _HASH_SHIFT & ((1 << HASH_BITS) - 1))
        if owner is None:
            return str(venue_id)
        session = number >> _SESSION_SHIFT & ((1 << SESSION_BITS) - 1)
        n = number & ((1 << COUNT_BITS) - 1)
        return f"{owner}-{base36(session)}-{base36(n)}"
