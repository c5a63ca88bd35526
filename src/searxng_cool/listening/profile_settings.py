"""`user_music_profiles.discovery_settings`: the knobs a user may turn, and their schema.

| key | type | default | meaning |
| --- | --- | --- | --- |
| `novelty` | number 0..1 | 0.5 | 0 favours the familiar and popular, 1 favours what the user has not heard |
| `energy_range` | [low, high], 0 <= low <= high <= 1 | [0, 1] | only tracks whose normalised energy lies inside |
| `excluded_genres` | list of up to 50 distinct non-blank strings (<= 100 chars) | [] | never recommend tracks of these genres |

Unknown keys are refused, so a typo does not silently do nothing.
"""

from __future__ import annotations

from typing import Any

from searxng_cool.errors import InvalidInput

DEFAULT_SETTINGS: dict[str, Any] = {
    "novelty": 0.5,
    "energy_range": [0.0, 1.0],
    "excluded_genres": [],
}
MAX_EXCLUDED_GENRES = 50
MAX_GENRE_LENGTH = 100


def _unit_number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidInput(f"{what} must be a number from 0 to 1, got {value!r}")
    return float(value)


def _energy_range(value: Any) -> list[float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidInput(f"energy_range must be [low, high], got {value!r}")
    low = _unit_number(value[0], "energy_range low")
    high = _unit_number(value[1], "energy_range high")
    if low > high:
        raise InvalidInput(f"energy_range low {low} is above high {high}; give [low, high]")
    return [low, high]


def genre_list(value: Any, what: str) -> list[str]:
    """Distinct, trimmed, non-blank genre names; refused with the bad value otherwise."""
    if not isinstance(value, list) or len(value) > MAX_EXCLUDED_GENRES:
        raise InvalidInput(f"{what} must be a list of at most {MAX_EXCLUDED_GENRES} genres")
    cleaned: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_GENRE_LENGTH:
            raise InvalidInput(
                f"{what}: {item!r} is not a genre name (1..{MAX_GENRE_LENGTH} chars)"
            )
        if item.strip() not in cleaned:
            cleaned.append(item.strip())
    return cleaned


def validate_discovery_settings(raw: Any) -> dict[str, Any]:
    """The settings with defaults filled in; any unknown key or bad value is refused."""
    if not isinstance(raw, dict):
        raise InvalidInput(f"discovery settings must be an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - set(DEFAULT_SETTINGS))
    if unknown:
        raise InvalidInput(
            f"unknown discovery setting(s) {', '.join(map(repr, unknown))};"
            f" known: {', '.join(DEFAULT_SETTINGS)}"
        )
    merged = {**DEFAULT_SETTINGS, **raw}
    return {
        "novelty": _unit_number(merged["novelty"], "novelty"),
        "energy_range": _energy_range(merged["energy_range"]),
        "excluded_genres": genre_list(merged["excluded_genres"], "excluded_genres"),
    }
