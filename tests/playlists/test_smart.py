"""Smart playlists: the rule language, its SQL, and refreshing on real PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.dialects import postgresql

from searxng_cool.errors import InvalidInput
from searxng_cool.playlists import editing, manage, reading, smart
from searxng_cool.playlists.rule_sql import compile_rules
from searxng_cool.playlists.rules import parse_rules
from tests import factories
from tests.playlists.conftest import assert_invariants, order_of


@dataclass
class Catalog:
    owner: int
    other: int
    tracks: dict[str, int]


@pytest.fixture
def catalog(connection: Connection) -> Catalog:
    """Five tracks whose attributes each rule below tells apart."""
    conn = connection
    house = factories.artist(conn, name="Daft Punk", genres=["french house", "electronic"])
    folk = factories.artist(conn, name="Nick Drake", genres=["folk"])
    disco = factories.album(conn, artist_id=house, release_date="1997-01-20", genres=["disco"])
    pink = factories.album(conn, artist_id=folk, release_date="1972-02-25")
    specs = {
        "around": (house, disco, "Around the World", 0.9, 80, 427_000),
        "da_funk": (house, disco, "Da Funk 100%", 0.8, 90, 328_000),
        "pink_moon": (folk, pink, "Pink Moon", 0.1, 70, 124_000),
        "place": (folk, pink, "Place to Be", None, 40, 163_000),
        "loose": (folk, None, "Loose track", 0.5, None, None),
    }
    tracks = {}
    for key, (artist, album, title, energy, popularity, duration) in specs.items():
        # No energy at all (a text value is refused by ck_tracks_audio_features_in_range).
        features = {"energy": energy} if energy is not None else {}
        tracks[key] = factories.track(
            conn,
            artist_id=artist,
            album_id=album,
            title=title,
            audio_features=features,
            popularity=popularity,
            duration_ms=duration,
        )
    owner, other = factories.user(conn), factories.user(conn)
    now = datetime.now(UTC)
    events = [
        (owner, "pink_moon", "play", now - timedelta(days=1)),
        (owner, "pink_moon", "play", now - timedelta(days=2)),
        (owner, "pink_moon", "play", now - timedelta(days=400)),
        (owner, "around", "play", now - timedelta(days=100)),
        (owner, "around", "like", now - timedelta(days=5)),
        (owner, "place", "like", now - timedelta(days=5)),
        (owner, "place", "unlike", now - timedelta(days=4)),
        (other, "da_funk", "like", now),
        (other, "da_funk", "play", now),
    ]
    for user, key, kind, at in events:
        factories.interaction(
            conn, user_id=user, track_id=tracks[key], interaction_type=kind, created_at=at
        )
    return Catalog(owner, other, tracks)


def picks(connection: Connection, catalog: Catalog, rules: dict[str, Any]) -> list[str]:
    names = {track_id: key for key, track_id in catalog.tracks.items()}
    found = smart.preview_rules(connection, rules=rules, owner_id=catalog.owner)
    return [names[track_id] for track_id in found]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            {"all": [{"gt": {"energy": 0.5}}], "sort": "popularity", "order": "desc"},
            ["da_funk", "around"],
        ),
        ({"all": [{"isMissing": {"energy": True}}]}, ["place"]),
        ({"all": [{"is": {"genre": "disco"}}], "sort": "title"}, ["around", "da_funk"]),
        ({"all": [{"contains": {"genre": "HOUSE"}}], "sort": "title", "limit": 1}, ["around"]),
        (
            {"all": [{"notContains": {"genre": "house"}}], "sort": "title"},
            ["loose", "pink_moon", "place"],
        ),
        (
            {"all": [{"inTheRange": {"year": [1970, 1979]}}], "sort": "title"},
            ["pink_moon", "place"],
        ),
        ({"all": [{"isMissing": {"year": True}}]}, ["loose"]),
        ({"all": [{"contains": {"title": "100%"}}]}, ["da_funk"]),
        ({"all": [{"contains": {"title": "%"}}, {"startsWith": {"artist": "daft"}}]}, ["da_funk"]),
        ({"all": [{"is": {"artist": "nick drake"}}, {"lt": {"duration": 150}}]}, ["pink_moon"]),
        ({"any": [{"is": {"album": "nope"}}, {"endsWith": {"title": "BE"}}]}, ["place"]),
        ({"all": [{"gt": {"playcount": 1}}]}, ["pink_moon"]),
        ({"all": [{"is": {"liked": True}}]}, ["around"]),
        (
            {"all": [{"is": {"liked": False}}, {"isPresent": {"year": True}}], "sort": "title"},
            ["da_funk", "pink_moon", "place"],
        ),
        ({"all": [{"inTheLast": {"lastplayed": 30}}]}, ["pink_moon"]),
        (
            {"all": [{"notInTheLast": {"lastplayed": 30}}], "sort": "title"},
            ["around", "da_funk", "loose", "place"],
        ),
        (
            {
                "any": [{"all": [{"gt": {"energy": 0.85}}]}, {"isMissing": {"popularity": True}}],
                "sort": "popularity",
                "order": "asc",
            },
            ["around", "loose"],
        ),
        (
            {
                "all": [{"isNot": {"popularity": 90}}],
                "sort": "playcount",
                "order": "desc",
                "limit": 2,
            },
            ["pink_moon", "around"],
        ),
    ],
)
def test_rules_pick_the_matching_tracks_in_order(
    connection: Connection, catalog: Catalog, rules: dict[str, Any], expected: list[str]
) -> None:
    assert picks(connection, catalog, rules) == expected


def test_in_playlist_uses_only_playlists_the_owner_may_see(
    connection: Connection, catalog: Catalog
) -> None:
    mine = manage.create_playlist(connection, owner_id=catalog.owner, name="Mine")
    editing.add_tracks(
        connection, playlist_id=mine, actor_id=catalog.owner, track_ids=[catalog.tracks["loose"]]
    )
    theirs = manage.create_playlist(connection, owner_id=catalog.other, name="Secret")
    editing.add_tracks(
        connection, playlist_id=theirs, actor_id=catalog.other, track_ids=[catalog.tracks["around"]]
    )
    assert picks(connection, catalog, {"all": [{"inPlaylist": {"id": mine}}]}) == ["loose"]
    assert picks(connection, catalog, {"all": [{"inPlaylist": {"id": theirs}}]}) == []
    assert "loose" not in picks(connection, catalog, {"all": [{"notInPlaylist": {"id": mine}}]})


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ([], "rules: expects an object"),
        ({"all": [{"is": {"title": "a"}}], "any": []}, "exactly one of 'all' or 'any'"),
        ({"all": [{"is": {"title": "a"}}], "colour": 1}, "rules.colour: unknown key"),
        ({"all": []}, "rules.all: expects a non-empty list"),
        (
            {"all": [{"is": {"year": 1}}, {"is": {"year": 2}}, {"inTheRange": {"year": 1990}}]},
            "rules.all[2].inTheRange: expects [low, high]",
        ),
        ({"all": [{"inTheRange": {"year": [2000, 1990]}}]}, "low <= high"),
        (
            {"all": [{"any": [{"gt": {"title": "x"}}]}]},
            "rules.all[0].any[0].gt: gt does not apply to title",
        ),
        ({"all": [{"is": {"colour": "red"}}]}, "rules.all[0].is: unknown field 'colour'"),
        ({"all": [{"like": {"title": "x"}}]}, "rules.all[0].like: unknown operator"),
        (
            {"all": [{"is": {"title": "a"}, "isNot": {"title": "b"}}]},
            "rules.all[0]: expects an object with one operator",
        ),
        ({"all": [{"gt": {"energy": "high"}}]}, "rules.all[0].gt: expects a number"),
        ({"all": [{"gt": {"energy": True}}]}, "rules.all[0].gt: expects a number"),
        ({"all": [{"is": {"liked": "yes"}}]}, "rules.all[0].is: expects true or false"),
        ({"all": [{"gt": {"lastplayed": "yesterday"}}]}, "expects a date"),
        ({"all": [{"inTheLast": {"lastplayed": 0}}]}, "expects a number of days"),
        ({"all": [{"isMissing": {"year": False}}]}, "rules.all[0].isMissing: expects true"),
        ({"all": [{"inPlaylist": {"name": "x"}}]}, 'expects {"id": <playlist id>}'),
        ({"all": [{"contains": {"title": ""}}]}, "expects non-empty text"),
        ({"all": [{"contains": {"title": "a\x00b"}}]}, "without NUL"),
        ({"all": [{"is": {"title": "a"}}], "sort": "genre"}, "rules.sort: expects one of"),
        ({"all": [{"is": {"title": "a"}}], "order": "up"}, "rules.order"),
        ({"all": [{"is": {"title": "a"}}], "limit": 0}, "rules.limit"),
        ({"all": [{"gt": {"energy": float("nan")}}]}, "not storable as JSON"),
    ],
)
def test_invalid_rules_are_refused_with_the_path_of_the_bad_node(rules: Any, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_rules(rules)
    assert message in str(refused.value)


def test_too_deep_nesting_is_refused_without_recursing_further() -> None:
    rules: dict[str, Any] = {"gt": {"energy": 0.1}}
    for _ in range(50):
        rules = {"all": [rules]}
    with pytest.raises(InvalidInput, match="nest deeper than"):
        parse_rules(rules)


def test_rule_values_are_bound_parameters_never_sql_text() -> None:
    hostile = "x'); DROP TABLE tracks; --"
    rules = parse_rules({"all": [{"contains": {"title": hostile}}, {"is": {"genre": hostile}}]})
    compiled = compile_rules(rules, owner_id=1).compile(dialect=postgresql.dialect())
    assert "DROP TABLE" not in str(compiled)
    assert any("DROP TABLE" in str(value) for value in compiled.params.values())


def test_refresh_rewrites_the_tracks_from_the_rules(
    connection: Connection, catalog: Catalog
) -> None:
    rules = {"all": [{"isPresent": {"popularity": True}}], "sort": "popularity", "order": "desc"}
    playlist_id = manage.create_playlist(
        connection, owner_id=catalog.owner, name="Top", dynamic_rules=rules
    )
    first = smart.refresh_smart_playlist(connection, playlist_id=playlist_id)
    expected = [catalog.tracks[k] for k in ("da_funk", "around", "pink_moon", "place")]
    assert first.track_count == 4
    assert order_of(connection, playlist_id) == expected
    assert_invariants(connection, playlist_id)
    smart.set_rules(
        connection,
        playlist_id=playlist_id,
        actor_id=catalog.owner,
        rules={**rules, "limit": 2},
        expected_version=first.version,
    )
    second = smart.refresh_smart_playlist(
        connection, playlist_id=playlist_id, actor_id=catalog.owner
    )
    assert order_of(connection, playlist_id) == expected[:2]
    assert_invariants(connection, playlist_id)
    assert second.version == first.version + 2
    connection.commit()


def test_refresh_all_refreshes_only_smart_playlists(
    connection: Connection, catalog: Catalog
) -> None:
    plain = manage.create_playlist(connection, owner_id=catalog.owner, name="Plain")
    smart_id = manage.create_playlist(
        connection,
        owner_id=catalog.owner,
        name="Folk",
        dynamic_rules={"all": [{"is": {"genre": "folk"}}]},
    )
    results, failures = smart.refresh_all_smart_playlists(connection)
    assert failures == []
    assert [r.playlist_id for r in results] == [smart_id]
    assert results[0].track_count == 3
    assert (
        reading.get_playlist(connection, playlist_id=plain, viewer_id=catalog.owner).track_count
        == 0
    )


def test_invalid_rules_change_nothing(connection: Connection, catalog: Catalog) -> None:
    rules = {"all": [{"is": {"genre": "folk"}}]}
    playlist_id = manage.create_playlist(
        connection, owner_id=catalog.owner, name="Folk", dynamic_rules=rules
    )
    with pytest.raises(InvalidInput, match=r"rules.all\[0\].inTheRange"):
        smart.set_rules(
            connection,
            playlist_id=playlist_id,
            actor_id=catalog.owner,
            rules={"all": [{"inTheRange": {"year": "1970s"}}]},
        )
    summary = reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=catalog.owner)
    assert summary.dynamic_rules == rules
    assert summary.version == 1


def test_a_smart_playlist_may_not_depend_on_itself(
    connection: Connection, catalog: Catalog
) -> None:
    playlist_id = manage.create_playlist(
        connection,
        owner_id=catalog.owner,
        name="Loop",
        dynamic_rules={"all": [{"gt": {"year": 1}}]},
    )
    with pytest.raises(InvalidInput, match="itself"):
        smart.set_rules(
            connection,
            playlist_id=playlist_id,
            actor_id=catalog.owner,
            rules={"any": [{"notInPlaylist": {"id": playlist_id}}]},
        )


def test_stored_rules_that_no_longer_parse_fail_the_refresh_and_keep_the_tracks(
    connection: Connection, catalog: Catalog
) -> None:
    playlist_id = manage.create_playlist(
        connection,
        owner_id=catalog.owner,
        name="Folk",
        dynamic_rules={"all": [{"is": {"genre": "folk"}}]},
    )
    smart.refresh_smart_playlist(connection, playlist_id=playlist_id)
    before = order_of(connection, playlist_id)
    connection.execute(
        text("""UPDATE playlists SET dynamic_rules = '{"all": [{"bogus": {}}]}' WHERE id = :p"""),
        {"p": playlist_id},
    )
    with pytest.raises(InvalidInput, match="invalid stored rules"):
        smart.refresh_smart_playlist(connection, playlist_id=playlist_id)
    assert order_of(connection, playlist_id) == before


def test_a_random_sort_picks_from_the_matches_and_numbers_them_contiguously(
    connection: Connection, catalog: Catalog
) -> None:
    rules = {"all": [{"isPresent": {"popularity": True}}], "sort": "random", "limit": 3}
    assert set(picks(connection, catalog, rules)) < {"da_funk", "around", "pink_moon", "place"}
    playlist_id = manage.create_playlist(
        connection, owner_id=catalog.owner, name="Shuffle", dynamic_rules=rules
    )
    assert smart.refresh_smart_playlist(connection, playlist_id=playlist_id).track_count == 3
    assert_invariants(connection, playlist_id)


def test_refresh_all_skips_a_playlist_with_broken_rules_and_refreshes_the_rest(
    connection: Connection, catalog: Catalog
) -> None:
    folk = {"all": [{"is": {"genre": "folk"}}]}
    broken = manage.create_playlist(
        connection, owner_id=catalog.owner, name="Broken", dynamic_rules=folk
    )
    fine = manage.create_playlist(
        connection, owner_id=catalog.owner, name="Fine", dynamic_rules=folk
    )
    connection.execute(
        text("""UPDATE playlists SET dynamic_rules = '{"any": 1}' WHERE id = :p"""), {"p": broken}
    )
    results, failures = smart.refresh_all_smart_playlists(connection)
    assert [r.playlist_id for r in results] == [fine]
    assert [f.playlist_id for f in failures] == [broken]
    assert "rules.any: expects a non-empty list" in failures[0].reason
    assert order_of(connection, broken) == []
    assert len(order_of(connection, fine)) == 3
