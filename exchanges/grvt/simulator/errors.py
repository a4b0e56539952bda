"""The venue's error bodies (docs/protocols/grvt.md 4) and the one function mapping a simulator refusal to one."""

from __future__ import annotations

from tradesys.sim.errors import RejectCode


class ApiError(Exception):
    """An error answer: HTTP status, the venue's code and message."""

    def __init__(self, status: int, code: int, message: str):
        super().__init__(f"{code} {message}")
        self.status, self.code, self.message = status, code, message

    def body(self, lite: bool, request_id: int = 1) -> dict:
        if lite:
            return {"ri": request_id, "c": self.code, "m": self.message, "s": self.status}
        return {"request_id": request_id, "code": self.code, "message": self.message, "status": self.status}


UNAUTHENTICATED = ApiError(401, 1000, "You need to authenticate prior to using this functionality")
FORBIDDEN = ApiError(403, 1001, "You are not authorized to access this functionality")
INTERNAL = ApiError(500, 1002, "Internal Server Error")
MALFORMED = ApiError(400, 1003, "Request could not be processed due to malformed syntax")
NOT_FOUND = ApiError(404, 1004, "Data Not Found")
RATE_LIMITED = ApiError(429, 1006, "You have surpassed the allocated rate limit for your tier")
UNAVAILABLE = ApiError(503, 1009, "We are temporarily deactivating this API endpoint, please try again later")
BAD_CHAIN = ApiError(400, 1012, "Invalid signature chain ID")
UNAUTHORIZED_SIGNER = ApiError(403, 2000, "Signature is from an unauthorized signer")
SIGNATURE_EXPIRED = ApiError(403, 2001, "Signature has expired")
SIGNATURE_MISMATCH = ApiError(403, 2002, "Signature does not match payload")
WRONG_SUB_ACCOUNT = ApiError(403, 2003, "Order sub account does not match logged in user")
BAD_V = ApiError(403, 2005, "Signature V must be 27/28")
BAD_RS = ApiError(403, 2006, "Signature R/S must have exactly 64 characters long without 0x prefix")
ORDER_ID_GIVEN = ApiError(400, 2010, "Order ID should be empty when creating an order")
NO_CLIENT_ORDER_ID = ApiError(400, 2011, "Client Order ID should be supplied when creating an order")
CLIENT_ORDER_ID_OVERLAP = ApiError(400, 2012, "Client Order ID overlaps with existing active order")
MARKET_WITH_PRICE = ApiError(400, 2020, "Market Order must always be supplied without a limit price")
LIMIT_WITHOUT_PRICE = ApiError(400, 2021, "Limit Order must always be supplied with a limit price")
BAD_TIME_IN_FORCE = ApiError(400, 2030, "Orderbook Orders must have a TimeInForce of GTT/IOC/FOK")
POST_ONLY_TIF = ApiError(400, 2032, "Post Only can only be set to true for GTT/AON orders")
NO_LEG = ApiError(400, 2040, "Order must contain at least one leg")
ONE_LEG = ApiError(400, 2042, "Orderbook Orders must contain only one leg")
UNSUPPORTED_INSTRUMENT = ApiError(400, 2061, "Unsupported Instrument Requested")
EXPIRATION_TOO_FAR = ApiError(400, 1003, "Request could not be processed due to malformed syntax")

_REJECTS: dict[RejectCode, ApiError] = {
    RejectCode.QUANTITY_BELOW_MIN: ApiError(400, 2062, "Order size smaller than min size"),
    RejectCode.INVALID_QUANTITY: ApiError(400, 2062, "Order size smaller than min size"),
    RejectCode.QUANTITY_NOT_ON_STEP: ApiError(400, 2065, "Order size too granular"),
    RejectCode.QUANTITY_ABOVE_MAX: ApiError(400, 2081, "Order Fill would result in exceeding maximum position size"),
    RejectCode.PRICE_NOT_ON_TICK: ApiError(400, 2064, "Invalid limit price tick"),
    RejectCode.NOTIONAL_BELOW_MIN: ApiError(400, 2066, "Order below minimum notional. Please try again with a "
                                                       "higher price or size."),
    RejectCode.INSUFFICIENT_MARGIN: ApiError(400, 2080, "Insufficient margin to create order"),
    RejectCode.MAX_OPEN_ORDERS: ApiError(429, 2090, "Max open orders exceeded"),
    RejectCode.REDUCE_ONLY_REJECTED: ApiError(400, 2401, "Reduce only order must not increase position size"),
    RejectCode.DUPLICATE_CLIENT_ORDER_ID: CLIENT_ORDER_ID_OVERLAP,
    RejectCode.UNKNOWN_SYMBOL: UNSUPPORTED_INSTRUMENT,
    RejectCode.UNKNOWN_ORDER: NOT_FOUND,
    RejectCode.PRICE_BELOW_MIN: ApiError(400, 2064, "Invalid limit price tick"),
    RejectCode.PRICE_ABOVE_MAX: ApiError(400, 2064, "Invalid limit price tick"),
    RejectCode.PRICE_ABOVE_BAND: ApiError(400, 2082, "Pre-order check failed"),
    RejectCode.PRICE_BELOW_BAND: ApiError(400, 2082, "Pre-order check failed"),
    RejectCode.ORDERS_REJECTED_BY_FAULT: ApiError(400, 2082, "Pre-order check failed"),
}
# Refusals the venue reports as a REJECTED order rather than an error (its OrderRejectReason).
REJECTED_ORDERS = {RejectCode.POST_ONLY_WOULD_CROSS: "FAIL_POST_ONLY", RejectCode.FOK_NOT_FILLABLE: "FOK_CANCEL"}


def from_reject(code: RejectCode) -> ApiError:
    return _REJECTS.get(code, ApiError(400, 2082, "Pre-order check failed"))
