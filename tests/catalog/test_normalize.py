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
            "loud luxury remix",
            ("Justin Bieber",),
        ),
        (
            "Close To Me (with Diplo) (feat. Swae Lee) - CID Remix",
            "Close To Me",
            "cid remix",
            ("Diplo", "Swae Lee"),
        ),
        (
            "Taki Taki (with Selena Gomez, Ozuna & Cardi B)",
            "Taki Taki",
            "",
            ("Selena Gomez", "Ozuna", "Cardi B"),
        ),
        ("joy. (R3HAB Remix)", "joy.", "r3hab remix", ()),
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
