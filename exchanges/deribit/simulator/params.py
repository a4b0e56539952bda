"""Reading JSON-RPC params as the venue does: WebSocket and POST bodies carry JSON types, HTTP GET
query strings carry text ("true", "10"), and both must mean the same."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from exchanges.deribit.simulator.errors import invalid_arguments
from exchanges.deribit.simulator.rpc import invalid_params


def text(params: dict, name: str, default: str | None = None, *, required: bool = False) -> str | None:
    value = params.get(name, default)
    if value is None:
        if required:
            raise invalid_params(name, "value is required")
        return None
    if not isinstance(value, str):
        raise invalid_params(name, "must be a string")
    return value


def flag(params: dict, name: str, default: bool = False) -> bool:
    value = params.get(name, default)
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise invalid_params(name, "must be a boolean")


def decimal(params: dict, name: str, *, required: bool = False) -> Decimal | None:
    value = params.get(name)
    if value is None:
        if required:
            raise invalid_params(name, "value is required")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise invalid_params(name, "must be a number")
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise invalid_params(name, "must be a number") from None
    if not result.is_finite():
        raise invalid_params(name, "must be a finite number")
    return result


def integer(params: dict, name: str, default: int, *, low: int = 0, high: int = 10**9) -> int:
    value = params.get(name, default)
    if isinstance(value, str) and value.lstrip("-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid_params(name, "must be an integer")
    if not low <= value <= high:
        raise invalid_arguments(name, f"must be between {low} and {high}")
    return value


def string_list(params: dict, name: str) -> list[str]:
    value = params.get(name)
    if isinstance(value, str):  # HTTP GET: channels=a,b  (the venue accepts a JSON list only over WS)
        value = [v for v in value.split(",") if v]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid_params(name, "must be a list of strings")
    return value
