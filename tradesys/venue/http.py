"""The HTTP session every REST connector is built on: one aiohttp session, opened on first use and closed
by ``close``; the account's budget charged before a request goes out, and throttled when the venue says
so; and one rule for what a failed exchange means, whatever the venue:

- the connection was never made: ``ConnectivityError`` (nothing reached the venue);
- no answer in time: ``ExecutionUnknown`` for a request that may execute (an order, a cancel), else
  ``VenueUnavailable``;
- the connection broke after the request went out: ``ExecutionUnknown`` for a request that may execute,
  else ``ConnectivityError``.

The venue's answer (status and body) is the subclass's to read: each venue turns its own error bodies into
the shared tree (``errors.py`` of its package). A subclass sends each request through ``guarded``, so the
venue's circuit breakers (``breaker.py``) see every outcome and refuse requests while one is open.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import aiohttp
from multidict import CIMultiDictProxy

from tradesys.venue.breaker import Breakers, family_of
from tradesys.venue.errors import ConnectivityError, ExecutionUnknown, RateLimited, VenueUnavailable
from tradesys.venue.ratelimit import RateLimiter
from tradesys.venue.ws import RawTap

T = TypeVar("T")


class HttpSession:
    """``venue`` names the connector in messages; ``limiter`` is the account's budget (None: not metered);
    ``breakers`` the venue connection's circuit breakers (None: none)."""

    venue = "venue"

    def __init__(self, limiter: RateLimiter | None, timeout_s: float = 10.0, breakers: Breakers | None = None):
        self.limiter = limiter
        self.timeout_s = timeout_s
        self.breakers = breakers
        # Hears every public answer (a request with no key or signature: no header, no body; or one its caller
        # calls public) as it arrived, with its URL: the market server keeps a REST book snapshot (an instrument
        # list) beside the stream frames it is synced with.
        self.on_raw: RawTap | None = None
        # True: every answer is heard, private ones too (an engine's order answers; its tap withholds a frame
        # that carries a credential and keeps the URL without its signed query).
        self.keeps_private_answers = False
        self._http: aiohttp.ClientSession | None = None

    def keep_answers(self, tap: RawTap) -> None:
        """Hand every answer to ``tap``, private ones too (an engine's connections: its tap withholds what
        carries a credential)."""
        self.on_raw, self.keeps_private_answers = tap, True

    async def start(self) -> None:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def guarded(self, name: str, send: Callable[[], Awaitable[T]], *, may_execute: bool,
                      private: bool) -> T:
        """``send()`` (the whole request: budget, exchange, reading the answer) through the breaker of its
        family; CircuitOpen, nothing sent, while that breaker is open."""
        if self.breakers is None:
            return await send()
        return await self.breakers.call(family_of(may_execute=may_execute, private=private), name, send)

    async def charge(self, costs: Mapping[str, int], name: str) -> None:
        """Wait until the budget has room for ``costs`` (limit name -> units) and take them."""
        if self.limiter is not None:
            await self.limiter.acquire(costs, name)

    async def throttled(self, error: Exception, why: str, *, banned: bool = False) -> None:
        """The venue said we are over a limit: the whole account's budget waits the venue's time out."""
        if isinstance(error, RateLimited) and self.limiter is not None:
            await self.limiter.throttled(error.retry_after_s, why, banned=banned)

    async def send(self, method: str, url, *, name: str, may_execute: bool = False,
                   headers: Mapping[str, str] | None = None, data: str | bytes | None = None,
                   public: bool = False) -> tuple[int, CIMultiDictProxy[str], bytes]:
        """One exchange: the answer's status, headers and body, or the shared error for a failed one.
        ``public``: the caller says the request carries no credential (a JSON body of a public query, GRVT's
        market data), so its answer is kept as a raw frame although it has headers or a body."""
        await self.start()
        try:
            async with self._http.request(method, url, headers=headers, data=data) as response:
                body = await response.read()
                if self.on_raw is not None and (public or self.keeps_private_answers or (not headers and data is None)):
                    self.on_raw(f"{self.venue.split()[0]}-rest", str(url), body.decode("utf-8", "replace"),
                                time.time_ns())
                return response.status, response.headers, body
        except aiohttp.ClientConnectorError as exc:
            raise ConnectivityError(f"{self.venue} {name}: cannot connect: {exc}", request=name) from None
        except TimeoutError:
            if may_execute:
                raise ExecutionUnknown(f"{self.venue} {name}: no answer in time", request=name) from None
            raise VenueUnavailable(f"{self.venue} {name}: no answer in time", request=name) from None
        except (aiohttp.ClientError, OSError) as exc:
            if may_execute:
                raise ExecutionUnknown(f"{self.venue} {name}: connection lost before the answer "
                                       f"({type(exc).__name__})", request=name) from None
            raise ConnectivityError(f"{self.venue} {name}: {type(exc).__name__}: {exc}", request=name) from None
