"""Smart-playlist rules in words, for the playlist page (the language: docs/smart_playlists.md).

Rules are validated when stored; this only presents them, so an unexpected shape is shown
as its JSON rather than refused.
"""

from __future__ import annotations

import json
from typing import Any

OPERATORS = {
    "is": "is",
    "isNot": "is not",
    "gt": "is more than",
    "lt": "is less than",
    "contains": "contains",
    "notContains": "does not contain",
    "startsWith": "starts with",
    "endsWith": "ends with",
}


def _value(value: Any) -> str:
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return json.dumps(value, ensure_ascii=False)


def _condition(condition: Any) -> str:
    if not isinstance(condition, dict) or len(condition) != 1:
        return json.dumps(condition, ensure_ascii=False)
    ((operator, operand),) = condition.items()
    if not isinstance(operand, dict) or len(operand) != 1:
        return json.dumps(condition, ensure_ascii=False)
    ((field, value),) = operand.items()
    if operator == "inTheRange" and isinstance(value, list) and len(value) == 2:
        return f"{field} is between {_value(value[0])} and {_value(value[1])}"
    if operator in OPERATORS:
        return f"{field} {OPERATORS[operator]} {_value(value)}"
    return json.dumps(condition, ensure_ascii=False)


def _group(kind: str, items: Any, depth: int) -> list[tuple[int, str]]:
    lines = [(depth, "all of these:" if kind == "all" else "any of these:")]
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and len(item) == 1 and next(iter(item)) in ("all", "any"):
            ((inner, inner_items),) = item.items()
            lines += _group(inner, inner_items, depth + 1)
        else:
            lines.append((depth + 1, _condition(item)))
    return lines


def describe(rules: dict[str, Any]) -> list[tuple[int, str]]:
    """(indent level, sentence) lines: the match groups, then order and limit."""
    lines: list[tuple[int, str]] = []
    for kind in ("all", "any"):
        if kind in rules:
            lines += [(0, "Tracks matching " + _group(kind, rules[kind], 0)[0][1])]
            lines += _group(kind, rules[kind], 0)[1:]
    sort = rules.get("sort")
    if sort:
        order = "descending" if rules.get("order") == "desc" else "ascending"
        lines.append((0, "in random order" if sort == "random" else f"sorted by {sort}, {order}"))
    if "limit" in rules:
        lines.append((0, f"at most {rules['limit']} tracks"))
    return lines
