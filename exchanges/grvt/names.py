"""GRVT's two JSON dialects: full field names (``sub_account_id``) and lite ones (``sa``), translated by the
published API specification's own table (``spec.json``, from ``gravity-technologies/api-spec``).

Lite names are per struct (``s`` is an Order's signature, an OrderLeg's size
and a Signature's signer), so translation walks the value with its struct
type: ``to_full("ApiCreateOrderRequest", body)``. A key the struct does not
know is kept as it is (the venue ignores unknown fields; the caller's
validation names it). ``rpc(gateway, route)`` says which struct a route takes
and returns, whether it needs a session, and which errors it documents.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

_SPEC = Path(__file__).with_name("spec.json")


@cache
def spec() -> dict:
    """The spec's table, read once (callers must not change it)."""
    return json.loads(_SPEC.read_text())


@cache
def _fields(struct: str) -> tuple[dict, dict]:
    """(full name -> (lite, type, depth), lite name -> (full, type, depth)) of one struct."""
    fields = spec()["structs"].get(struct, [])
    return ({f: (lite, kind, depth) for f, lite, kind, depth in fields},
            {lite: (f, kind, depth) for f, lite, kind, depth in fields})


def _walk(value, kind: str, depth: int, to_lite: bool):
    if depth:
        return [_walk(v, kind, depth - 1, to_lite) for v in value] if isinstance(value, list) else value
    if not isinstance(value, dict) or kind not in spec()["structs"]:
        return value
    table = _fields(kind)[0 if to_lite else 1]
    out = {}
    for key, item in value.items():
        known = table.get(key)
        if known is None:
            out[key] = item
            continue
        name, sub, sub_depth = known
        out[name] = _walk(item, sub, sub_depth, to_lite)
    return out


def to_lite(struct: str, value: dict) -> dict:
    """``value`` (full names) with lite names, recursively by the struct's field types."""
    return _walk(value, struct, 0, True)


def to_full(struct: str, value: dict) -> dict:
    """``value`` (lite names) with full names."""
    return _walk(value, struct, 0, False)


@cache
def wraps_result(struct: str) -> bool:
    """True when a response struct carries its content in ``result`` (most do; ``ApiGetSubAccountsResponse``
    is the content itself); an unknown struct is taken to wrap."""
    fields = spec()["structs"].get(struct)
    return not fields or any(f[0] == "result" for f in fields)


def rpc(gateway: str, route: str) -> dict | None:
    """``{"request", "response", "auth", "errors"}`` of ``/route`` on ``MarketData`` or ``Trading``."""
    return spec()["rpcs"].get(gateway, {}).get(route)


def enum(name: str) -> list[str]:
    return spec()["enums"].get(name, [])
