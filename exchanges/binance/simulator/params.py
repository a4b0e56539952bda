"""Reading Binance request parameters: the venue's error for every missing or malformed value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from exchanges.binance.simulator import errors
from exchanges.binance.simulator.errors import ApiError
from tradesys.numeric import PrecisionError
from tradesys.sim.errors import RejectCode
from tradesys.sim.instruments import SimInstrument
from tradesys.sim.orders import Side

if TYPE_CHECKING:
    from exchanges.binance.simulator.venue import BinanceVenue

CLIENT_ORDER_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
DEPTH_LIMITS = {5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20}


@dataclass(frozen=True)
class Call:
    """One request after the pipeline: its parameters and the account it acts for."""

    params: dict[str, str]
    account: str | None
    api_key: str


def instrument_of(sim: BinanceVenue, params: dict[str, str]) -> SimInstrument:
    """The instrument the ``symbol`` parameter names; the venue's error when missing or unknown."""
    symbol = params.get("symbol")
    if not symbol:
        raise errors.mandatory("symbol")
    if symbol not in sim.catalog:
        raise errors.from_reject(RejectCode.UNKNOWN_SYMBOL)
    return sim.exchange.instrument(symbol)


def instruments_of(sim: BinanceVenue, params: dict[str, str]) -> tuple[list[SimInstrument], bool]:
    """The instrument named by ``symbol``, or all of them (and True) when none is named."""
    if "symbol" in params:
        return [instrument_of(sim, params)], False
    return [sim.exchange.instrument(s) for s in sim.symbols], True


def depth_weight(params: dict[str, str]) -> int:
    raw = params.get("limit", "500")
    return DEPTH_LIMITS.get(int(raw) if raw.isdigit() else 0, 2)


def parse_form(raw: bytes) -> dict[str, str]:
    if not raw:
        return {}
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def fail(error: ApiError):
    raise error


def int_param(params: dict[str, str], name: str) -> int:
    try:
        return int(params[name])
    except (KeyError, ValueError):
        raise errors.mandatory(name) from None


def bool_param(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise errors.invalid(name)
    return value == "true"


def side_param(params: dict[str, str]) -> Side:
    value = params.get("side")
    if not value:
        raise errors.mandatory("side")
    if value not in ("BUY", "SELL"):
        raise errors.INVALID_SIDE
    return Side(value)


def decimal_param(params: dict[str, str], name: str, convert) -> int:
    text = params.get(name)
    if not text:
        raise errors.mandatory(name)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise errors.mandatory(name) from None
    if not value.is_finite():
        raise errors.mandatory(name)
    try:
        return convert(value)
    except PrecisionError:
        raise errors.BAD_PRECISION from None


def order_ref_param(params: dict[str, str]) -> tuple[int | None, str | None]:
    if params.get("orderId"):
        return int_param(params, "orderId"), None
    client_id = params.get("origClientOrderId")
    if not client_id:
        raise errors.mandatory("orderId")
    return None, client_id


def check_timestamp(params: dict[str, str], now_ms: int) -> None:
    """Refuse a signed request whose ``timestamp`` is missing, 1 s or more ahead, or older than ``recvWindow``."""
    if "timestamp" not in params:
        raise errors.mandatory("timestamp")
    timestamp = int_param(params, "timestamp")
    window = int_param(params, "recvWindow") if "recvWindow" in params else 5000
    if timestamp >= now_ms + 1000:
        raise errors.too_early(timestamp - now_ms)
    if now_ms - timestamp > window:
        raise errors.OUTSIDE_WINDOW
