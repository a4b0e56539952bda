"""GRVT answers held to the venue's published API specification (exchanges/grvt/spec.json: every struct's
fields with their types, every enum's values) and to the specification's own examples.

JSON types follow the spec's conventions: 64-bit and wider integers, timestamps, addresses and hashes are
strings; narrower integers are numbers. Where the spec's struct type and the rest of the record disagree,
``NUMBERS`` names the fields the spec's examples and the protocol notes (docs/protocols/grvt.md 5) give as
JSON numbers, and the simulator sends them so.
"""

from __future__ import annotations

import json
from pathlib import Path

from exchanges.grvt import names
from tests.json_shapes import json_type

SPEC = names.spec()
EXAMPLES_DIR = Path(__file__).parent / "fixtures" / "grvt"
STRING_TYPES = {"string", "asset", "address", "uint256", "uint128", "uint64", "int64", "timestamp"}
NUMBER_TYPES = {"uint8", "int8", "uint16", "int32", "uint32"}
# (struct, field) declared "string" in the spec whose examples (and the protocol notes) are JSON numbers.
NUMBERS = {("Ticker", "funding_rate_8h_curr"), ("Ticker", "funding_rate_8h_avg"), ("Ticker", "interest_rate"),
           ("Ticker", "funding_rate"), ("Trade", "interest_rate"), ("Fill", "interest_rate"), ("Fill", "fee_rate"),
           ("Fill", "builder_fee_rate"), ("Positions", "est_liquidation_price"),
           ("InstrumentDisplay", "adjusted_funding_rate_cap"), ("InstrumentDisplay", "adjusted_funding_rate_floor"),
           ("ApiFundingRate", "funding_rate"), ("ApiFundingRate", "funding_rate_8_h_avg"),
           ("CurrencyDetail", "quantity_multiplier"), ("ApiAuthorizedBuilder", "max_futures_fee_rate"),
           ("ApiAuthorizedBuilder", "max_spot_fee_rate")}


def problems(struct: str, value, path: str = "") -> list[str]:
    """Every way ``value`` breaks ``struct``: unknown fields, wrong JSON types, values outside an enum."""
    if not isinstance(value, dict):
        return [f"{path or struct}: {json_type(value)}, not an object"]
    fields = {f[0]: (f[2], f[3]) for f in SPEC["structs"][struct]}
    out = []
    for key, item in value.items():
        where = f"{path}.{key}" if path else key
        if key not in fields:
            out.append(f"{where}: not a field of {struct}")
            continue
        kind, depth = fields[key]
        if depth:
            if not isinstance(item, list):
                out.append(f"{where}: {json_type(item)}, not an array")
                continue
            for n, element in enumerate(item):
                out += _one(struct, key, kind, element, f"{where}[{n}]")
        else:
            out += _one(struct, key, kind, item, where)
    return out


def _one(struct: str, field: str, kind: str, value, where: str) -> list[str]:
    if kind in SPEC["structs"]:
        return problems(kind, value, where)
    if kind in SPEC["enums"]:
        return [] if value in SPEC["enums"][kind] else [f"{where}: {value!r} is not one of {kind}"]
    if kind == "bool":
        wanted = "bool"
    elif (struct, field) in NUMBERS or kind in NUMBER_TYPES:
        wanted = "number"
    elif kind in STRING_TYPES:
        wanted = "string"
    else:
        return []       # "any"
    return [] if json_type(value) == wanted else [f"{where}: {json_type(value)}, not {wanted} ({kind})"]


def response_problems(gateway: str, route: str, body: dict) -> list[str]:
    """``problems`` of a whole response body against the route's response struct."""
    return problems(SPEC["rpcs"][gateway][route]["response"], body)


def examples() -> dict[str, dict[str, dict]]:
    """The spec's own examples in full names: endpoint (``full/v1/book``) -> kind (request, response) -> message."""
    out: dict[str, dict[str, dict]] = {}
    for name in ("rest-market-data.jsonl", "rest-trading.jsonl"):
        for line in (EXAMPLES_DIR / name).read_text().splitlines():
            record = json.loads(line)
            if record["dialect"] == "full":
                out.setdefault(record["endpoint"], {})[record["kind"]] = record["message"]
    return out


def stream_examples() -> dict[str, dict]:
    """The spec's example data message of every stream, in full names: stream (``v1.book.d``) -> message."""
    out: dict[str, dict] = {}
    for name in ("ws-market-data.jsonl", "ws-trading.jsonl"):
        for line in (EXAMPLES_DIR / name).read_text().splitlines():
            record = json.loads(line)
            if record["kind"] == "feed" and record.get("dialect") == "full" and record.get("form") == "stream":
                out.setdefault(record["stream"], record["message"])
    return out
