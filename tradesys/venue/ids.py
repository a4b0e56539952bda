"""Client order ids: unique across processes and restarts, short enough for every venue, mapping back to us.

An id is ``<prefix>-<session>-<n>``: the prefix names the strategy (so a
venue event identifies its owner even after a restart), the session is a
random base-36 word drawn at start (a restarted process never reuses an id
of its previous life), and ``n`` counts up in base 36.

A venue whose client order ids are numbers (GRVT: a uint64) asks for a
narrower session and counter (``session_bits``, ``count_bits``) so that the
venue's codec can pack an id into its number and back; when the counter is
spent a new session is drawn.
"""

from __future__ import annotations

import re
import secrets

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_SAFE = re.compile(r"^[A-Za-z0-9_]+$")
_BASE36 = re.compile(r"^(0|[1-9a-z][0-9a-z]*)$")


def base36(n: int) -> str:
    out = ""
    while True:
        n, digit = divmod(n, 36)
        out = _ALPHABET[digit] + out
        if not n:
            return out


class ClientOrderIds:
    def __init__(self, prefix: str, *, max_length: int = 36, session: str | None = None, session_bits: int = 40,
                 count_bits: int | None = None):
        if not _SAFE.match(prefix):
            raise ValueError(f"client order id prefix {prefix!r}: letters, digits and _ only")
        self.prefix = prefix
        self.session_bits = session_bits
        self.session = session or base36(secrets.randbits(session_bits))
        self.max_length = max_length
        self.max_count = None if count_bits is None else 2**count_bits - 1
        self._next = 0
        if len(prefix) + len(self.session) + 2 + 5 > max_length:   # room for 36**5 ids at least
            raise ValueError(f"client order id prefix {prefix!r} is too long for {max_length} characters")

    def next(self) -> str:
        """A new id, never returned before by any ClientOrderIds of this prefix (with overwhelming odds)."""
        if self.max_count is not None and self._next >= self.max_count:
            self.session, self._next = base36(secrets.randbits(self.session_bits)), 0
        self._next += 1
        value = f"{self.prefix}-{self.session}-{base36(self._next)}"
        if len(value) > self.max_length:
            raise OverflowError(f"client order ids of {self.prefix!r} exhausted at {self.max_length} characters")
        return value

    @staticmethod
    def owner(client_order_id: str) -> str | None:
        """The prefix (strategy) an id of ours carries, or None for an id we did not make."""
        parts = ClientOrderIds.parts(client_order_id)
        return parts[0] if parts is not None else None

    @staticmethod
    def parts(client_order_id: str) -> tuple[str, int, int] | None:
        """(prefix, session, n) of an id of ours, the numbers decoded; None for an id we did not make."""
        parts = client_order_id.rsplit("-", 2)
        if len(parts) != 3 or not _SAFE.match(parts[0]) or not _BASE36.match(parts[1]) or not _BASE36.match(parts[2]):
            return None
        return parts[0], int(parts[1], 36), int(parts[2], 36)
