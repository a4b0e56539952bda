"""Binance's rate limits as the venue applies them: fixed windows, 429, then a ban (418).

- IP request weight: ``ip_weight_per_minute`` per IP per minute window.
- The spot host's ``/sapi`` family keeps its own IP weight, ``sapi_ip_weight_per_minute``
  (12,000; it shares nothing with ``/fapi``).
- Order count per account: ``orders_per_10s`` and ``orders_per_minute``.
- Over a limit: HTTP 429 (-1003 weight, -1015 orders) with ``Retry-After``
  (seconds to the window's end). A client that sends again while over the
  limit is banned for ``ban_ms`` and answered 418 until the ban ends.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exchanges.binance.simulator.errors import ApiError


@dataclass
class _Window:
    length_ms: int
    start: int = 0
    used: int = 0

    def add(self, amount: int, now_ms: int) -> int:
        start = now_ms - now_ms % self.length_ms
        if start != self.start:
            self.start, self.used = start, 0
        self.used += amount
        return self.used

    def seconds_left(self, now_ms: int) -> int:
        return max(1, -(-(self.start + self.length_ms - now_ms) // 1000))


@dataclass
class RateLimits:
    ip_weight_per_minute: int = 2400
    sapi_ip_weight_per_minute: int = 12_000
    orders_per_10s: int = 300
    orders_per_minute: int = 1200
    ban_ms: int = 120_000
    _ip: dict[str, _Window] = field(default_factory=dict)
    _sapi_ip: dict[str, _Window] = field(default_factory=dict)
    _orders_10s: dict[str, _Window] = field(default_factory=dict)
    _orders_1m: dict[str, _Window] = field(default_factory=dict)
    _over: dict[str, int] = field(default_factory=dict)     # ip -> the window start in which it got a 429
    _banned: dict[str, int] = field(default_factory=dict)   # ip -> banned until (ms)

    def charge(self, ip: str, weight: int, now_ms: int) -> int:
        """Count ``weight`` for ``ip``; return the weight used this minute, or raise 429/418."""
        banned_until = self._banned.get(ip, 0)
        if now_ms < banned_until:
            raise ApiError(418, -1003, f"Way too many requests; IP banned until {banned_until}. Please use the "
                                       f"websocket for live updates to avoid bans.",
                           retry_after=-(-(banned_until - now_ms) // 1000))
        window = self._ip.setdefault(ip, _Window(60_000))
        return self._count(ip, window, weight, self.ip_weight_per_minute, now_ms)

    def charge_sapi(self, ip: str, weight: int, now_ms: int) -> int:
        """Count ``weight`` for ``ip`` on the spot host's ``/sapi`` family; as ``charge``, with its own limit."""
        if now_ms < self._banned.get(ip, 0):
            return self.charge(ip, 0, now_ms)  # a banned IP is banned on every family (418)
        window = self._sapi_ip.setdefault(ip, _Window(60_000))
        return self._count(ip, window, weight, self.sapi_ip_weight_per_minute, now_ms)

    def _count(self, ip: str, window: _Window, weight: int, limit: int, now_ms: int) -> int:
        used = window.add(weight, now_ms)
        if used > limit:
            if self._over.get(ip) == window.start:  # ignored the 429: ban
                self._banned[ip] = now_ms + self.ban_ms
                return self.charge(ip, 0, now_ms)
            self._over[ip] = window.start
            raise ApiError(429, -1003, f"Too many requests; current limit is {limit} requests "
                                       f"per minute. Please use the websocket for live updates to avoid polling "
                                       f"the API.", retry_after=window.seconds_left(now_ms))
        return used

    def count_orders(self, account: str, count: int, now_ms: int) -> tuple[int, int]:
        """Count new/modify orders; return (used in 10 s, used in 1 min), or raise 429 -1015."""
        ten = self._orders_10s.setdefault(account, _Window(10_000))
        minute = self._orders_1m.setdefault(account, _Window(60_000))
        used_10s, used_1m = ten.add(count, now_ms), minute.add(count, now_ms)
        for used, limit, window, span in ((used_10s, self.orders_per_10s, ten, "10 seconds"),
                                          (used_1m, self.orders_per_minute, minute, "1 minute")):
            if used > limit:
                raise ApiError(429, -1015, f"Too many new orders; current limit is {limit} orders per {span}.",
                               retry_after=window.seconds_left(now_ms))
        return used_10s, used_1m

    def used_weight(self, ip: str, now_ms: int) -> int:
        window = self._ip.get(ip)
        return window.add(0, now_ms) if window else 0
