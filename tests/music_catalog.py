"""A small catalog with audio features and genres, for discovery and profile tests."""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import Connection

from tests import factories

GENRES = ("rock", "ambient", "pop", "folk", "edm", "jazz")


@dataclass(frozen=True)
class CatalogTrack:
    id: int
    artist_id: int
    energy: float
    valence: float
    genre: str


def make_catalog(
    connection: Connection, *, artists: int = 24, per_artist: int = 6, seed: int = 7
) -> list[CatalogTrack]:
    """Artists whose tracks share a genre and an energy level, from calm to loud."""
    rng = random.Random(seed)
    made: list[CatalogTrack] = []
    for a in range(artists):
        genre = GENRES[a % len(GENRES)]
        level = (a + 0.5) / artists
        artist_id = factories.artist(connection, genres=[genre])
        album_id = factories.album(connection, artist_id=artist_id, genres=[genre])
        for _ in range(per_artist):
            energy = min(0.99, max(0.01, level + rng.uniform(-0.05, 0.05)))
            valence = rng.uniform(0.05, 0.95)
            features = factories.audio_features(
                energy=energy,
                valence=valence,
                danceability=rng.uniform(0.2, 0.9),
                acousticness=1 - energy,
                tempo=70 + 110 * energy,
            )
            track_id = factories.track(
                connection,
                artist_id=artist_id,
                album_id=album_id,
                audio_features=features,
                popularity=rng.uniform(5, 95),
            )
            made.append(CatalogTrack(track_id, artist_id, energy, valence, genre))
    return made
