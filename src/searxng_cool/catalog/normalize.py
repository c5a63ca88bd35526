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

# "feat. X", "ft X", "feat.- X", "featuring: X": sources punctuate the word every way.
_FEAT_WORD = r"(?:feat|ft|featuring)\b[\s.:\-]*"
_FEATURING = rf"(?:{_FEAT_WORD}|with\s+|con\s+)"
# "(feat. Khalid)", "[with Diplo & Charli XCX]": featured artists in brackets.
_BRACKETED_FEATURE = re.compile(rf"\s*[\(\[]\s*{_FEATURING}([^\(\)\[\]]+?)\s*[\)\]]", re.I)
# "Song feat. X - Remix": featured artists without brackets, up to a version dash or bracket.
_BARE_FEATURE = re.compile(
    r"\s+(?:(?:feat|ft)\.[\s:\-]*|featuring\b[\s.:\-]*)(.+?)(?=\s+-\s+|\s*[\(\[]|$)", re.I
)
# "Song - Featuring X": a dash part that names featured artists, not a version.
_DASH_FEATURE = re.compile(rf"^{_FEAT_WORD}(.+)$", re.I)
# "Song - Loud Luxury Remix", "Song - Remastered 2011": the version after a spaced dash.
_DASH_VERSION = re.compile(r"\s+[-\u2013\u2014]\s+(.+)$")  # hyphen, en or em dash
_VERSION_WORDS = (
    r"remix|mix|edit|live|remaster|remastered|version|acoustic|demo|instrumental|mono|stereo"
    r"|extended|dub|unplugged|session|sessions|rework|vip|karaoke|acapella|a cappella|bootleg"
    r"|cover|reprise|radio|rmx|club|orchestral|piano|explicit|clean|remasterizado|en vivo"
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
_WORD = re.compile(r"[^\W_]+")
_YEAR = re.compile(r"(?:19|20)\d\d")
# Version classes: the wordings of one kind of version that name the same thing. Each maps
# a word to its class; a tag's key is its classes (sorted), a remix keeping its remixer.
_CLASS_OF_WORD = {
    "remaster": "remaster",
    "remastered": "remaster",
    "remasterizado": "remaster",
    "remasterizada": "remaster",
    "remasterisé": "remaster",
    "edit": "edit",
    "radio": "edit",
    "live": "live",
    "vivo": "live",
    "directo": "live",
    "remix": "remix",
    "rmx": "remix",
    "mix": "remix",
    "rework": "remix",
    "bootleg": "remix",
    "vip": "remix",
    "dub": "remix",
    "flip": "remix",
    "acoustic": "acoustic",
    "unplugged": "acoustic",
    "acústica": "acoustic",
    "acustica": "acoustic",
    "instrumental": "instrumental",
    "clean": "clean",
    "mono": "mono",
    "stereo": "stereo",
    "extended": "extended",
    "club": "extended",
    "demo": "demo",
    "karaoke": "karaoke",
    "acapella": "acapella",
    "cappella": "acapella",
    "reprise": "reprise",
    "orchestral": "orchestral",
    "piano": "piano",
    "session": "session",
    "sessions": "session",
    "cover": "cover",
}
# Words that add nothing to a tag: "2011 Digital Remaster Version", "Explicit" (the
# untagged release is the explicit one), "Original Mix" and "Album Version" (the
# recording itself), "Remastered Single Version".
_FILLER = frozenset(
    {
        "version",
        "ver",
        "edition",
        "digital",
        "original",
        "album",
        "explicit",
        "the",
        "a",
        "from",
        "of",
        "s",
        "single",
        "lp",
        "mixed",
        "track",
        "at",
        "in",
        "on",
        "by",
        "and",
    }
)
# Words that name a remix rather than tag it as another class.
_REMIX_NAMES = frozenset({"radio", "club"})
# Classes whose other words say nothing about the audio ("Live at Wembley 1986" is live).
_BARE_CLASSES = frozenset({"remaster", "edit", "live", "acoustic", "extended", "clean"})


def version_class(text: str) -> str:
    """The canonical key of a version tag: its classes, sorted; "" for the recording itself.

    "Remastered 2011", "2011 Remaster" and "Remastered" are `remaster`; "Edit" and "Radio
    Edit" are `edit`; "Jack Wins Remix" is `remix jack wins` (the remixer matters);
    "Original Mix", "Album Version" and "Explicit" are no version at all. Words that fit no
    class are kept ("Spanish Version" is `spanish`), so unknown tags stay distinct.
    """
    words = _WORD.findall(text.casefold())
    if "mix" in words and "original" in words:
        words.remove("mix")  # "Original Mix": the producer's own cut, the recording itself
    remix = any(_CLASS_OF_WORD.get(w) == "remix" for w in words)
    classes: set[str] = set()
    rest: list[str] = []
    for word in words:
        if remix and word in _REMIX_NAMES:
            rest.append(word)  # "Radio Mix", "Club Mix": the remix's name, not an edit
        elif word in _CLASS_OF_WORD:
            classes.add(_CLASS_OF_WORD[word])
        elif word not in _FILLER and not _YEAR.fullmatch(word):
            rest.append(word)
    if remix:
        return " ".join(["remix", *sorted(rest), *sorted(classes - {"remix"})])
    if classes and classes <= _BARE_CLASSES:
        return " ".join(sorted(classes))
    return " ".join(sorted(classes) + sorted(rest))


def canonical_version(text: str) -> str:
    """Version words classified (see `version_class`): spelling and word order ignored."""
    return version_class(text)


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
        named = _DASH_FEATURE.match(dash.group(1))
        if named:
            featured.extend(split_names(named.group(1)))
        else:
            versions.append(dash.group(1))
        rest = rest[: dash.start()]
    while (bracket := _BRACKETED_VERSION.search(rest)) and bracket.start() > 0:
        versions.append(bracket.group(1))
        rest = rest[: bracket.start()]
    base = rest.strip().rstrip("-\u2013\u2014").strip() or title.strip()
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
