"""Deribit's published API schema as a validator of whole replies, with the venue's own known deviations.

The schema is a cut of Deribit's OpenAPI document (tests/fixtures/deribit/deribit_openapi_subset.json,
SOURCES.md). In a few places Deribit's own replies break it; those places are overridden here, each with
the evidence, and nowhere else. Everything the simulator sends is then held to the rest: required fields,
JSON types, enum values, and no field the schema does not name (unless listed in ``EXTRA_FIELDS``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import jsonschema

SUBSET = json.loads((Path(__file__).parent / "fixtures/deribit/deribit_openapi_subset.json").read_text())
ANY_STRING = {"type": "string"}
NUMBER = {"type": "number"}

# (schema, property) -> the schema the venue's replies actually follow, and why. A property inside an
# ``allOf`` part is named by its path: (schema, "allOf", index, property).
DEVIATIONS: dict[tuple, tuple[dict, str]] = {
    ("instrument", "contract_size"): (NUMBER, "declared integer; the venue sends 10.0 and 0.001 "
                                              "(instruments_2021-07-22_subset.jsonl)"),
    ("instrument", "quote_currency"): (ANY_STRING, "enum [USD]; the venue's options quote BTC/ETH "
                                                   "(instruments_2021-07-22_subset.jsonl)"),
    ("instrument", "settlement_currency"): (ANY_STRING, "enum [BTC, ETH]; linear perpetuals settle in USDC "
                                                        "(instruments_2021-07-22_subset.jsonl, 2022 records)"),
    ("instrument", "base_currency"): (ANY_STRING, "enum [BTC, ETH]; the venue lists SOL and others "
                                                  "(instruments_2021-07-22_subset.jsonl, 2022 records)"),
    ("instrument", "tick_size_steps"): ({"type": "array", "items": {"$ref": "#/components/schemas/tick_size_step"}},
                                        "declared one object; the schema's own get_instruments example and the "
                                        "protocol notes (4.3) show a list, [] for perpetuals"),
    ("currency_with_apr", "coin_type"): (ANY_STRING, "enum [BITCOIN, ETHER]; the venue answers SOL, XRP "
                                                     "(replies quoted in ccxt's deribit.py)"),
    ("user_trade", "post_only"): ({"type": "boolean"}, "declared string; the venue sends a bool (protocol notes 8.1)"),
    ("user_trade", "reduce_only"): ({"type": "boolean"}, "declared string; the venue sends a bool "
                                                         "(protocol notes 8.1)"),
    ("user_trade", "matching_id"): ({"type": ["string", "null"]}, "null when no matching id (protocol notes 8.1)"),
    ("PrivateAccountSummariesResponse", "properties", "result", "block_rfq_self_match_prevention"): (
        {"type": "boolean"}, "declared string; the venue sends a bool (account_summaries_cross_margin_2026-05-06)"),
    ("PrivateAccountSummariesResponse", "properties", "result", "self_trading_extended_to_subaccounts"): (
        {"type": "boolean"}, "declared string; the venue sends a bool (account_summaries_cross_margin_2026-05-06)"),
    ("PrivateAccountSummariesResponse", "properties", "result", "referrer_id"): (
        {"type": ["string", "null"]}, "null without a referrer (account_summaries_cross_margin_2026-05-06)"),
    ("position_with_elp", "allOf", 1, "estimated_liquidation_price"): (
        {"type": ["number", "null"]}, "null when there is no position to liquidate (protocol notes 9.1)"),
}
# Places (a schema, then the keys down to an object schema) whose ``required`` list the venue's own
# replies do not meet, and why.
LOOSE_REQUIRED = {
    ("PrivateAccountSummariesResponse", "properties", "result", "properties", "summaries", "items"):
        "the venue's get_account_summaries reply (account_summaries_cross_margin_2026-05-06.jsonl) leaves "
        "options_*_map, options_session_*, futures_session_* and projected_* out of each summary",
}
# Fields the simulator sends beyond the schema: path pattern -> why.
EXTRA_FIELDS = {
    "instrument.underlying_type": "required by typed-deribit, \"crypto\" for BTC and ETH (protocol notes 4.3); "
                                  "not in the published schema",
    "instrument.rfq": "in the venue's 2022 get_instruments replies (instruments_2021-07-22_subset.jsonl)",
    "currency_with_apr.fee_precision": "in the venue's get_currencies replies; ccxt reads it (protocol notes 4.4)",
    "TickerNotificationWithBidsAndAsks.change_id": "the book's sequence, the same as the book channel's; ccxt "
                                                   "uses it as the nonce (protocol notes 5.2)",
    "TickerNotificationWithBidsAndAsks.interest_value": "perpetuals' book answers carry it (protocol notes 5.2)",
}


def _convert(node):
    """OpenAPI 3.0 schema objects to JSON Schema: ``nullable`` becomes a null type."""
    if isinstance(node, dict):
        out = {k: _convert(v) for k, v in node.items()}
        if out.pop("nullable", False) and "type" in out:
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_convert(v) for v in node]
    return node


def _schemas() -> dict:
    schemas = _convert(copy.deepcopy(SUBSET["components"]["schemas"]))
    for path, (replacement, _) in DEVIATIONS.items():
        node = schemas
        for key in path[:-1]:
            node = node[key]
        assert path[-1] in node["properties"], path   # a deviation must name a real property
        node["properties"][path[-1]] = replacement
    return schemas


SCHEMAS = _schemas()


def _loosen() -> None:
    for path in LOOSE_REQUIRED:
        node = SCHEMAS
        for key in path:
            node = node[key]
        assert node.pop("required"), path   # a loosening must remove a real list


_loosen()


def methods() -> list[str]:
    return sorted(SUBSET["methods"])


def errors(method: str, reply: dict) -> list[str]:
    """Every way the whole reply (envelope and result) breaks the method's published schema."""
    schema = {"components": {"schemas": SCHEMAS}, "$ref": f"#/components/schemas/{SUBSET['methods'][method]}"}
    validator = jsonschema.Draft4Validator(schema)
    return [f"{'.'.join(map(str, e.path)) or '<reply>'}: {e.message}" for e in validator.iter_errors(reply)]


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def undocumented(method: str, result) -> set[str]:
    """Fields of ``result`` the schema does not name, as ``<schema name>.<field>`` (nested objects too)."""
    top = SCHEMAS[SUBSET["methods"][method]]["properties"]["result"]
    found: set[str] = set()
    _walk(top, result, found)
    return found


def _walk(schema: dict, value, found: set[str]) -> None:
    name = None
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = SCHEMAS[name]
    if isinstance(value, list):
        for item in value:
            _walk(schema.get("items", {}), item, found)
        return
    if not isinstance(value, dict):
        return
    props = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        props.update(_resolve(part).get("properties", {}))
    if not props:
        return   # a free-form object (e.g. the option maps)
    for key, item in value.items():
        if key in props:
            _walk(props[key], item, found)
        else:
            found.add(f"{name or '<inline>'}.{key}")
