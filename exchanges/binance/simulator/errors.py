"""Binance's answer to every refusal: HTTP status, code and message, decided here and nowhere else."""

from __future__ import annotations

from tradesys.sim.errors import RejectCode


class ApiError(Exception):
    """A Binance error response: ``{"code": code, "msg": msg}`` with HTTP ``status``."""

    def __init__(self, status: int, code: int, msg: str, retry_after: int | None = None):
        self.status, self.code, self.msg, self.retry_after = status, code, msg, retry_after
        super().__init__(f"{status} {code} {msg}")

    def body(self) -> dict:
        return {"code": self.code, "msg": self.msg}


def mandatory(name: str) -> ApiError:
    return ApiError(400, -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed.")


def invalid(name: str) -> ApiError:
    return ApiError(400, -1130, f"Data sent for parameter '{name}' is not valid.")


# The venue's general codes for history queries (fromId with a time; a window over 7 days).
BAD_COMBINATION = ApiError(400, -1128, "Combination of optional parameters invalid.")
INTERVAL_TOO_BIG = ApiError(400, -1127, "Lookup interval is too big.")
BAD_PRECISION = ApiError(400, -1111, "Precision is over the maximum defined for this asset.")
BAD_SIGNATURE = ApiError(400, -1022, "Signature for this request is not valid.")
BAD_API_KEY = ApiError(401, -2015, "Invalid API-key, IP, or permissions for action, request ip: 127.0.0.1")
BAD_API_KEY_FORMAT = ApiError(401, -2014, "API-key format invalid.")
INVALID_SIDE = ApiError(400, -1117, "Invalid side.")
INVALID_ORDER_TYPE = ApiError(400, -1116, "Invalid orderType.")
ALGO_ONLY = ApiError(400, -4120, "Order type not supported for this endpoint. Please use the Algo Order API "
                                 "endpoints instead.")
# The Algo service (conditional orders) is not simulated: placing answers the venue's "not authorized".
ALGO_NOT_SIMULATED = ApiError(401, -1002, "You are not authorized to execute this request.")
BAD_CLIENT_ORDER_ID = ApiError(400, -4015, "Client order id is not valid.")
POSITION_SIDE = ApiError(400, -4061, "Order's position side does not match user's setting.")
BAD_STP = ApiError(400, -5039, "Invalid self trade prevention mode")
LISTEN_KEY = ApiError(400, -1125, "This listenKey does not exist.")
# What the venue's front end serves for a path it does not route (HTTP 404, text/html; seen on
# fapi.binance.com, docs/protocols/binance-usdm.md "Unknown paths").
NOT_FOUND_PAGE = ("<!DOCTYPE html>\n<html>\n<head><title>Binance</title></head>\n"
                  "<body><div class=\"info\"><h3>404 Not Found</h3><p>Sorry! The page you're looking for "
                  "cannot be found.</p></div></body>\n</html>\n")


def depth_limit(value: str) -> ApiError:
    return ApiError(400, -4021, f"'{value}' is not valid depth limit.")


def too_early(ms: int) -> ApiError:
    return ApiError(400, -1021, f"Timestamp for this request was {ms}ms ahead of the server's time.")


OUTSIDE_WINDOW = ApiError(400, -1021, "Timestamp for this request is outside of the recvWindow.")

_REJECTS: dict[RejectCode, tuple[int, str]] = {
    RejectCode.UNKNOWN_SYMBOL: (-1121, "Invalid symbol."),
    RejectCode.DUPLICATE_CLIENT_ORDER_ID: (-4116, "clientOrderId is duplicated"),
    RejectCode.INVALID_QUANTITY: (-4003, "Quantity less than zero."),
    RejectCode.QUANTITY_BELOW_MIN: (-4004, "Quantity less than min quantity."),
    RejectCode.QUANTITY_ABOVE_MAX: (-4005, "Quantity greater than max quantity."),
    RejectCode.QUANTITY_NOT_ON_STEP: (-4023, "Qty not increased by step size."),
    RejectCode.PRICE_BELOW_MIN: (-4013, "Price less than min price."),
    RejectCode.PRICE_ABOVE_MAX: (-4002, "Price greater than max price."),
    RejectCode.PRICE_NOT_ON_TICK: (-4014, "Price not increased by tick size."),
    RejectCode.PRICE_ABOVE_BAND: (-4016, "Price is higher than mark price multiplier cap."),
    RejectCode.PRICE_BELOW_BAND: (-4024, "Price is lower than mark price multiplier floor."),
    RejectCode.POST_ONLY_WOULD_CROSS: (-5022, "Due to the order could not be executed as maker, the Post Only "
                                              "order will be rejected. The order will not be recorded in the "
                                              "order history"),
    RejectCode.FOK_NOT_FILLABLE: (-5021, "Due to the order could not be filled immediately, the FOK order has "
                                         "been rejected. The order will not be recorded in the order history"),
    RejectCode.REDUCE_ONLY_REJECTED: (-2022, "ReduceOnly Order is rejected."),
    RejectCode.INSUFFICIENT_MARGIN: (-2019, "Margin is insufficient."),
    RejectCode.MAX_OPEN_ORDERS: (-2025, "Reach max open order limit."),
    RejectCode.MODIFY_NOT_LIMIT: (-4120, "Order type not supported for this endpoint."),
    RejectCode.MODIFY_SIDE_MISMATCH: (-1130, "Data sent for parameter 'side' is not valid."),
    RejectCode.MODIFY_NO_CHANGE: (-5027, "No need to modify the order."),
    RejectCode.ORDERS_REJECTED_BY_FAULT: (-2010, "NEW_ORDER_REJECTED"),
}


def from_reject(code: RejectCode, *, detail: str = "", unknown_order: int = -2013) -> ApiError:
    """The venue's error for a simulator refusal. Unknown orders answer -2011 on cancel, -2013 elsewhere."""
    if code is RejectCode.UNKNOWN_ORDER:
        return ApiError(400, unknown_order, "Unknown order sent." if unknown_order == -2011 else
                        "Order does not exist.")
    if code is RejectCode.UNKNOWN_ACCOUNT:
        return BAD_API_KEY
    if code is RejectCode.NOTIONAL_BELOW_MIN:
        return ApiError(400, -4164, f"Order's notional must be no smaller than {detail or '5'} "
                                    f"(unless you choose reduce only).")
    number, msg = _REJECTS[code]
    return ApiError(400, number, msg)
