"""Binance error codes -> the shared error tree, decided in one function from codes, never from text.

HTTP statuses first (protocol notes 4.1): 429 throttled, 418 banned, 5xx
unavailable (and, for a request that may have executed, unknown); then the
venue's ``code`` (4.2). A code not listed is a plain ``VenueRejected``.
"""

from __future__ import annotations

from tradesys.venue.errors import (
    AuthError,
    Banned,
    DuplicateClientOrderId,
    ExchangeError,
    ExecutionUnknown,
    InsufficientMargin,
    InvalidOrder,
    InvalidPrice,
    InvalidQuantity,
    PostOnlyWouldCross,
    RateLimited,
    ReduceOnlyRejected,
    UnknownOrder,
    UnknownSymbol,
    VenueRejected,
    VenueUnavailable,
)

# code -> the error class of a deterministic answer.
_BY_CODE: dict[int, type[ExchangeError]] = {
    -1002: AuthError, -1022: AuthError, -2014: AuthError, -2015: AuthError, -1125: AuthError,
    -1021: InvalidOrder,          # timestamp outside recvWindow: our clock; resync it, do not resend blindly
    -1102: InvalidOrder, -1116: InvalidOrder, -1117: InvalidOrder, -1130: InvalidOrder, -4015: InvalidOrder,
    -4061: InvalidOrder, -4120: InvalidOrder, -5027: InvalidOrder, -5039: InvalidOrder, -4082: InvalidOrder,
    -1121: UnknownSymbol,
    -1111: InvalidPrice, -4013: InvalidPrice, -4002: InvalidPrice, -4014: InvalidPrice, -4016: InvalidPrice,
    -4024: InvalidPrice, -4131: InvalidPrice,
    -4003: InvalidQuantity, -4004: InvalidQuantity, -4005: InvalidQuantity, -4023: InvalidQuantity,
    -4164: InvalidQuantity,
    -5022: PostOnlyWouldCross,
    -2019: InsufficientMargin,
    -2022: ReduceOnlyRejected, -4118: ReduceOnlyRejected,
    -2011: UnknownOrder, -2013: UnknownOrder,
    -4116: DuplicateClientOrderId,
}
# Answers that mean "we don't know whether it executed" (protocol notes 4.2).
_UNKNOWN_EXECUTION = {-1006, -1007}
_THROTTLE_CODES = {-1003, -1015}


def classify(status: int, code: int | None, message: str, *, request: str = "", retry_after_s: float = 0.0,
             may_have_executed: bool = False) -> ExchangeError:
    """The error a Binance answer means. ``may_have_executed``: the request could have changed state
    (order entry), so an ambiguous answer is ExecutionUnknown rather than a plain retry."""
    details = {"request": request, "code": code, "venue_message": message}
    if status == 418:
        return Banned("banned by the venue", retry_after_s=retry_after_s or 60.0, **details)
    if status == 429 or code in _THROTTLE_CODES:
        return RateLimited("throttled by the venue", retry_after_s=retry_after_s or 1.0, **details)
    if status == 403:  # the venue's firewall (WAF): back off as for a throttle
        return RateLimited("blocked by the venue's firewall", retry_after_s=retry_after_s or 5.0, **details)
    if code in _UNKNOWN_EXECUTION or status == 408 or (status >= 500 and may_have_executed and code != -1008):
        return ExecutionUnknown("the venue did not say whether the request executed", **details)
    if status >= 500 or code in (-1001, -1008):
        return VenueUnavailable("the venue cannot serve now", **details)
    if status == 401:
        return AuthError("the venue refused the credentials", **details)
    cls = _BY_CODE.get(code, VenueRejected) if code is not None else VenueRejected
    return cls("the venue rejected the request", **details)
