"""Client order ids: unique across processes and restarts, short enough for every venue, mapping back to us.

An id is ``<prefix>-<session>-<n>``: the prefix names the strategy (so a
venue event identifies its owner even after a restart), the session is a
random base-36 word drawn at start (a restarted process never reuses an id
of its previous life), and ``n`` counts up in base 36.
"""

from __future__ import annotations

import re
import secrets

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_SAFE = re.compile(r"^[A-Za-z0-9_]+$")


def base36(n: int) -> str:
    out = ""
    while True:
        n, digit = divmod(n, 36)
        out = _ALPHABET[digit] + out
        if not n:
            return out


class ClientOrderIds:
    def __init__(self, prefix: str, *, max_length: int = 36, session: str | None = None):
        if not _SAFE.match(prefix):
            raise ValueError(f"client order id prefix {prefix!r}: letters, digits and _ only")
        self.prefix = prefix
        self.session = session or base36(secrets.randbits(40))
        self.max_length = max_length
        self._next = 0
        if len(prefix) + len(self.session) + 2 + 5 > max_length:   # room for 36**5 ids at least
            raise ValueError(f"client order id prefix {prefix!r} is too long for {max_length} characters")

    def next(self) -> str:
        """A new id, never returned before by any ClientOrderIds of this prefix (with overwhelming odds)."""
        self._next += 1
        value = f"{self.prefix}-{self.session}-{base36(self._next)}"
        if len(value) > self.max_length:
            raise OverflowError(f"client order ids of {self.prefix!r} exhausted at {self.max_length} characters")
        return value

    @staticmethod
    def owner(client_order_id: str) -> str | None:
        """The prefix (strategy) an id of ours carries, or None for an id we did not make."""
        parts = client_order_id.rsplit("-", 2)
        return parts[0] if len(parts) == 3 and _SAFE.match(parts[0]) else None
