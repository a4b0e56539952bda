"""The venue's JSON-RPC errors, and the one function that maps a simulator refusal to its error.

Codes and messages: docs/protocols/deribit.md section 4 (ccxt's table of the
venue's codes). Where the venue does not say which code a refusal gets, the
choice is written here and in that page.
"""

from __future__ import annotations

from exchanges.deribit.simulator.rpc import RpcError
from tradesys.sim.errors import RejectCode

UNAUTHORIZED = RpcError(13009, "unauthorized")
INVALID_CREDENTIALS = RpcError(13004, "invalid_credentials")
TOO_MANY_REQUESTS = RpcError(10028, "too_many_requests", http_status=429)
MUST_BE_WEBSOCKET = RpcError(10030, "must_be_websocket_request")
RAW_NEEDS_AUTH = RpcError(13778, "raw_subscriptions_not_available_for_unauthorized")
ORDER_NOT_FOUND = RpcError(10004, "order_not_found")
NOT_OPEN_ORDER = RpcError(11044, "not_open_order")


def unknown_instrument(name: str) -> RpcError:
    return RpcError(13020, "not_found", {"param": "instrument_name", "reason": f"unknown instrument {name!r}"})


def invalid_arguments(param: str, reason: str) -> RpcError:
    return RpcError(11029, "invalid_arguments", {"param": param, "reason": reason})


_SIMPLE: dict[RejectCode, tuple[int, str]] = {
    RejectCode.INVALID_QUANTITY: (10021, "invalid_amount"),
    RejectCode.QUANTITY_BELOW_MIN: (10002, "qty_too_low"),
    RejectCode.QUANTITY_ABOVE_MAX: (10021, "invalid_amount"),
    RejectCode.QUANTITY_NOT_ON_STEP: (10021, "invalid_amount"),
    RejectCode.PRICE_BELOW_MIN: (10005, "price_too_low"),
    RejectCode.PRICE_ABOVE_MAX: (10007, "price_too_high"),
    RejectCode.PRICE_NOT_ON_TICK: (10043, "price_wrong_tick"),
    RejectCode.PRICE_ABOVE_BAND: (10007, "price_too_high"),
    RejectCode.PRICE_BELOW_BAND: (10005, "price_too_low"),
    RejectCode.POST_ONLY_WOULD_CROSS: (11054, "post_only_reject"),
    RejectCode.INSUFFICIENT_MARGIN: (10009, "not_enough_funds"),
    RejectCode.UNKNOWN_ORDER: (10004, "order_not_found"),
    RejectCode.UNKNOWN_SYMBOL: (13020, "not_found"),
    RejectCode.UNKNOWN_ACCOUNT: (13009, "unauthorized"),
}
# Refusals the venue files under 11030 other_reject with a reason (the simulator's choice).
_OTHER = {RejectCode.FOK_NOT_FILLABLE: "fok_not_filled", RejectCode.REDUCE_ONLY_REJECTED: "reduce_only",
          RejectCode.MAX_OPEN_ORDERS: "max_open_orders", RejectCode.DUPLICATE_CLIENT_ORDER_ID: "duplicate",
          RejectCode.MODIFY_NOT_LIMIT: "not_limit_order", RejectCode.MODIFY_SIDE_MISMATCH: "side",
          RejectCode.MODIFY_NO_CHANGE: "no_change", RejectCode.NOTIONAL_BELOW_MIN: "whole_cost_too_low",
          RejectCode.ORDERS_REJECTED_BY_FAULT: "rejected_by_fault"}


def from_reject(code: RejectCode, detail: str = "") -> RpcError:
    """The venue's error for a simulator refusal."""
    if code in _OTHER:
        return RpcError(11030, "other_reject", {"reason": _OTHER[code]})
    number, message = _SIMPLE[code]
    return RpcError(number, message, {"reason": detail} if detail else None)
