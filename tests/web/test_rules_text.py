"""Smart-playlist rules read as sentences on the playlist page."""

from __future__ import annotations

from searxng_cool.web.rules_text import describe


def test_the_documented_example_reads_as_nested_sentences() -> None:
    rules = {
        "all": [
            {"gt": {"energy": 0.8}},
            {"inTheRange": {"year": [2000, 2009]}},
            {"any": [{"contains": {"genre": "house"}}, {"is": {"liked": True}}]},
        ],
        "sort": "popularity",
        "order": "desc",
        "limit": 100,
    }
    assert describe(rules) == [
        (0, "Tracks matching all of these:"),
        (1, "energy is more than 0.8"),
        (1, "year is between 2000 and 2009"),
        (1, "any of these:"),
        (2, "genre contains “house”"),
        (2, "liked is yes"),
        (0, "sorted by popularity, descending"),
        (0, "at most 100 tracks"),
    ]


def test_an_unexpected_condition_is_shown_as_its_json() -> None:
    assert describe({"any": [{"odd": 1, "shape": 2}]})[1] == (1, '{"odd": 1, "shape": 2}')
