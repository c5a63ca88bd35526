"""JSON from users and files, read with bounds: every entry point that parses JSON uses this.

Python's `json` recurses once per nesting level (10,000 levels raise RecursionError), turns a
5,000-digit integer into a ValueError about `sys.set_int_max_str_digits`, and accepts lone
surrogates (`"\\ud800"`) and NUL characters that PostgreSQL later refuses in the middle of a
COPY. Here each of those is an InvalidInput naming what was wrong, raised before anything
reaches the database.
"""

from __future__ import annotations

import json
from typing import Any

from searxng_cool.errors import InvalidInput

MAX_DEPTH = 32
# BIGINT holds 19 digits; anything longer fits no integer column of the schema.
MAX_INTEGER_DIGITS = 19


class _TooLargeError(ValueError):
    pass


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _TooLargeError(digits)
    return int(digits)


def _constant(name: str) -> float:
    raise _TooLargeError(name)


def _depth(text: str) -> int:
    """The deepest nesting of `text`, counted without recursion (strings are skipped)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _check_strings(value: Any, what: str) -> None:
    """Refuse strings PostgreSQL cannot store: NUL and lone surrogates (not valid UTF-8)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise InvalidInput(f"{what} holds a NUL character (\\u0000); remove it")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidInput(
                    f"{what} holds a lone UTF-16 surrogate (like \\ud800), which is not text"
                ) from None


def loads(text: str, *, what: str) -> Any:
    """Parse `text` as JSON, or raise InvalidInput saying what in it was wrong.

    Nesting deeper than MAX_DEPTH, integers longer than MAX_INTEGER_DIGITS digits, NaN and
    Infinity, NUL characters and lone surrogates are all refused.
    """
    # Cheap tests first: most input has few brackets and no escapes, so the walks are skipped.
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise InvalidInput(f"{what} is nested more than {MAX_DEPTH} levels deep")
    try:
        parsed = json.loads(text, parse_int=_integer, parse_constant=_constant)
    except _TooLargeError as exc:
        shown = str(exc) if len(str(exc)) <= 24 else f"{str(exc)[:12]}... ({len(str(exc))} digits)"
        raise InvalidInput(
            f"{what} holds the number {shown}; integers have at most {MAX_INTEGER_DIGITS} "
            "digits and NaN/Infinity are not numbers"
        ) from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{what} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    except RecursionError:  # defence in depth: _depth already refused this
        raise InvalidInput(f"{what} is nested too deeply") from None
    if "\\u" in text or "\x00" in text or not text.isascii():
        _check_strings(parsed, what)
    return parsed
