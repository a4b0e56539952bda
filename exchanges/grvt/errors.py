"""GRVT error codes -> the shared error tree, decided in one place from codes (docs/protocols/grvt.md 4)."""

from __future__ import annotations

import msgspec

from tradesys.venue.errors import (
    AuthError,
    DuplicateClientOrderId,
    ExchangeError,
    InsufficientMargin,
    InvalidOrder,
    InvalidPrice,
    InvalidQuantity,
    ProtocolError,
    RateLimited,
    ReduceOnlyRejected,
    UnknownOrder,
    UnknownSymbol,
    VenueRejected,
    VenueUnavailable,
)

_AUTH = {1000, 1001, 1008, 1012, 1400, 2000, 2001, 2002, 2003, 2004, 2005, 2006, 2007}
_UNAVAILABLE = {1002, 1005, 1009}
_RATE = {1006, 2090}
_QUANTITY = {2062, 2063, 2065, 2066, 2067, 2081, 2083}
_REDUCE_ONLY = {2400, 2401, 2402}
_INVALID = {1003, 2010, 2011, 2020, 2021, 2030, 2031, 2032, 2040, 2041, 2042, 2050, 2051, 2082, 2084}


def classify(status: int, code: int | None, message: str = "", *, request: str = "") -> ExchangeError:
    """The error for a non-2xx answer (``request``: the route, never its body)."""
    kwargs = {"request": request, "code": code, "venue_message": message}
    if code in _RATE or status == 429:
        return RateLimited("grvt throttled the request", retry_after_s=1.0, **kwargs)
    if code in _UNAVAILABLE or status >= 500:
        return VenueUnavailable("grvt cannot serve the request now", **kwargs)
    if code in _AUTH or status in (401, 403):
        return AuthError("grvt refused the session or the signature", **kwargs)
    if code == 2012:
        return DuplicateClientOrderId("the client order id is already in use", **kwargs)
    if code == 2064:
        return InvalidPrice("grvt refused the price", **kwargs)
    if code in _QUANTITY:
        return InvalidQuantity("grvt refused the size", **kwargs)
    if code == 2080:
        return InsufficientMargin("insufficient margin", **kwargs)
    if code in _REDUCE_ONLY:
        return ReduceOnlyRejected("the reduce-only order would not reduce", **kwargs)
    if code in (2060, 2061):
        return UnknownSymbol("grvt does not trade the instrument", **kwargs)
    if code == 1004:
        return UnknownOrder("grvt has no such order", **kwargs)
    if code in _INVALID:
        return InvalidOrder("grvt refused the order", **kwargs)
    if code is None:
        return ProtocolError(f"grvt answered {status} without an error code", **kwargs)
    return VenueRejected("grvt refused the request", **kwargs)


_ERROR_BODY = msgspec.json.Decoder(dict)


def error_of(status: int, body: bytes, request: str) -> ExchangeError:
    """The error an answer's status and body mean (full or lite names: ``code``/``c``, ``message``/``m``)."""
    try:
        fields = _ERROR_BODY.decode(body) if body.strip() else {}
    except (msgspec.DecodeError, msgspec.ValidationError):
        fields = {}
    code = fields.get("code", fields.get("c"))
    message = fields.get("message", fields.get("m", ""))
    return classify(status, code if isinstance(code, int) else None, str(message)[:200], request=request)
