"""What can go wrong talking to a venue, as one tree shared by every connector.

    ExchangeError
    ├── TransientError              retry: reconnect, back off, try again later
    │   ├── ConnectivityError       socket or HTTP connection failed, closed, or timed out before sending
    │   ├── VenueUnavailable        the venue answered 5xx, "overloaded", maintenance
    │   ├── RateLimited             429 / venue throttle: wait ``retry_after_s``
    │   │   └── Banned              418 / IP ban: wait until ``retry_after_s``, send nothing
    │   ├── ExecutionUnknown        sent, but no verdict (timeout, 5xx after send): reconcile before resending
    │   └── CircuitOpen             refused here, nothing sent: the venue kept failing (``breaker.py``)
    ├── SequenceGap                 a stream lost messages: resync from a fresh snapshot
    ├── AuthError                   bad key, signature, expired session or listen key the venue refuses
    ├── ProtocolError               the venue sent something we cannot read (logged and counted, never a crash)
    └── VenueRejected               the venue deterministically refused the request; retrying is pointless
        ├── InvalidOrder            parameters, timestamps, client order ids
        │   ├── InvalidPrice        off the tick, outside the band or the filter
        │   ├── InvalidQuantity     off the lot, below the minimum quantity or notional
        │   └── UnknownSymbol
        ├── PostOnlyWouldCross
        ├── InsufficientMargin
        ├── ReduceOnlyRejected
        ├── UnknownOrder
        └── DuplicateClientOrderId

Each venue's ``errors.py`` maps the venue's codes to these in one ``classify()``,
from codes, never from message text. ``is_transient`` is the one question a
retry loop asks. Every error carries what it was about (``request``: method
and path or RPC method, never parameters, so never a secret) and, when the
venue said something, its ``code`` and ``venue_message``.
"""

from __future__ import annotations

from tradesys.messages import RejectReason


class ExchangeError(Exception):
    """Base of every connector error."""

    def __init__(self, message: str, *, request: str = "", code: int | str | None = None,
                 venue_message: str = ""):
        self.request, self.code, self.venue_message = request, code, venue_message
        details = [part for part in (request, f"code {code}" if code is not None else "", venue_message) if part]
        super().__init__(f"{message} ({'; '.join(details)})" if details else message)


class TransientError(ExchangeError):
    """Worth retrying after a pause; nothing is known to be wrong with the request itself."""


class ConnectivityError(TransientError):
    """The connection failed or closed; the request was not delivered."""


class VenueUnavailable(TransientError):
    """The venue is up but cannot serve now (5xx, overload, maintenance)."""


class RateLimited(TransientError):
    """The venue throttled us; wait ``retry_after_s`` seconds before the next call of this kind."""

    def __init__(self, message: str, *, retry_after_s: float, **kwargs):
        self.retry_after_s = retry_after_s
        super().__init__(message, **kwargs)


class Banned(RateLimited):
    """The venue banned us for a while (Binance 418): send nothing until ``retry_after_s`` has passed."""


class ExecutionUnknown(TransientError):
    """The request was sent but no verdict came back: it may or may not have been executed.
    Reconcile by client order id before sending it again."""


class CircuitOpen(TransientError):
    """Refused before sending: the venue's breaker for this family of requests is open (it kept failing)."""


class SequenceGap(ExchangeError):
    """A stream's sequence broke; the local state is wrong until resynchronised from a snapshot."""


class AuthError(ExchangeError):
    """The venue refused our credentials or session; not retried until the cause is fixed."""


class ProtocolError(ExchangeError):
    """A venue message we cannot read: malformed, or a state we do not know."""


class VenueRejected(ExchangeError):
    """The venue refused the request as it stands; ``reason`` is our classification of why."""

    reason: int = RejectReason.REJECT_REASON_VENUE_REJECTED


class InvalidOrder(VenueRejected):
    reason = RejectReason.REJECT_REASON_INVALID_REQUEST


class InvalidPrice(InvalidOrder):
    reason = RejectReason.REJECT_REASON_INVALID_PRICE


class InvalidQuantity(InvalidOrder):
    reason = RejectReason.REJECT_REASON_INVALID_QUANTITY


class UnknownSymbol(InvalidOrder):
    reason = RejectReason.REJECT_REASON_UNKNOWN_SYMBOL


class PostOnlyWouldCross(VenueRejected):
    reason = RejectReason.REJECT_REASON_POST_ONLY_WOULD_CROSS


class InsufficientMargin(VenueRejected):
    reason = RejectReason.REJECT_REASON_INSUFFICIENT_MARGIN


class ReduceOnlyRejected(VenueRejected):
    reason = RejectReason.REJECT_REASON_RISK_LIMIT


class UnknownOrder(VenueRejected):
    reason = RejectReason.REJECT_REASON_UNKNOWN_ORDER


class DuplicateClientOrderId(VenueRejected):
    reason = RejectReason.REJECT_REASON_DUPLICATE_CLIENT_ORDER_ID


def is_transient(error: BaseException) -> bool:
    """True when retrying later may succeed (the one question a retry loop asks)."""
    return isinstance(error, TransientError)


def reject_reason(error: BaseException) -> int:
    """The ``RejectReason`` to report for a failed request."""
    if isinstance(error, VenueRejected):
        return error.reason
    if isinstance(error, RateLimited):
        return RejectReason.REJECT_REASON_RATE_LIMIT
    if isinstance(error, AuthError):
        return RejectReason.REJECT_REASON_AUTH
    if isinstance(error, TransientError):
        return RejectReason.REJECT_REASON_VENUE_UNAVAILABLE
    return RejectReason.REJECT_REASON_VENUE_REJECTED


__all__ = [
    "AuthError", "Banned", "CircuitOpen", "ConnectivityError", "DuplicateClientOrderId", "ExchangeError",
    "ExecutionUnknown", "InsufficientMargin", "InvalidOrder", "InvalidPrice", "InvalidQuantity", "PostOnlyWouldCross",
    "ProtocolError", "RateLimited", "ReduceOnlyRejected", "SequenceGap", "TransientError", "UnknownOrder",
    "UnknownSymbol", "VenueRejected", "VenueUnavailable", "is_transient", "reject_reason",
]
