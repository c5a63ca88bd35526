"""Owner, collaborators and visibility; every edit logged with who, when and the version."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, text

from searxng_cool.errors import Forbidden, InvalidInput, NotFound
from searxng_cool.playlists import activity, collaboration, editing, manage, reading
from tests import factories


@pytest.fixture
def people(connection: Connection) -> tuple[int, int, int]:
    return factories.user(connection), factories.user(connection), factories.user(connection)


def collaborative_playlist(connection: Connection, owner: int, **grants: bool) -> int:
    playlist_id = manage.create_playlist(
        connection, owner_id=owner, name="Band practice", is_collaborative=True
    )
    track = factories.track(connection)
    editing.add_tracks(connection, playlist_id=playlist_id, actor_id=owner, track_ids=[track] * 3)
    return playlist_id


def test_a_private_playlist_is_invisible_to_others(
    connection: Connection, people: tuple[int, int, int]
) -> None:
    owner, stranger, _ = people
    playlist_id = manage.create_playlist(connection, owner_id=owner, name="Diary")
    assert (
        reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=owner).name == "Diary"
    )
    with pytest.raises(NotFound):
        reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=stranger)
    with pytest.raises(NotFound):
        reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=None)
    assert reading.list_playlists(connection, viewer_id=stranger) == []
    track = factories.track(connection)
    with pytest.raises(NotFound):
        editing.add_tracks(
            connection, playlist_id=playlist_id, actor_id=stranger, track_ids=[track]
        )


def test_a_public_playlist_is_visible_but_not_editable_by_others(
    connection: Connection, people: tuple[int, int, int]
) -> None:
    owner, stranger, _ = people
    playlist_id = manage.create_playlist(connection, owner_id=owner, name="Open", is_public=True)
    assert reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=None).is_public
    track = factories.track(connection)
    with pytest.raises(Forbidden, match="not collaborative"):
        editing.add_tracks(
            connection, playlist_id=playlist_id, actor_id=stranger, track_ids=[track]
        )


def test_a_collaborator_edits_within_their_grants(
    connection: Connection, people: tuple[int, int, int]
) -> None:
    owner, friend, _ = people
    playlist_id = collaborative_playlist(connection, owner)
    collaboration.add_collaborator(
        connection, playlist_id=playlist_id, actor_id=owner, user_id=friend, can_remove=False
    )
    track = factories.track(connection)
    editing.add_tracks(connection, playlist_id=playlist_id, actor_id=friend, track_ids=[track])
    editing.move_track(
        connection, playlist_id=playlist_id, actor_id=friend, from_position=3, to_position=0
    )
    with pytest.raises(Forbidden, match="may not remove"):
        editing.remove_tracks(connection, playlist_id=playlist_id, actor_id=friend, positions=[0])
    with pytest.raises(Forbidden, match="only the owner"):
        manage.rename_playlist(connection, playlist_id=playlist_id, actor_id=friend, name="Mine")
    added_by = connection.execute(
        text("SELECT added_by FROM playlist_tracks WHERE playlist_id = :p AND position = 0"),
        {"p": playlist_id},
    ).scalar_one()
    assert added_by == friend


def test_grants_lapse_when_the_playlist_stops_being_collaborative(
    connection: Connection, people: tuple[int, int, int]
) -> None:
    owner, friend, _ = people
    playlist_id = collaborative_playlist(connection, owner)
    collaboration.add_collaborator(
        connection, playlist_id=playlist_id, actor_id=owner, user_id=friend
    )
    manage.change_settings(
        connection, playlist_id=playlist_id, actor_id=owner, is_collaborative=False
    )
    with pytest.raises(NotFound):
        editing.dedupe_tracks(connection, playlist_id=playlist_id, actor_id=friend)


def test_a_removed_collaborator_can_no_longer_edit(
    connection: Connection, people: tuple[int, int, int]
) -> None:
    owner, friend, _ = people
    playlist_id = collaborative_playlist(connection, owner)
    collaboration.add_collaborator(
        connection, playlist_id=playlist_id, actor_id=owner, user_id=friend
    )
    assert [
        c.user_id
        for c in collaboration.list_collaborators(
            connection, playlist_id=playlist_id, viewer_id=friend
        )
    ] == [friend]
    collaboration.remove_collaborator(
        connection, playlist_id=playlist_id, actor_id=owner, user_id=friend
    )
    with pytest.raises(NotFound):
        editing.dedupe_tracks(connection, playlist_id=playlist_id, actor_id=friend)
    with pytest.raises(NotFound, match="not a collaborator"):
        collaboration.remove_collaborator(
            connection, playlist_id=playlist_id, actor_id=owner, user_id=friend
        )


def test_the_owner_cannot_be_made_a_collaborator(
    connection: Connection, people: tuple[int, int, int]
) -> None:
    owner, _, _ = people
    playlist_id = collaborative_playlist(connection, owner)
    with pytest.raises(InvalidInput, match="owns playlist"):
        collaboration.add_collaborator(
            connection, playlist_id=playlist_id, actor_id=owner, user_id=owner
        )


def test_every_edit_is_logged_with_who_and_the_new_version(
    connection: Connection, people: tuple[int, int, int]
) -> None:
    owner, friend, _ = people
    playlist_id = collaborative_playlist(connection, owner)
    collaboration.add_collaborator(
        connection, playlist_id=playlist_id, actor_id=owner, user_id=friend
    )
    result = editing.dedupe_tracks(connection, playlist_id=playlist_id, actor_id=friend)
    log = activity.list_activity(connection, playlist_id=playlist_id, viewer_id=owner)
    assert [(e.action, e.user_id, e.version) for e in log] == [
        ("dedupe", friend, result.version),
        ("collaborator_add", owner, result.version - 1),
        ("add", owner, 2),
        ("create", owner, 1),
    ]
    assert log[0].details == {"count": 2}
    summary = reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=friend)
    assert summary.version == result.version
    assert summary.track_count == 1


def test_only_the_owner_may_delete_and_a_stale_version_is_refused(
    connection: Connection, people: tuple[int, int, int]
) -> None:
    owner, friend, _ = people
    playlist_id = collaborative_playlist(connection, owner)
    collaboration.add_collaborator(
        connection, playlist_id=playlist_id, actor_id=owner, user_id=friend
    )
    with pytest.raises(Forbidden):
        manage.delete_playlist(connection, playlist_id=playlist_id, actor_id=friend)
    from searxng_cool.errors import Conflict

    with pytest.raises(Conflict):
        manage.delete_playlist(
            connection, playlist_id=playlist_id, actor_id=owner, expected_version=1
        )
    assert manage.delete_playlist(connection, playlist_id=playlist_id, actor_id=owner) == 3
    with pytest.raises(NotFound):
        reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=owner)
