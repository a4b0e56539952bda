"""What the fuzzer feeds: each venue's captured and documented messages (tests/fixtures/<venue>/), mutated the
way a broken venue, proxy or socket would (fields dropped, values of the wrong type or of absurd size, numbers
that are not numbers, bodies cut short), and plain noise.

Mutations work on the JSON tree of a real message rather than on random text: a frame that is almost right
reaches the parsers behind the envelope, where a frame of noise stops at the first decode.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from functools import cache
from pathlib import Path

from hypothesis import strategies as st

FIXTURES = Path(__file__).parents[1] / "fixtures"
LARGEST_SEED = 20_000        # characters: bigger captures (full depth snapshots) make slow examples, not new paths

# Values a venue has no business sending where a number, a string or an id belongs.
ODD_VALUES = ("", "0", "-0", "-1", "1e999", "NaN", "inf", "-inf", "1.2.3", "0x10", " 1", "1,5", "١", "9" * 40,
              "0." + "0" * 30 + "1", 0, -1, 2**63, -(2**63) - 1, 2**64, 1e308, -1e-308, 0.1, True, False, None, [],
              {}, "null", "\u0000", "\ud7ff", "x" * 300)


def _json_documents(value, found: list) -> None:
    """Every object and array inside ``value`` (a JSON document read from a fixture), and every string that is
    itself a JSON object (captures keep the frame as text)."""
    if isinstance(value, dict):
        found.append(value)
        for item in value.values():
            _json_documents(item, found)
    elif isinstance(value, list):
        if value and all(isinstance(item, (dict, list)) for item in value):
            found.append(value)
        for item in value:
            _json_documents(item, found)
    elif isinstance(value, str) and value.startswith("{"):
        try:
            _json_documents(json.loads(value), found)
        except ValueError:
            pass


@cache
def seeds(venue: str) -> tuple[str, ...]:
    """The venue's fixture messages, and every object inside them, as compact JSON texts."""
    found: list = []
    for path in sorted((FIXTURES / venue).iterdir()):
        if path.suffix == ".json":
            _json_documents(json.loads(path.read_text()), found)
        elif path.suffix == ".jsonl":
            for line in path.read_text().splitlines():
                if line.strip():
                    _json_documents(json.loads(line), found)
    texts = {json.dumps(doc, separators=(",", ":")) for doc in found}
    return tuple(sorted(text for text in texts if len(text) <= LARGEST_SEED))


def _paths(doc, prefix=()) -> list[tuple]:
    out = [prefix]
    if isinstance(doc, dict):
        for key, item in doc.items():
            out += _paths(item, (*prefix, key))
    elif isinstance(doc, list):
        for index, item in enumerate(doc[:8]):
            out += _paths(item, (*prefix, index))
    return out


def _at(doc, path):
    for step in path:
        doc = doc[step]
    return doc


def mutate(text: str, rng: random.Random, count: int) -> str:
    """``count`` edits of the JSON document ``text``: a value replaced, a key dropped or renamed, a list
    emptied or repeated, a number turned into text and back."""
    doc = json.loads(text)
    for _ in range(count):
        paths = [p for p in _paths(doc) if p]
        if not paths:
            return json.dumps(rng.choice(ODD_VALUES))
        path = rng.choice(paths)
        parent, key = _at(doc, path[:-1]), path[-1]
        value = parent[key]
        edit = rng.randrange(7)
        if edit == 0:
            parent[key] = rng.choice(ODD_VALUES)
        elif edit == 1 and isinstance(parent, dict):
            del parent[key]
        elif edit == 2 and isinstance(parent, dict):
            parent[key + rng.choice(("_", "X", ""))] = parent.pop(key) if rng.random() < 0.5 else value
        elif edit == 3 and isinstance(value, list):
            parent[key] = [] if rng.random() < 0.5 else value * rng.randint(2, 5)
        elif edit == 4 and isinstance(value, (int, float)) and not isinstance(value, bool):
            parent[key] = str(value) if rng.random() < 0.5 else -value
        elif edit == 5 and isinstance(value, str):
            parent[key] = value[:rng.randrange(len(value) + 1)] + rng.choice(("", "9", "e5", ".", "-"))
        else:
            parent[key] = rng.choice((value, [value], {"v": value}, str(value)))
    return json.dumps(doc, separators=(",", ":"))


# -- the frames a stream carries them in ---------------------------------------------------
# Fixtures keep many objects outside the frame a socket delivers them in (REST answers, examples of one
# order): these wrap an object in each frame of a stream that could carry it. Which wrappings a reader
# understands is found by feeding them to it (targets.understood).

def _compact(doc) -> str:
    return json.dumps(doc, separators=(",", ":"))


def binance_account_frames(doc: dict) -> list[str]:
    """An order update in each of the venue's execution types (the fixtures hold a new order only)."""
    if doc.get("e") != "ORDER_TRADE_UPDATE" or not isinstance(doc.get("o"), dict):
        return []
    out = []
    for n, (execution, status, last) in enumerate((("TRADE", "PARTIALLY_FILLED", "0.001"), ("TRADE", "FILLED", "0.002"),
                                                   ("CANCELED", "CANCELED", "0"), ("EXPIRED", "EXPIRED", "0"),
                                                   ("AMENDMENT", "NEW", "0"))):
        order = {**doc["o"], "x": execution, "X": status, "l": last, "z": last, "t": 100 + n, "L": doc["o"]["p"]}
        out.append(_compact({**doc, "o": order}))
    return out


def deribit_account_frames(doc: dict) -> list[str]:
    note = lambda channel, data: _compact({"jsonrpc": "2.0", "method": "subscription",  # noqa: E731
                                           "params": {"channel": channel, "data": data}})
    name = doc.get("instrument_name", "BTC-PERPETUAL")
    return [note("user.changes.any.any.raw", {"instrument_name": name, part: [doc]})
            for part in ("orders", "trades", "positions")] + [note("user.portfolio.btc", doc)]


def grvt_frames(streams: tuple[str, ...], ours: str = "") -> Callable[[dict], list[str]]:
    def frames(doc: dict) -> list[str]:
        if ours:
            doc = _with_client_ids(doc, ours)
        return [_compact({"stream": stream, "selector": "x", "sequence_number": "1", "feed": doc})
                for stream in streams]
    return frames


def _with_client_ids(doc, ours: str):
    """``doc`` with every client order id replaced by ``ours`` (GRVT sends back only ids that it was given)."""
    if isinstance(doc, dict):
        return {key: ours if key in ("client_order_id", "co") else _with_client_ids(item, ours)
                for key, item in doc.items()}
    if isinstance(doc, list):
        return [_with_client_ids(item, ours) for item in doc]
    return doc


def venue_frames(understood: tuple[str, ...], venue: str) -> st.SearchStrategy[str]:
    """Text frames for a reader of ``venue``'s sockets: mostly frames it understands, edited a little; some
    of the venue's other messages; some cut short; some noise."""
    real = st.sampled_from(understood or seeds(venue))
    other = st.sampled_from(seeds(venue))
    edited = st.builds(mutate, real, st.randoms(use_true_random=False), st.integers(1, 3))
    truncated = st.builds(lambda text, cut: text[:cut], st.one_of(real, other), st.integers(0, 400))
    noise = st.one_of(st.text(max_size=80), st.sampled_from(["", "{", "[]", "null", "{}", '{"id":', "\u0000"]))
    return st.one_of(edited, edited, edited, real, truncated, other, noise)


def is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
