"""Draw and label the stratified track-pair sample in bench/fixtures/track_pairs_strata.csv.

Run: python -m bench.label_pairs [--data DIR] [--seed 14]   (writes ids and labels only)

Candidate pairs come from the public data (spotify_songs.csv, lastfm_scrobbles.csv) with a
fixed seed, in the strata where merging goes wrong; each pair is labelled by the rule in
bench/fixtures/README.md ("Labelling rule"), implemented here from the raw columns, apart
from the resolver's SQL. The file holds ids only (`spotify:<track_id>`, `lastfm:<line>`).
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from searxng_cool.catalog.normalize import split_artist, split_title

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data"
OUT = REPO_ROOT / "bench" / "fixtures" / "track_pairs_strata.csv"
FEATURES = ("danceability", "energy", "speechiness", "acousticness", "instrumentalness",
            "liveness", "valence", "loudness", "tempo")  # fmt: skip
ALLOWANCE = {"danceability": 0.1, "energy": 0.1, "valence": 0.1, "acousticness": 0.1,
             "instrumentalness": 0.1, "loudness": 1.5}  # fmt: skip
# How many pairs each stratum draws at most (all of them when there are fewer).
QUOTA = {
    "duration-gap": 300,
    "version-tag": 300,
    "featured": 200,
    "same-duration": 200,
    "cross-source": 200,
    "near-duplicate": 100,
}


def key(text: str) -> str:
    """Accents, case, apostrophes and punctuation away: how a reader compares two names."""
    plain = "".join(
        c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c)
    )
    plain = re.sub("['\u2019`\u00b4]", "", plain.replace("&", " and "))
    return " ".join(re.findall(r"[^\W_]+", plain))


@dataclass(frozen=True)
class Song:
    ref: str
    title: str
    artist: str
    base: str
    version: str
    featured: bool
    duration_ms: int | None
    features: dict[str, float] | None
    raw_features: tuple[str, ...] | None


def spotify_songs(data: Path) -> Iterator[Song]:
    seen: set[str] = set()
    with (data / "spotify_songs.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["track_id"] in seen or "NA" in (row["track_name"], row["track_artist"]):
                continue
            seen.add(row["track_id"])
            parts = split_title(row["track_name"])
            yield Song(
                ref=f"spotify:{row['track_id']}",
                title=row["track_name"],
                artist=key(split_artist(row["track_artist"]).primary),
                base=key(parts.base),
                version=key(parts.version),
                featured=bool(parts.featured),
                duration_ms=int(row["duration_ms"]),
                features={f: float(row[f]) for f in FEATURES},
                raw_features=tuple(row[f] for f in (*FEATURES, "key", "mode")),
            )


def lastfm_songs(data: Path) -> Iterator[Song]:
    with (data / "lastfm_scrobbles.csv").open(encoding="utf-8") as handle:
        for line_no, row in enumerate(csv.DictReader(handle), start=2):
            if not row["track"] or not row["artist"]:
                continue
            parts = split_title(row["track"])
            yield Song(
                ref=f"lastfm:{line_no}",
                title=row["track"],
                artist=key(split_artist(row["artist"]).primary),
                base=key(parts.base),
                version=key(parts.version),
                featured=bool(parts.featured),
                duration_ms=None,
                features=None,
                raw_features=None,
            )


def same_audio(a: Song, b: Song) -> bool:
    """One audio file analysed twice: durations within a second, key and mode equal, tempo
    within 0.5 BPM, loudness within 0.3 dB, every other feature within 0.03."""
    if a.raw_features is None or b.raw_features is None:
        return False
    if a.duration_ms is None or b.duration_ms is None:
        return False
    if abs(a.duration_ms - b.duration_ms) > 1000 or a.raw_features[-2:] != b.raw_features[-2:]:
        return False
    fa, fb = a.features or {}, b.features or {}
    allowed = {"tempo": 0.5, "loudness": 0.3}
    return all(abs(fa[f] - fb[f]) <= allowed.get(f, 0.03) for f in FEATURES)


def distance(a: Song, b: Song) -> float | None:
    """The largest difference of a stable feature as a share of its allowance."""
    if a.features is None or b.features is None:
        return None
    tempo = max(a.features["tempo"], b.features["tempo"])
    shares = [abs(a.features[f] - b.features[f]) / ALLOWANCE[f] for f in ALLOWANCE]
    if tempo > 0:
        shares.append(abs(a.features["tempo"] - b.features["tempo"]) / (0.02 * tempo))
    return max(shares)


def label(a: Song, b: Song) -> bool:  # noqa: PLR0911 - the rule reads case by case
    """The labelling rule of bench/fixtures/README.md."""
    if a.artist != b.artist or a.base != b.base:
        return same_audio(a, b)
    if same_audio(a, b):
        return True
    if a.version != b.version:
        return False
    if a.duration_ms is None or b.duration_ms is None:
        return True
    gap = abs(a.duration_ms - b.duration_ms)
    if gap <= 5000:
        return True
    if gap > max(5000, 0.025 * max(a.duration_ms, b.duration_ms)):
        return False
    found = distance(a, b)
    return found is None or found <= 1.0


def stratum(a: Song, b: Song) -> str | None:
    """Which hard case a Spotify pair of one artist is, if any."""
    gap = abs((a.duration_ms or 0) - (b.duration_ms or 0))
    if a.base != b.base:
        return "same-duration" if gap <= 1000 else None
    if a.title != b.title and (a.featured or b.featured):
        return "featured"
    if a.version != b.version or (
        a.title.casefold() != b.title.casefold() and (" - " in a.title + b.title)
    ):
        return "version-tag"
    if 2000 <= gap <= 15000:
        return "duration-gap"
    if gap < 2000:
        return "near-duplicate"
    return None


def draw(data: Path, seed: int) -> list[tuple[str, str, bool, str]]:
    rng = random.Random(seed)
    spotify = list(spotify_songs(data))
    by_artist: dict[str, list[Song]] = defaultdict(list)
    for song in spotify:
        by_artist[song.artist].append(song)
    found: dict[str, list[tuple[Song, Song]]] = defaultdict(list)
    for songs in by_artist.values():
        for i, a in enumerate(songs):
            for b in songs[i + 1 :]:
                kind = stratum(a, b)
                if kind:
                    found[kind].append((a, b))
    # Cross-source: a scrobble and the one Spotify track of its artist and base title.
    by_name: dict[tuple[str, str], list[Song]] = defaultdict(list)
    for song in spotify:
        by_name[(song.artist, song.base)].append(song)
    scrobbles: dict[str, Song] = {}
    for song in lastfm_songs(data):
        scrobbles.setdefault(f"{song.artist}|{song.title}", song)
    for song in scrobbles.values():
        matches = by_name.get((song.artist, song.base), [])
        if len(matches) == 1:
            found["cross-source"].append((matches[0], song))
    pairs = []
    for kind, quota in QUOTA.items():
        candidates = sorted(found[kind], key=lambda p: (p[0].ref, p[1].ref))
        rng.shuffle(candidates)
        for a, b in candidates[:quota]:
            pairs.append((a.ref, b.ref, label(a, b), kind))
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    if not (args.data / "spotify_songs.csv").is_file():
        raise SystemExit(f"no spotify_songs.csv in {args.data}")
    pairs = draw(args.data, args.seed)
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["left", "right", "same", "kind"])
        for left, right, same, kind in pairs:
            writer.writerow([left, right, int(same), kind])
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, _, same, kind in pairs:
        counts[kind][same] += 1
    for kind, (different, same_count) in counts.items():
        print(
            f"{kind:15} {same_count + different:4} pairs: {same_count} same, {different} different"
        )
    print(f"{len(pairs)} pairs written to {OUT.relative_to(REPO_ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
