"""JSON shapes for comparing a simulator's answers with a venue's documented examples: the JSON type of a value,
and what an example has that an answer lacks."""

from __future__ import annotations


def json_type(value) -> str:
    """The JSON type of a decoded value: bool, number, string, array, object or null."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def missing(example, ours, path: str = "") -> list[str]:
    """Fields the example has and ``ours`` lacks, or has with another JSON type (lists: first items; a null in
    the example stands for any value)."""
    if isinstance(example, dict):
        if not isinstance(ours, dict):
            return [f"{path}: {json_type(ours)}, not an object"]
        out = []
        for key, item in example.items():
            where = f"{path}.{key}" if path else key
            out += [f"{where}: missing"] if key not in ours else missing(item, ours[key], where)
        return out
    if isinstance(example, list):
        if not isinstance(ours, list):
            return [f"{path}: {json_type(ours)}, not an array"]
        if example and not ours:
            return [f"{path}: empty"]
        return missing(example[0], ours[0], f"{path}[0]") if example else []
    if example is None:
        return []
    return [] if json_type(example) == json_type(ours) else [f"{path}: {json_type(ours)}, the example's is "
                                                             f"{json_type(example)} ({example!r})"]
