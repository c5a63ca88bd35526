"""Taking titles and artist strings apart (pure functions, no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from searxng_cool.catalog.normalize import canonical_version, split_artist, split_title
from searxng_cool.catalog.records import RecordRejected, parse_partial_date


@pytest.mark.parametrize(
    ("title", "base", "version", "featured"),
    [
        (
            "I Don't Care (with Justin Bieber) - Loud Luxury Remix",
            "I Don't Care",
            "remix loud luxury",
            ("Justin Bieber",),
        ),
        (
            "Close To Me (with Diplo) (feat. Swae Lee) - CID Remix",
            "Close To Me",
            "remix cid",
            ("Diplo", "Swae Lee"),
        ),
        (
            "Taki Taki (with Selena Gomez, Ozuna & Cardi B)",
            "Taki Taki",
            "",
            ("Selena Gomez", "Ozuna", "Cardi B"),
        ),
        ("joy. (R3HAB Remix)", "joy.", "remix r3hab", ()),
        ("Sweet Dreams (Are Made of This)", "Sweet Dreams (Are Made of This)", "", ()),
        ("Hello feat. Adele - Live", "Hello", "live", ("Adele",)),
        ("Raveheart - Original Mix", "Raveheart", "", ()),
        ("Jay-Z", "Jay-Z", "", ()),
    ],
)
def test_titles_split_into_base_version_and_featured_artists(
    title: str, base: str, version: str, featured: tuple[str, ...]
) -> None:
    parts = split_title(title)
    assert (parts.base, parts.version, parts.featured) == (base, version, featured)


def test_version_tags_compare_equal_whatever_their_word_order_or_spelling() -> None:
    assert canonical_version("Remastered 2011") == canonical_version("2011 Remaster")
    assert canonical_version("Live") != canonical_version("Remix")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Song - Remastered 2011", "Song - 2011 Remaster"),
        ("Song - Remastered", "Song (2009 Digital Remaster)"),
        ("Song - Edit", "Song - Radio Edit"),
        ("Song (Radio Edit)", "Song - Edit"),
        ("Song (feat. X)", "Song (feat.- X)"),
        ("Song (feat. X)", "Song [ft X]"),
        ("Song (feat. X)", "Song - Featuring X"),
        ("Song", "Song - Original Mix"),
        ("Song", "Song - Album Version"),
        ("Song", "Song (Explicit)"),
        ("Song - Live at Wembley 1986", "Song (Live)"),
        ("Song - Acoustic", "Song (Unplugged)"),
        ("Song - Jack Wins Remix", "Song [Jack Wins Remix]"),
    ],
)
def test_wordings_of_one_version_class_compare_equal(left: str, right: str) -> None:
    a, b = split_title(left), split_title(right)
    assert (a.base, a.version) == (b.base, b.version)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Song", "Song - Remix"),
        ("Song", "Song - Live"),
        ("Song - Jack Wins Remix", "Song - Loud Luxury Remix"),
        ("Song", "Song - Remastered 2011"),
        ("Song", "Song - Radio Edit"),
        ("Song - Acoustic", "Song - Instrumental"),
        ("Song - Mono", "Song - Stereo"),
        ("Song", "Song - Clean"),
        ("Song - Spanish Version", "Song - English Version"),
    ],
)
def test_different_version_classes_stay_different(left: str, right: str) -> None:
    assert split_title(left).version != split_title(right).version


def test_ampersand_does_not_split_a_band_but_feat_does() -> None:
    assert split_artist("Iron & Wine").primary == "Iron & Wine"
    parts = split_artist("Calvin Harris feat. Rihanna & Ne-Yo")
    assert (parts.primary, parts.featured) == ("Calvin Harris", ("Rihanna", "Ne-Yo"))


@given(st.text(max_size=300))
def test_any_title_keeps_a_non_empty_base_when_it_has_text(title: str) -> None:
    parts = split_title(title)
    assert parts.base or not title.strip()
    assert parts.base in title or parts.base == title.strip()


@pytest.mark.parametrize(
    ("value", "precision"), [("2019", "year"), ("2019-06", "month"), ("2019-06-14", "day")]
)
def test_partial_dates_keep_their_precision(value: str, precision: str) -> None:
    assert parse_partial_date(value)[1] == precision


@pytest.mark.parametrize("value", ["2019-13", "2019-02-30", "19", "June 2019", "0000"])
def test_impossible_dates_are_rejected(value: str) -> None:
    with pytest.raises(RecordRejected):
        parse_partial_date(value)
