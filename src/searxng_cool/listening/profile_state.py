"""The arithmetic of a music profile, without the database.

A profile is the exponentially decayed, weighted evidence of a user's events: for the
events that count in favour (likes, saves, full plays, ...) the weighted mean and mean
square of each audio dimension; for the events that count against (skips, dislikes, ...)
their weighted mean; and a signed weight per genre. Decay is relative to `as_of`, the time
of the newest event, with a fixed half-life, so adding one event is exact and cheap: scale
the old evidence by the decay between the two times, then add the new event. A batch
rebuild computes the same sums in SQL and gives the same profile.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from searxng_cool.db.models.audio_vector import DIMENSION_NAMES

HALF_LIFE_DAYS = 90.0
HALF_LIFE_SECONDS = HALF_LIFE_DAYS * 86_400.0

# like > save > playlist_add > share > full play > partial play > 0 > withdrawals > skip > dislike
INTERACTION_WEIGHTS: dict[str, float] = {
    "like": 3.0,
    "save": 2.5,
    "playlist_add": 2.0,
    "share": 1.5,
    "play": 1.0,
    "playlist_remove": -0.5,
    "unsave": -1.0,
    "skip": -1.0,
    "unlike": -1.5,
    "dislike": -2.5,
}
FULL_PLAY_FRACTION = 0.8
PARTIAL_PLAY_SCALE = 0.5  # a play stopped at fraction f < 0.8 weighs 0.5 * f (< 0.4 < 1.0)

# How far the target moves away from what was disliked, relative to the liked centre.
AVOIDANCE_STRENGTH = 0.5


def interaction_weight(
    interaction_type: str, play_duration_ms: int | None, track_duration_ms: int | None
) -> float:
    """The signed weight of one event; a play counts fully only when most of the track was heard."""
    weight = INTERACTION_WEIGHTS[interaction_type]
    if interaction_type != "play" or play_duration_ms is None or not track_duration_ms:
        return weight
    fraction = min(1.0, play_duration_ms / track_duration_ms)
    return weight if fraction >= FULL_PLAY_FRACTION else PARTIAL_PLAY_SCALE * fraction


def decay_factor(older: datetime, newer: datetime) -> float:
    return math.pow(0.5, max(0.0, (newer - older).total_seconds()) / HALF_LIFE_SECONDS)


@dataclass
class Moments:
    """Weighted mean and mean square per dimension; `weight` is the total (decayed) weight."""

    weight: float = 0.0
    mean: list[float] = field(default_factory=lambda: [0.0] * len(DIMENSION_NAMES))
    meansq: list[float] = field(default_factory=lambda: [0.0] * len(DIMENSION_NAMES))

    def add(self, vector: list[float], weight: float) -> None:
        total = self.weight + weight
        keep, new = self.weight / total, weight / total
        self.mean = [keep * m + new * x for m, x in zip(self.mean, vector, strict=True)]
        self.meansq = [keep * m + new * x * x for m, x in zip(self.meansq, vector, strict=True)]
        self.weight = total

    def spread(self) -> list[float]:
        return [
            math.sqrt(max(0.0, sq - m * m)) for m, sq in zip(self.mean, self.meansq, strict=True)
        ]


@dataclass(frozen=True)
class ProfileEvent:
    weight: float
    at: datetime
    vector: list[float] | None
    genres: tuple[str, ...]


@dataclass
class ProfileState:
    as_of: datetime | None = None
    liked: Moments = field(default_factory=Moments)
    disliked: Moments = field(default_factory=Moments)
    genre_mass: dict[str, float] = field(default_factory=dict)

    @property
    def has_evidence(self) -> bool:
        return self.liked.weight > 0 or any(w > 0 for w in self.genre_mass.values())

    def _decay_all(self, factor: float) -> None:
        self.liked.weight *= factor
        self.disliked.weight *= factor
        self.genre_mass = {g: w * factor for g, w in self.genre_mass.items()}

    def apply(self, event: ProfileEvent) -> None:
        """Add one event; an event older than `as_of` is decayed instead of the evidence."""
        weight = event.weight
        if self.as_of is None or event.at >= self.as_of:
            if self.as_of is not None:
                self._decay_all(decay_factor(self.as_of, event.at))
            self.as_of = event.at
        else:
            weight *= decay_factor(event.at, self.as_of)
        if weight == 0:
            return
        if event.vector is not None:
            side = self.liked if weight > 0 else self.disliked
            side.add(event.vector, abs(weight))
        for genre in event.genres:
            self.genre_mass[genre] = self.genre_mass.get(genre, 0.0) + weight

    def target(self) -> list[float]:
        """Where to look: the liked centre, pushed away from the disliked one (Rocchio)."""
        centre = self.liked.mean if self.liked.weight > 0 else [0.5] * len(DIMENSION_NAMES)
        if self.disliked.weight == 0:
            return list(centre)
        share = self.disliked.weight / (self.liked.weight + self.disliked.weight)
        push = AVOIDANCE_STRENGTH * share
        return [
            min(1.0, max(0.0, c + push * (c - a)))
            for c, a in zip(centre, self.disliked.mean, strict=True)
        ]

    def genre_weights(self) -> dict[str, float]:
        """Genres with net positive evidence, normalised to sum to 1, heaviest first."""
        positive = {g: w for g, w in self.genre_mass.items() if w > 0}
        total = sum(positive.values())
        ranked = sorted(positive.items(), key=lambda item: (-item[1], item[0]))
        return {g: round(w / total, 6) for g, w in ranked} if total else {}

    def audio_document(self) -> dict[str, Any]:
        spreads = self.liked.spread()
        features = {
            name: {
                "centre": self.liked.mean[i],
                "spread": spreads[i],
                "avoid": self.disliked.mean[i] if self.disliked.weight else None,
                "meansq": self.liked.meansq[i],
            }
            for i, name in enumerate(DIMENSION_NAMES)
        }
        return {
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "liked_weight": self.liked.weight,
            "disliked_weight": self.disliked.weight,
            "features": features,
        }

    def genre_document(self) -> dict[str, Any]:
        return {"weights": self.genre_weights(), "mass": dict(sorted(self.genre_mass.items()))}

    @classmethod
    def from_documents(cls, audio: dict[str, Any], genres: dict[str, Any]) -> ProfileState:
        features = audio.get("features") or {}
        if not features or audio.get("as_of") is None:
            return cls(genre_mass=dict(genres.get("mass") or {}))
        liked = Moments(
            weight=float(audio["liked_weight"]),
            mean=[float(features[n]["centre"]) for n in DIMENSION_NAMES],
            meansq=[float(features[n]["meansq"]) for n in DIMENSION_NAMES],
        )
        disliked_mean = [features[n]["avoid"] for n in DIMENSION_NAMES]
        disliked = Moments(
            weight=float(audio["disliked_weight"]),
            mean=[float(a) if a is not None else 0.0 for a in disliked_mean],
        )
        return cls(
            as_of=datetime.fromisoformat(audio["as_of"]),
            liked=liked,
            disliked=disliked,
            genre_mass={g: float(w) for g, w in (genres.get("mass") or {}).items()},
        )
