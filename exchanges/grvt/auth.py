"""GRVT credentials and the API-key session (docs/protocols/grvt.md 2).

``POST <edge>/auth/api_key/login {"api_key": K}`` answers with the
``gravity`` cookie (its ``Expires`` a GMT date) and the ``X-Grvt-Account-Id``
header; every private call carries both. ``ApiSession`` (one per process, shared by
its roles) logs in on first use
and again before the cookie expires (``SESSION_REFRESH_BEFORE_S``, or a fifth
of a short session's life), and at once when the venue answers 401: a
caller always gets headers of a live session or a typed error. The private
key signs orders (``signing.py``) and never leaves this process.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from http.cookies import CookieError, SimpleCookie

import aiohttp

from exchanges.grvt import signing
from exchanges.grvt.constants import ACCOUNT_HEADER, LOGIN_PATH, SESSION_COOKIE, SESSION_REFRESH_BEFORE_S
from exchanges.grvt.errors import error_of
from tradesys.venue.errors import AuthError, ConnectivityError, ProtocolError, VenueUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Credentials:
    """The API key (the login) and the private key of its signer (the orders). Neither is in a repr."""

    api_key: str
    private_key: str

    def __post_init__(self):
        if not self.api_key:
            raise ValueError("GRVT needs an API key")
        key = self.private_key if self.private_key.startswith("0x") else "0x" + self.private_key
        try:
            signing.address_of(key)
        except (ValueError, TypeError):
            raise ValueError("the GRVT private key is not a usable Ethereum key (64 hex digits, 0x optional)") from None
        object.__setattr__(self, "private_key", key)

    @classmethod
    def generate(cls) -> Credentials:
        """A fresh key pair (the simulator's, when none is given)."""
        return cls(secrets.token_hex(16), "0x" + secrets.token_hex(32))

    @property
    def api_secret(self) -> str:   # the simulators' common name for the secret half
        return self.private_key

    def __repr__(self) -> str:
        return "Credentials(api_key=***, private_key=***)"

    __str__ = __repr__


def cookie_of(set_cookie: list[str]) -> tuple[str, float]:
    """(token, expiry as epoch seconds) from the login's ``Set-Cookie`` headers; ProtocolError without it."""
    for header in set_cookie:
        try:
            jar = SimpleCookie()
            jar.load(header)
        except CookieError:
            continue
        morsel = jar.get(SESSION_COOKIE)
        if morsel is None or not morsel.value:
            continue
        expires = morsel["expires"]
        try:
            when = parsedate_to_datetime(expires).timestamp() if expires else None
        except (TypeError, ValueError):
            raise ProtocolError(f"login cookie expiry {expires!r} is not a date") from None
        if when is None:
            raise ProtocolError("login cookie has no expiry")
        return morsel.value, when
    raise ProtocolError(f"login answer sets no {SESSION_COOKIE!r} cookie")


def clock_offset(date_header: str, now: float) -> float:
    """The venue's clock minus ours from an answer's ``Date`` (whole seconds); 0 when absent or unreadable,
    and 0 within two seconds (the header's resolution and the trip), so a synchronised clock is left alone."""
    if not date_header:
        return 0.0
    try:
        offset = parsedate_to_datetime(date_header).timestamp() - now
    except (TypeError, ValueError):
        return 0.0
    return offset if abs(offset) > 2.0 else 0.0


class ApiSession:
    def __init__(self, edge_url: str, credentials: Credentials, *, refresh_before_s: float = SESSION_REFRESH_BEFORE_S,
                 clock=time.time, timeout_s: float = 10.0):
        self.edge_url = edge_url.rstrip("/")
        self.credentials = credentials
        self.refresh_before_s = refresh_before_s
        self.clock = clock
        self.timeout_s = timeout_s
        self.account_id = ""
        self._token = ""
        self._expires = 0.0
        self._logged_in_at = 0.0
        self.clock_offset_s = 0.0            # the venue's clock minus ours, from the last login's Date
        self._lock = asyncio.Lock()
        self.counters = {"logins": 0, "refreshes": 0, "login_errors": 0, "refused": 0}

    def _due(self) -> bool:
        if not self._token:
            return True
        # A session of a few minutes (the simulator's, in tests) is refreshed at four fifths of its life.
        margin = min(self.refresh_before_s, (self._expires - self._logged_in_at) / 5)
        return self.clock() >= self._expires - margin

    @property
    def expires_at(self) -> float:
        return self._expires

    async def headers(self) -> dict[str, str]:
        """The cookie and account id of a live session, logging in first when needed."""
        if self._due():
            async with self._lock:
                if self._due():
                    await self._login()
        return {"Cookie": f"{SESSION_COOKIE}={self._token}", ACCOUNT_HEADER: self.account_id}

    def refused(self) -> None:
        """The venue answered 401 with these headers: the next call logs in again."""
        self.counters["refused"] += 1
        self._token = ""

    async def _login(self) -> None:
        refresh = bool(self._token)
        try:
            # A login is rare (an hour apart, or after a refusal): its own HTTP session, so nothing is left
            # open between logins and every role of the process can share this ApiSession.
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s)) as http:
                async with http.post(self.edge_url + LOGIN_PATH, json={"api_key": self.credentials.api_key}) as reply:
                    body = await reply.read()
                    status, set_cookie = reply.status, reply.headers.getall("Set-Cookie", [])
                    account_id = reply.headers.get(ACCOUNT_HEADER, "")
                    date = reply.headers.get("Date", "")
        except (aiohttp.ClientError, OSError) as exc:
            self.counters["login_errors"] += 1
            raise ConnectivityError(f"grvt login: {exc}", request="login") from None
        except TimeoutError:
            self.counters["login_errors"] += 1
            raise VenueUnavailable("grvt login: no answer in time", request="login") from None
        if status != 200:
            self.counters["login_errors"] += 1
            raise error_of(status, body, "login")
        token, venue_expires = cookie_of(set_cookie)
        if not account_id:
            raise ProtocolError(f"login answer has no {ACCOUNT_HEADER} header", request="login")
        now = self.clock()
        # The cookie's Expires is the venue's time; the refresh runs on ours. Moved by the difference the
        # answer's Date shows, a local clock minutes off neither refuses a fresh cookie nor misses a refresh.
        self.clock_offset_s = clock_offset(date, now)
        expires = venue_expires - self.clock_offset_s
        if expires <= now:
            raise AuthError("grvt login: the session cookie is already expired", request="login")
        self._token, self._expires, self.account_id = token, expires, account_id
        self._logged_in_at = now
        self.counters["refreshes" if refresh else "logins"] += 1
        log.info("grvt: session %s, valid for %.0f s (venue clock %+.0f s from ours)",
                 "refreshed" if refresh else "opened", expires - now, self.clock_offset_s)
