"""JSPF and M3U8: export what a viewer may see; import resolves tracks like listens."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from searxng_cool.errors import InvalidInput, NotFound
from searxng_cool.playlists import editing, exchange, manage, reading
from tests import factories


def test_an_imported_jspf_playlist_resolves_known_and_creates_unknown_tracks(
    connection: Connection,
) -> None:
    owner = factories.user(connection)
    known = factories.track(connection, title="Known")
    document = {
        "playlist": {
            "title": "Mixed",
            "annotation": "from elsewhere",
            "track": [
                {"title": "Known", "identifier": [exchange.TRACK_URI + str(known)]},
                {"title": "Brand New", "creator": "Nobody Yet", "duration": 200_000},
            ],
        }
    }
    made = exchange.import_jspf(connection, owner_id=owner, document=document)
    entries = reading.list_tracks(connection, playlist_id=made, viewer_id=owner)
    assert entries[0].track_id == known
    assert (entries[1].title, entries[1].artist, entries[1].duration_ms) == (
        "Brand New",
        "Nobody Yet",
        200_000,
    )
    summary = reading.get_playlist(connection, playlist_id=made, viewer_id=owner)
    assert (summary.name, summary.description, summary.is_public) == (
        "Mixed",
        "from elsewhere",
        False,
    )


def test_a_jspf_track_without_title_and_creator_is_refused(connection: Connection) -> None:
    owner = factories.user(connection)
    with pytest.raises(InvalidInput, match="track 1 needs a title and a creator"):
        exchange.import_jspf(
            connection, owner_id=owner, document={"playlist": {"track": [{"title": "x"}]}}
        )


def test_exports_list_the_tracks_in_order_and_hide_private_playlists(
    connection: Connection,
) -> None:
    owner, other = factories.user(connection), factories.user(connection)
    artist = factories.artist(connection, name="Singer")
    tracks = [factories.track(connection, title=f"T{n}", artist_id=artist) for n in (1, 2)]
    made = manage.create_playlist(connection, owner_id=owner, name="Out")
    editing.add_tracks(connection, playlist_id=made, actor_id=owner, track_ids=tracks)
    jspf = exchange.export_jspf(connection, playlist_id=made, viewer_id=owner)
    assert [(t["title"], t["creator"]) for t in jspf["playlist"]["track"]] == [
        ("T1", "Singer"),
        ("T2", "Singer"),
    ]
    m3u = exchange.export_m3u8(connection, playlist_id=made, viewer_id=owner).splitlines()
    assert m3u[:4] == [
        "#EXTM3U",
        "#PLAYLIST:Out",
        "#EXTINF:180,Singer - T1",
        exchange.TRACK_URI + str(tracks[0]),
    ]
    with pytest.raises(NotFound):
        exchange.export_jspf(connection, playlist_id=made, viewer_id=other)
