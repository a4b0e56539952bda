"""The simulator's side of JSON-RPC 2.0: requests in, results, errors and notifications out.

Every reply carries ``usIn``, ``usOut``, ``usDiff`` (server receive and send
times, µs) and ``testnet``, as the venue's do (docs/protocols/deribit.md 1.1).
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder().decode


class RpcError(Exception):
    """A JSON-RPC error the venue would answer: ``code``, ``message`` and optional ``data``."""

    def __init__(self, code: int, message: str, data: dict | None = None, *, http_status: int = 400):
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message
        self.data = data
        self.http_status = http_status

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


PARSE_ERROR = RpcError(-32700, "Parse error")
INVALID_REQUEST = RpcError(-32600, "Invalid Request")


def method_not_found() -> RpcError:
    return RpcError(-32601, "Method not found")


def invalid_params(param: str, reason: str) -> RpcError:
    return RpcError(-32602, "Invalid params", {"param": param, "reason": reason})


@dataclass
class Request:
    id: int | str | None
    method: str
    params: dict


def parse_request(text: str | bytes) -> Request:
    """Decode one request; raise RpcError (-32700, -32600) when it is not a JSON-RPC request."""
    try:
        message = _decode(text)
    except msgspec.DecodeError:
        raise PARSE_ERROR from None
    if not isinstance(message, dict):
        raise INVALID_REQUEST
    method, params = message.get("method"), message.get("params", {})
    if not isinstance(method, str) or not isinstance(params, dict):
        raise RpcError(-32600, "Invalid Request", None) if not isinstance(method, str) else \
            invalid_params("params", "must be an object")
    rid = message.get("id")
    if rid is not None and (isinstance(rid, bool) or not isinstance(rid, (int, str))):
        raise INVALID_REQUEST
    return Request(rid, method, params)


def request_id(text: str | bytes):
    """The id of a request that failed to parse as a whole, when one can still be read."""
    try:
        message = _decode(text)
    except msgspec.DecodeError:
        return None
    return message.get("id") if isinstance(message, dict) else None


def reply(rid, *, us_in: int, us_out: int, testnet: bool, result=None, error: RpcError | None = None) -> bytes:
    frame = {"jsonrpc": "2.0", "id": rid}
    if error is None:
        frame["result"] = result
    else:
        frame["error"] = error.body()
    frame.update(usIn=us_in, usOut=us_out, usDiff=us_out - us_in, testnet=testnet)
    return _encode(frame)


def notification(channel: str, data) -> bytes:
    return _encode({"jsonrpc": "2.0", "method": "subscription", "params": {"channel": channel, "data": data}})


def heartbeat(kind: str) -> bytes:
    return _encode({"jsonrpc": "2.0", "method": "heartbeat", "params": {"type": kind}})
