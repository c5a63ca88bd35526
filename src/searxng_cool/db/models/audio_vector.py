"""The normalised audio-feature vector of a track, as a `cube` for KNN search.

`tracks.audio_vector` is a STORED generated column computed from `tracks.audio_features`
with the fixed constants below, so every writer (bulk ingest included) keeps it current
without knowing it exists. Each dimension is scaled to 0..1 and clamped, so that one unit
of tempo does not outweigh the whole of energy in the Euclidean distance `<->`.

`key` and `mode` are not dimensions: they are categories (key 11 is not "near" key 0 in any
way a listener hears), so distance on them would be noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.dialects.postgresql import base as postgresql_base
from sqlalchemy.types import UserDefinedType


@dataclass(frozen=True)
class AudioDimension:
    name: str
    low: float
    high: float

    def normalise(self, value: float) -> float:
        scaled = (value - self.low) / (self.high - self.low)
        return min(1.0, max(0.0, scaled))


# Spotify's ranges: most features are 0..1; loudness is dBFS (about -60..0); tempo is BPM.
AUDIO_DIMENSIONS: tuple[AudioDimension, ...] = (
    AudioDimension("danceability", 0.0, 1.0),
    AudioDimension("energy", 0.0, 1.0),
    AudioDimension("loudness", -60.0, 0.0),
    AudioDimension("speechiness", 0.0, 1.0),
    AudioDimension("acousticness", 0.0, 1.0),
    AudioDimension("instrumentalness", 0.0, 1.0),
    AudioDimension("liveness", 0.0, 1.0),
    AudioDimension("valence", 0.0, 1.0),
    AudioDimension("tempo", 0.0, 250.0),
)
DIMENSION_NAMES = tuple(d.name for d in AUDIO_DIMENSIONS)


class Cube(UserDefinedType[Any]):
    """The contrib `cube` type; values are passed as their text form '(x, y, ...)'."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "cube"


# Reflection then recognises the column, so `alembic check` compares like with like.
postgresql_base.ischema_names["cube"] = Cube


def cube_literal(vector: list[float] | tuple[float, ...]) -> str:
    """A vector as cube's text input, for a bound parameter cast with `CAST(:v AS cube)`."""
    return "(" + ", ".join(f"{x:.6f}" for x in vector) + ")"


def parse_cube(value: str | None) -> list[float] | None:
    """cube's text form '(0.1, 0.2, ...)' as a list of floats."""
    if value is None:
        return None
    return [float(x) for x in value.strip("()").split(",")]


def _scaled_sql(dimension: AudioDimension) -> str:
    value = f"(audio_features -> '{dimension.name}')::double precision"
    span = dimension.high - dimension.low
    return f"LEAST(1.0, GREATEST(0.0, ({value} - ({dimension.low})) / {span}))"


def _all_numeric_sql() -> str:
    return " AND ".join(
        f"jsonb_typeof(audio_features -> '{d.name}') = 'number'" for d in AUDIO_DIMENSIONS
    )


def audio_vector_sql() -> str:
    """NULL unless every dimension is a JSON number: a partial vector would sit at a false place."""
    coordinates = ", ".join(_scaled_sql(d) for d in AUDIO_DIMENSIONS)
    return f"CASE WHEN {_all_numeric_sql()} THEN cube(ARRAY[{coordinates}]) END"
