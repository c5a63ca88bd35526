"""Search filters: what a caller may narrow results by, validated, as SQL conditions.

Genres live on artists and albums (a track matches through its album or artist), the year
is the album's release date, duration and audio features belong to tracks. A filter an
entity cannot satisfy excludes it: with a duration range, only tracks remain.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

from searxng_cool.db.models.catalog import AUDIO_FEATURES
from searxng_cool.errors import InvalidInput

RESULT_TYPES = ("track", "artist", "album")
# Checked before any value reaches SQL: make_date() takes years 1..9999 here (PostgreSQL
# dates go further, but no release does), durations fit tracks.duration_ms (INTEGER).
YEARS = (1, 9999)
MAX_DURATION_MS = 2**31 - 1
MAX_FEATURE = 1e6

# Joins that give every entry its track (if a track), album and artist, for filtering
# and for display. `e` is the search entry. Each is a primary-key lookup per entry, kept
# as such by LIMIT 1 (a subquery with a LIMIT is not flattened): hashing a million
# tracks to join a hundred candidates is the plan this rules out.
ENTITY_JOINS = """
    LEFT JOIN LATERAL (SELECT * FROM tracks WHERE e.kind = 'track' AND tracks.id = e.entity_id
                       LIMIT 1) AS t ON true
    LEFT JOIN LATERAL (SELECT * FROM albums WHERE albums.id = CASE e.kind
                       WHEN 'album' THEN e.entity_id WHEN 'track' THEN t.album_id END
                       LIMIT 1) AS al ON true
    LEFT JOIN LATERAL (SELECT * FROM artists WHERE artists.id = CASE e.kind
                       WHEN 'artist' THEN e.entity_id WHEN 'album' THEN al.artist_id
                       WHEN 'track' THEN t.artist_id END
                       LIMIT 1) AS ar ON true
"""


@dataclass(frozen=True)
class Range:
    """An inclusive range; either end may be open."""

    low: float | None = None
    high: float | None = None

    def check(self, what: str, lowest: float = -math.inf, highest: float = math.inf) -> None:
        """Refuse an empty range, or an end outside [lowest, highest] (or not a number)."""
        for end in (self.low, self.high):
            if end is not None and not lowest <= end <= highest:
                raise InvalidInput(
                    f"{what} {end:.10g} is outside {lowest:.10g}..{highest:.10g}; "
                    "give a bound within it"
                )
        if self.low is not None and self.high is not None and self.low > self.high:
            raise InvalidInput(
                f"{what} range {self.low:g}..{self.high:g} is empty; give the lower bound first"
            )


@dataclass(frozen=True)
class SearchFilters:
    types: tuple[str, ...] = RESULT_TYPES
    genre: str | None = None
    years: Range = Range()
    duration_ms: Range = Range()
    features: dict[str, Range] = field(default_factory=dict)

    def validate(self) -> None:
        unknown = [kind for kind in self.types if kind not in RESULT_TYPES]
        if unknown or not self.types:
            raise InvalidInput(
                f"result type {', '.join(unknown) or '(none)'} is not one of "
                f"{', '.join(RESULT_TYPES)}"
            )
        if self.genre is not None and not self.genre.strip():
            raise InvalidInput("genre filter is blank; name a genre such as 'pop' or drop it")
        self.years.check("year", *YEARS)
        self.duration_ms.check("duration", 0, MAX_DURATION_MS)
        for name, bounds in self.features.items():
            if name not in AUDIO_FEATURES:
                raise InvalidInput(
                    f"audio feature {name!r} is unknown; use one of {', '.join(AUDIO_FEATURES)}"
                )
            bounds.check(name, -MAX_FEATURE, MAX_FEATURE)

    @property
    def needs_entities(self) -> bool:
        """Whether filtering needs the track, album and artist rows, not just the entry."""
        return bool(
            self.genre or self.features or self.years != Range() or self.duration_ms != Range()
        )


def conditions(filters: SearchFilters) -> tuple[list[str], dict[str, object]]:
    """SQL conditions (over `e`, `t`, `al`, `ar`) and their bound values. Every value is a
    bind parameter; only names from the fixed lists above shape the SQL text."""
    sql: list[str] = []
    params: dict[str, object] = {}
    if tuple(filters.types) != RESULT_TYPES:
        sql.append("e.kind = ANY(:types)")
        params["types"] = list(filters.types)
    if filters.genre:
        sql.append("(al.genres @> CAST(:genre AS jsonb) OR ar.genres @> CAST(:genre AS jsonb))")
        params["genre"] = json.dumps([filters.genre.strip().lower()])
    if filters.years.low is not None:
        sql.append("al.release_date >= make_date(:year_low, 1, 1)")
        params["year_low"] = int(filters.years.low)
    if filters.years.high is not None:
        sql.append("al.release_date < make_date(:year_high + 1, 1, 1)")
        params["year_high"] = int(filters.years.high)
    _range(sql, params, "t.duration_ms", "duration", filters.duration_ms)
    for index, (name, bounds) in enumerate(sorted(filters.features.items())):
        # A feature stored as something other than a number fails the filter, never the query.
        value = (
            f"CASE WHEN jsonb_typeof(t.audio_features -> :feature_{index}) = 'number' "
            f"THEN (t.audio_features ->> :feature_{index})::float8 END"
        )
        params[f"feature_{index}"] = name
        _range(sql, params, value, f"feature_{index}", bounds)
    return sql, params


def _range(sql: list[str], params: dict[str, object], value: str, name: str, bounds: Range) -> None:
    if bounds.low is not None:
        sql.append(f"{value} >= :{name}_low")
        params[f"{name}_low"] = bounds.low
    if bounds.high is not None:
        sql.append(f"{value} <= :{name}_high")
        params[f"{name}_high"] = bounds.high
