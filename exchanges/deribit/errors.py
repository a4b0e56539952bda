"""Deribit error codes -> the shared error tree, decided in one place from codes (never from text).

Codes: docs/protocols/deribit.md section 4. A code not listed is a rejection
of the request (``VenueRejected``), never silently retried.
"""

from __future__ import annotations

from tradesys.venue.errors import (
    AuthError,
    ExchangeError,
    InsufficientMargin,
    InvalidOrder,
    InvalidPrice,
    InvalidQuantity,
    PostOnlyWouldCross,
    ProtocolError,
    RateLimited,
    UnknownOrder,
    UnknownSymbol,
    VenueRejected,
    VenueUnavailable,
)

_RATE_LIMITED = {10028, 10047, 11035}                  # too_many_requests, matching_engine_queue_full
_UNAVAILABLE = {10040, 10041, 11051, 11094, 10048}      # retry, settlement, maintenance, internal error
_AUTH = {10000, 13004, 13009, 13021, 9999, 13001, 13002, 13012}
_UNKNOWN_ORDER = {10004, 10010, 11044, 10029}          # not found, already closed, not open, not owner
_PRICE = {10005, 10006, 10007, 10008, 10011, 10026, 10043}
_QUANTITY = {10002, 10021, 10022, 10027, 10032}
_SYMBOL = {10020, 13020, 10012, 13019}
_INVALID = {-32600, -32602, -32000, 11029, 11043, 11047, 11049, 11050, 10025, 13010, 13016}


def classify(code: int, message: str, data=None, *, request: str = "") -> ExchangeError:
    """The error for a JSON-RPC error object (``request``: the method, never its params)."""
    text = f"{message} {data}" if data else message
    kwargs = {"request": request, "code": code, "venue_message": text}
    if code in _RATE_LIMITED:
        return RateLimited("deribit throttled the request", retry_after_s=1.0, **kwargs)
    if code in _UNAVAILABLE:
        return VenueUnavailable("deribit cannot serve the request now", **kwargs)
    if code in _AUTH:
        return AuthError("deribit refused the credentials or token", **kwargs)
    if code in _UNKNOWN_ORDER:
        return UnknownOrder("the order is not open on deribit", **kwargs)
    if code == 10009:
        return InsufficientMargin("not enough funds", **kwargs)
    if code == 11054:
        return PostOnlyWouldCross("the post-only order would take liquidity", **kwargs)
    if code in _PRICE:
        return InvalidPrice("deribit refused the price", **kwargs)
    if code in _QUANTITY:
        return InvalidQuantity("deribit refused the amount", **kwargs)
    if code in _SYMBOL:
        return UnknownSymbol("deribit does not know the instrument", **kwargs)
    if code in (-32700, -32601):
        return ProtocolError("deribit could not read our request", **kwargs)
    if code in _INVALID:
        return InvalidOrder("deribit refused the arguments", **kwargs)
    return VenueRejected("deribit refused the request", **kwargs)
