"""The smart-playlist rule language: parse and validate `dynamic_rules` into a small tree.

The shape follows Navidrome's `.nsp` files (documented in docs/smart_playlists.md):

    {"all": [{"gt": {"energy": 0.8}},
             {"any": [{"contains": {"genre": "house"}}, {"is": {"liked": true}}]}],
     "sort": "popularity", "order": "desc", "limit": 100}

Every refusal names the path of the bad node, e.g. `rules.all[2].inTheRange: expects
[low, high]`. Compilation to SQL is in `playlists/rule_sql.py`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from searxng_cool.db.models.catalog import AUDIO_FEATURES
from searxng_cool.errors import InvalidInput

FieldKind = Literal["text", "genre", "number", "bool", "date"]
FIELDS: dict[str, FieldKind] = {
    "title": "text",
    "artist": "text",
    "album": "text",
    "genre": "genre",
    "year": "number",
    "duration": "number",
    "popularity": "number",
    "playcount": "number",
    "liked": "bool",
    "lastplayed": "date",
    **dict.fromkeys(AUDIO_FEATURES, "number"),
}
OPERATORS: dict[str, frozenset[FieldKind]] = {
    "is": frozenset({"text", "genre", "number", "bool", "date"}),
    "isNot": frozenset({"text", "genre", "number", "bool", "date"}),
    "gt": frozenset({"number", "date"}),
    "lt": frozenset({"number", "date"}),
    "inTheRange": frozenset({"number", "date"}),
    "contains": frozenset({"text", "genre"}),
    "notContains": frozenset({"text", "genre"}),
    "startsWith": frozenset({"text", "genre"}),
    "endsWith": frozenset({"text", "genre"}),
    "inTheLast": frozenset({"date"}),
    "notInTheLast": frozenset({"date"}),
    "isMissing": frozenset({"text", "genre", "number", "date"}),
    "isPresent": frozenset({"text", "genre", "number", "date"}),
}
PLAYLIST_OPERATORS = ("inPlaylist", "notInPlaylist")
GROUPS = ("all", "any")
SORTABLE = (*(name for name in FIELDS if name != "genre"), "random")
TOP_LEVEL_KEYS = ("all", "any", "sort", "order", "limit")

MAX_LIMIT = 10_000  # also the default: a smart playlist never grows past this
MAX_DEPTH = 8
MAX_CONDITIONS = 200
MAX_TEXT = 255
MAX_NUMBER = 1e12
MAX_DAYS = 36_600
MAX_SOURCE_BYTES = 65_536


@dataclass(frozen=True)
class Condition:
    operator: str
    field: str  # for inPlaylist/notInPlaylist: "playlist"
    value: Any
    path: str


@dataclass(frozen=True)
class Group:
    kind: Literal["all", "any"]
    children: tuple[Group | Condition, ...]


@dataclass(frozen=True)
class SmartRules:
    root: Group
    sort: str | None
    descending: bool
    limit: int
    source: dict[str, Any]  # the validated JSON, as stored in playlists.dynamic_rules

    def fields(self) -> set[str]:
        used = {self.sort} if self.sort else set()
        return used | _fields_of(self.root)


def parse_rules(rules: Any) -> SmartRules:
    """Validate a rule document; raises InvalidInput naming the first bad node's path."""
    if not isinstance(rules, dict):
        raise InvalidInput('rules: expects an object such as {"all": [...]}')
    _require_storable(rules)
    unknown = [key for key in rules if key not in TOP_LEVEL_KEYS]
    if unknown:
        raise InvalidInput(
            f"rules.{_segment(unknown[0])}: unknown key; expected one of all, any, sort, order, limit"
        )
    groups = [key for key in GROUPS if key in rules]
    if len(groups) != 1:
        raise InvalidInput("rules: expects exactly one of 'all' or 'any' at the top")
    counter = [0]
    root = _group(groups[0], rules[groups[0]], f"rules.{groups[0]}", 1, counter)
    return SmartRules(
        root=root,
        sort=_sort(rules.get("sort")),
        descending=_descending(rules.get("order")),
        limit=_limit(rules.get("limit")),
        source=rules,
    )


def _require_storable(rules: dict[str, Any]) -> None:
    try:
        encoded = json.dumps(rules, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError, RecursionError) as exc:
        raise InvalidInput(
            f"rules: not storable as JSON ({type(exc).__name__}: {exc})"[:300]
        ) from exc
    if len(encoded) > MAX_SOURCE_BYTES:
        raise InvalidInput(f"rules: {len(encoded)} bytes of JSON; the limit is {MAX_SOURCE_BYTES}")


def _group(kind: str, items: Any, path: str, depth: int, counter: list[int]) -> Group:
    if depth > MAX_DEPTH:
        raise InvalidInput(f"{path}: groups nest deeper than {MAX_DEPTH} levels")
    if not isinstance(items, list) or not items:
        raise InvalidInput(f"{path}: expects a non-empty list of conditions")
    children: list[Group | Condition] = []
    for index, item in enumerate(items):
        item_path = f"{path}[{index}]"
        if not isinstance(item, dict) or len(item) != 1:
            raise InvalidInput(
                f'{item_path}: expects an object with one operator, e.g. {{"is": {{"title": "x"}}}}'
            )
        ((key, body),) = item.items()
        if key in GROUPS:
            children.append(_group(key, body, f"{item_path}.{key}", depth + 1, counter))
            continue
        counter[0] += 1
        if counter[0] > MAX_CONDITIONS:
            raise InvalidInput(
                f"{item_path}: more than {MAX_CONDITIONS} conditions in one rule set"
            )
        children.append(_condition(key, body, f"{item_path}.{_segment(key)}"))
    return Group("all" if kind == "all" else "any", tuple(children))


def _condition(operator: Any, body: Any, path: str) -> Condition:
    if operator in PLAYLIST_OPERATORS:
        return Condition(operator, "playlist", _playlist_id(body, path), path)
    if operator not in OPERATORS:
        known = ", ".join([*OPERATORS, *PLAYLIST_OPERATORS, *GROUPS])
        raise InvalidInput(f"{path}: unknown operator; expected one of {known}")
    if not isinstance(body, dict) or len(body) != 1:
        raise InvalidInput(f'{path}: expects an object with one field, e.g. {{"title": "x"}}')
    ((field, value),) = body.items()
    kind = FIELDS.get(field) if isinstance(field, str) else None
    if kind is None:
        raise InvalidInput(
            f"{path}: unknown field {_show(field)}; expected one of {', '.join(FIELDS)}"
        )
    if kind not in OPERATORS[operator]:
        raise InvalidInput(f"{path}: {operator} does not apply to {field} ({kind})")
    return Condition(operator, field, _value(operator, kind, value, path), path)


def _value(operator: str, kind: FieldKind, value: Any, path: str) -> Any:
    if operator in ("isMissing", "isPresent"):
        if value is not True:
            raise InvalidInput(f"{path}: expects true")
        return True
    if operator == "inTheRange":
        if not isinstance(value, list) or len(value) != 2:
            raise InvalidInput(f"{path}: expects [low, high]")
        low, high = (_scalar(kind, item, path) for item in value)
        if low > high:
            raise InvalidInput(f"{path}: expects [low, high] with low <= high, got {value!r}")
        return (low, high)
    if operator in ("inTheLast", "notInTheLast"):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
            raise InvalidInput(f"{path}: expects a number of days from 1 to {MAX_DAYS}")
        return value
    if kind in ("text", "genre"):
        return _text(value, path)
    return _scalar(kind, value, path)


def _scalar(kind: FieldKind, value: Any, path: str) -> Any:
    if kind == "bool":
        if not isinstance(value, bool):
            raise InvalidInput(f"{path}: expects true or false")
        return value
    if kind == "date":
        if not isinstance(value, str):
            raise InvalidInput(f'{path}: expects a date as "YYYY-MM-DD"')
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise InvalidInput(
                f'{path}: expects a date as "YYYY-MM-DD", not {_show(value)}'
            ) from exc
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidInput(f"{path}: expects a number")
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise InvalidInput(f"{path}: expects a finite number within ±{MAX_NUMBER:.0e}")
    return float(value)


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT or "\x00" in value:
        raise InvalidInput(
            f"{path}: expects non-empty text of at most {MAX_TEXT} characters, without NUL"
        )
    return value


def _playlist_id(body: Any, path: str) -> int:
    wanted = body.get("id") if isinstance(body, dict) and len(body) == 1 else None
    if isinstance(wanted, bool) or not isinstance(wanted, int) or not 1 <= wanted < 2**31:
        raise InvalidInput(f'{path}: expects {{"id": <playlist id>}}')
    return wanted


def _sort(sort: Any) -> str | None:
    if sort is None:
        return None
    if sort not in SORTABLE:
        raise InvalidInput(f"rules.sort: expects one of {', '.join(SORTABLE)}, not {_show(sort)}")
    return str(sort)


def _descending(order: Any) -> bool:
    if order is None or order == "asc":
        return False
    if order == "desc":
        return True
    raise InvalidInput(f'rules.order: expects "asc" or "desc", not {_show(order)}')


def _limit(limit: Any) -> int:
    if limit is None:
        return MAX_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"rules.limit: expects a whole number from 1 to {MAX_LIMIT}")
    return limit


def _fields_of(group: Group) -> set[str]:
    found: set[str] = set()
    for child in group.children:
        found |= _fields_of(child) if isinstance(child, Group) else {child.field}
    return found


def _segment(key: Any) -> str:
    """A key as a path segment: bare when it is a plain name, quoted (and cut) otherwise."""
    if isinstance(key, str) and key.isidentifier() and len(key) <= 40:
        return key
    return _show(key)


def _show(value: Any) -> str:
    """A user's value in a message: repr, cut short so a huge string cannot flood the error."""
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."
