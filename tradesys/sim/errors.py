"""Why the simulated exchange refuses a request, in venue-neutral terms.

    SimReject(code)   one RejectCode; each venue front-end maps codes to its own
                      error codes and messages in one function (e.g. Binance -5022)

A refused request changes nothing: no order, no event.
"""

from __future__ import annotations

from enum import Enum


class RejectCode(Enum):
    UNKNOWN_SYMBOL = "unknown_symbol"
    UNKNOWN_ACCOUNT = "unknown_account"
    UNKNOWN_ORDER = "unknown_order"
    DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"
    INVALID_QUANTITY = "invalid_quantity"            # zero or negative
    QUANTITY_BELOW_MIN = "quantity_below_min"
    QUANTITY_ABOVE_MAX = "quantity_above_max"
    QUANTITY_NOT_ON_STEP = "quantity_not_on_step"
    PRICE_BELOW_MIN = "price_below_min"
    PRICE_ABOVE_MAX = "price_above_max"
    PRICE_NOT_ON_TICK = "price_not_on_tick"
    PRICE_ABOVE_BAND = "price_above_band"            # too far above the mark price
    PRICE_BELOW_BAND = "price_below_band"
    NOTIONAL_BELOW_MIN = "notional_below_min"
    POST_ONLY_WOULD_CROSS = "post_only_would_cross"
    FOK_NOT_FILLABLE = "fok_not_fillable"
    REDUCE_ONLY_REJECTED = "reduce_only_rejected"
    INSUFFICIENT_MARGIN = "insufficient_margin"
    MAX_OPEN_ORDERS = "max_open_orders"
    MODIFY_NOT_LIMIT = "modify_not_limit"            # only resting limit orders can be modified
    MODIFY_SIDE_MISMATCH = "modify_side_mismatch"
    MODIFY_NO_CHANGE = "modify_no_change"
    ORDERS_REJECTED_BY_FAULT = "orders_rejected_by_fault"  # fault injection: "reject the next N orders"


class SimReject(Exception):
    """The simulated exchange refused a request; ``code`` says why, ``detail`` adds values."""

    def __init__(self, code: RejectCode, detail: str = ""):
        self.code = code
        self.detail = detail
        super().__init__(f"{code.value}: {detail}" if detail else code.value)
