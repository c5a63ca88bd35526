"""Taking titles and artist strings apart: base title, version tag, featured artists.

Sources spell one recording many ways: "Beautiful People (feat. Khalid) - Jack Wins Remix",
"Tough Love - Tiësto Remix / Radio Edit", "Song [Remastered 2011]". Entity resolution
compares the base title and the version tag separately, so a remix or a live take never
merges with the original, and featured artists are credited instead of being part of the
title. Accent stripping and case-folding of the parts happen in PostgreSQL
(`catalog_name_key()` over the IMMUTABLE `immutable_unaccent`), so the keys stored in the
catalog and the keys computed during ingest always come from the same function.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_FEATURING = r"(?:feat\.?|ft\.?|featuring|with)"
# "(feat. Khalid)", "[with Diplo & Charli XCX]": featured artists in brackets.
_BRACKETED_FEATURE = re.compile(rf"\s*[\(\[]\s*{_FEATURING}\s+([^\(\)\[\]]+?)\s*[\)\]]", re.I)
# "Song feat. X - Remix": featured artists without brackets, up to a version dash or bracket.
_BARE_FEATURE = re.compile(r"\s+(?:feat\.|ft\.|featuring)\s+(.+?)(?=\s+-\s+|\s*[\(\[]|$)", re.I)
# "Song - Loud Luxury Remix", "Song - Remastered 2011": the version after a spaced dash.
_DASH_VERSION = re.compile(r"\s+[-\u2013\u2014]\s+(.+)$")  # hyphen, en or em dash
_VERSION_WORDS = (
    r"remix|mix|edit|live|remaster|remastered|version|acoustic|demo|instrumental|mono|stereo"
    r"|extended|dub|unplugged|session|sessions|rework|vip|karaoke|acapella|a cappella|bootleg"
    r"|cover|reprise|radio|rmx|club|orchestral|piano"
)
# "(Radio Edit)", "[Tiësto's Big Room Remix]" at the end: a version only if it says so, since
# "(I Can't Get No) Satisfaction" or "(La La La)" are part of the title.
_BRACKETED_VERSION = re.compile(
    rf"\s*[\(\[]([^\(\)\[\]]*\b(?:{_VERSION_WORDS})\b[^\(\)\[\]]*)[\)\]]\s*$", re.I
)
# Artist strings: "A feat. B", "A ft. B & C", "A vs. B".
_ARTIST_FEATURE = re.compile(r"\s+(?:feat\.?|ft\.?|featuring|vs\.?)\s+", re.I)
# Lists of featured names: "Macklemore & Patrick Stump", "Selena Gomez, Ozuna & Cardi B".
_NAME_LIST = re.compile(r"\s*(?:,|&|\band\b|\+)\s*", re.I)
# Spellings of one version word that must compare equal.
_VERSION_SYNONYMS = {"remastered": "remaster", "rmx": "remix", "ver": "version"}
_WORD = re.compile(r"[^\W_]+")
# "Original Mix", "Album Version", "Original Album Version" name the recording itself.
_THE_ORIGINAL = frozenset({"original", "album", "version", "mix"})


@dataclass(frozen=True)
class TitleParts:
    base: str
    version: str
    featured: tuple[str, ...]


@dataclass(frozen=True)
class ArtistParts:
    primary: str
    featured: tuple[str, ...]


def split_names(text: str) -> tuple[str, ...]:
    """ "Selena Gomez, Ozuna & Cardi B" -> ("Selena Gomez", "Ozuna", "Cardi B")."""
    return tuple(name for name in (part.strip() for part in _NAME_LIST.split(text)) if name)


def canonical_version(text: str) -> str:
    """Version words case-folded, synonyms unified, order ignored.

    "Remastered 2011" and "2011 Remaster" are the same tag; "Live" and "Remix" are not;
    "Original Mix" and "Album Version" are no version at all.
    """
    words = sorted(_VERSION_SYNONYMS.get(w, w) for w in _WORD.findall(text.casefold()))
    if set(words) <= _THE_ORIGINAL:
        return ""
    return " ".join(words)


# Titles and artist strings repeat across a file (one recording from several sources, a
# popular artist on many rows); the results are immutable, so they are cached.
_CACHED = 1 << 16


@lru_cache(maxsize=_CACHED)
def split_title(title: str) -> TitleParts:
    """Base title, canonical version tag ('' for none) and featured artists of a title."""
    featured: list[str] = []
    for match in _BRACKETED_FEATURE.finditer(title):
        featured.extend(split_names(match.group(1)))
    rest = _BRACKETED_FEATURE.sub("", title)
    bare = _BARE_FEATURE.search(rest)
    if bare:
        featured.extend(split_names(bare.group(1)))
        rest = rest[: bare.start()] + rest[bare.end() :]
    versions: list[str] = []
    dash = _DASH_VERSION.search(rest)
    if dash and dash.start() > 0:
        versions.append(dash.group(1))
        rest = rest[: dash.start()]
    while (bracket := _BRACKETED_VERSION.search(rest)) and bracket.start() > 0:
        versions.append(bracket.group(1))
        rest = rest[: bracket.start()]
    base = rest.strip() or title.strip()
    return TitleParts(base, canonical_version(" ".join(versions)), tuple(featured))


@lru_cache(maxsize=_CACHED)
def split_artist(artist: str) -> ArtistParts:
    """The main artist and those featured: "Calvin Harris feat. Rihanna".

    "&" and "," alone do not split the main artist: "Simon & Garfunkel" and "Iron & Wine"
    are one act each, and sources credit collaborations under their own artist string.
    """
    parts = _ARTIST_FEATURE.split(artist.strip(), maxsplit=1)
    primary = parts[0].strip()
    featured = split_names(parts[1]) if len(parts) > 1 else ()
    return ArtistParts(primary or artist.strip(), featured)
