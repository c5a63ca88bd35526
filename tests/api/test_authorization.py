"""Every operation of the API, called as anonymous, another user, the owner, a collaborator
and an admin: each gets the status it must. Private playlists and others' sessions are
invisible (404, not 403); admin operations are refused to everyone else (403).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from searxng_cool.accounts import create_token
from searxng_cool.discovery import sessions
from searxng_cool.playlists import collaboration, editing, manage
from tests import factories
from tests.api.server import Caller, RunningServer

ROLES = ("anonymous", "other", "owner", "collaborator", "admin")
NOW = int(time.time())


@dataclass
class World:
    """What each call acts on, made fresh for it: a private collaborative playlist of the
    owner (two tracks, `collaborator` may edit), a smart playlist, a discovery session."""

    api: RunningServer
    callers: dict[str, Caller]
    tracks: list[int]

    def fresh(self, needed: set[str]) -> dict[str, Any]:
        """The `needed` things made anew (an edit or delete must not see another's effects)."""
        owner, collaborator = self.callers["owner"], self.callers["collaborator"]
        made: dict[str, Any] = {
            "track": self.tracks[0],
            "album": self.albums[0],
            "artist": self.artists[0],
        }
        with self.api.engine.begin() as connection:
            if "playlist" in needed:
                playlist = manage.create_playlist(
                    connection, owner_id=owner.account.id, name="Private", is_collaborative=True
                )
                editing.add_tracks(
                    connection,
                    playlist_id=playlist,
                    actor_id=owner.account.id,
                    track_ids=self.tracks[:2],
                )
                done = collaboration.add_collaborator(
                    connection,
                    playlist_id=playlist,
                    actor_id=owner.account.id,
                    user_id=collaborator.account.id,
                )
                made |= {"playlist": playlist, "version": f'"v{done.version}"'}
            if "smart" in needed:
                made["smart"] = manage.create_playlist(
                    connection,
                    owner_id=owner.account.id,
                    name="Smart",
                    dynamic_rules={"all": [{"gt": {"energy": 0.1}}]},
                )
            if "session" in needed:
                session = sessions.start_session(
                    connection,
                    user_id=owner.account.id,
                    session_type="mood",
                    parameters={"mood": "calm", "valence": 0.5, "energy": 0.5},
                )
                shown = sessions.next_batch(connection, session_id=session, size=1)
                made |= {"session": session, "presented": shown[0].track_id}
            if "spare_token" in needed:
                spare = create_token(connection, user_id=owner.account.id, label="spare")
                made["spare_token"] = spare.id
        return made

    albums: list[int]
    artists: list[int]
    http: httpx.Client


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    expected: tuple[int, int, int, int, int]  # anonymous, other, owner, collaborator, admin
    body: Callable[[dict[str, Any]], Any] | None = None
    if_match: bool = False
    params: dict[str, Any] | None = None


ANY_USER = (401, 200, 200, 200, 200)
CREATED = (401, 201, 201, 201, 201)
OWNER_ONLY = (401, 404, 200, 403, 404)
OWNER_VISIBLE = (401, 404, 200, 200, 404)
ADMIN_ONLY = (401, 403, 403, 403, 200)
PUBLIC = (200, 200, 200, 200, 200)


def _listen(w: dict[str, Any]) -> dict[str, Any]:
    return {
        "listen_type": "single",
        "payload": [
            {"listened_at": NOW - 5, "track_metadata": {"track_name": "T", "artist_name": "A"}}
        ],
    }


OPERATIONS = [
    Operation("GET", "/healthz", PUBLIC),
    Operation("GET", "/readyz", PUBLIC),
    Operation("GET", "/api/v1/search", ANY_USER, params={"q": "track"}),
    Operation("GET", "/api/v1/tracks/{track}", ANY_USER),
    Operation("GET", "/api/v1/artists/{artist}", ANY_USER),
    Operation("GET", "/api/v1/albums/{album}", ANY_USER),
    Operation("GET", "/api/v1/tracks/{track}/similar", ANY_USER),
    Operation("GET", "/api/v1/charts/tracks", ANY_USER),
    Operation("GET", "/api/v1/me", ANY_USER),
    Operation(
        "POST",
        "/api/v1/login",
        (201, 201, 201, 201, 201),
        body=lambda w: {"login": "mx_owner", "password": "correct horse battery"},
    ),
    Operation(
        "PUT",
        "/api/v1/me/password",
        (401, 204, 204, 204, 204),
        body=lambda w: {
            "old_password": "correct horse battery",
            "new_password": "correct horse battery",
        },
    ),
    Operation("GET", "/api/v1/me/tokens", ANY_USER),
    Operation("POST", "/api/v1/me/tokens", CREATED, body=lambda w: {"label": "x"}),
    Operation("DELETE", "/api/v1/me/tokens/{spare_token}", (401, 404, 204, 404, 404)),
    Operation("GET", "/api/v1/me/interactions", ANY_USER),
    Operation(
        "POST",
        "/api/v1/interactions",
        CREATED,
        body=lambda w: {"track_id": w["track"], "interaction_type": "like"},
    ),
    Operation("GET", "/api/v1/me/profile", ANY_USER),
    Operation("PUT", "/api/v1/me/profile/settings", ANY_USER, body=lambda w: {}),
    Operation("GET", "/api/v1/playlists", ANY_USER),
    Operation("POST", "/api/v1/playlists", CREATED, body=lambda w: {"name": "New"}),
    Operation(
        "POST",
        "/api/v1/playlists/import",
        CREATED,
        body=lambda w: {"playlist": {"title": "Imported", "track": []}},
    ),
    Operation("GET", "/api/v1/playlists/{playlist}", OWNER_VISIBLE),
    Operation(
        "PATCH",
        "/api/v1/playlists/{playlist}",
        OWNER_ONLY,
        body=lambda w: {"name": "Renamed"},
        if_match=True,
    ),
    Operation("DELETE", "/api/v1/playlists/{playlist}", (401, 404, 204, 403, 404), if_match=True),
    Operation("GET", "/api/v1/playlists/{playlist}/tracks", OWNER_VISIBLE),
    Operation(
        "POST",
        "/api/v1/playlists/{playlist}/tracks",
        OWNER_VISIBLE,
        body=lambda w: {"track_ids": [w["track"]]},
        if_match=True,
    ),
    Operation(
        "POST",
        "/api/v1/playlists/{playlist}/tracks/move",
        OWNER_VISIBLE,
        body=lambda w: {"from_position": 0, "to_position": 1},
        if_match=True,
    ),
    Operation(
        "POST",
        "/api/v1/playlists/{playlist}/tracks/remove",
        OWNER_VISIBLE,
        body=lambda w: {"positions": [0]},
        if_match=True,
    ),
    Operation("GET", "/api/v1/playlists/{playlist}/collaborators", OWNER_VISIBLE),
    Operation(
        "PUT",
        "/api/v1/playlists/{playlist}/collaborators/mx_other",
        OWNER_ONLY,
        body=lambda w: {"can_add": True},
        if_match=True,
    ),
    Operation(
        "DELETE",
        "/api/v1/playlists/{playlist}/collaborators/mx_collaborator",
        OWNER_ONLY,
        if_match=True,
    ),
    Operation(
        "PUT",
        "/api/v1/playlists/{playlist}/rules",
        OWNER_ONLY,
        body=lambda w: {"rules": {"all": [{"gt": {"energy": 0.5}}]}},
        if_match=True,
    ),
    Operation("POST", "/api/v1/playlists/{smart}/refresh", (401, 404, 200, 404, 404)),
    Operation("GET", "/api/v1/playlists/{playlist}/export.jspf", OWNER_VISIBLE),
    Operation("GET", "/api/v1/playlists/{playlist}/export.m3u8", OWNER_VISIBLE),
    Operation(
        "POST",
        "/api/v1/discovery/sessions",
        CREATED,
        body=lambda w: {"session_type": "mood", "parameters": {"mood": "calm"}},
    ),
    Operation("POST", "/api/v1/discovery/sessions/{session}/next", (401, 404, 200, 404, 404)),
    Operation(
        "POST",
        "/api/v1/discovery/sessions/{session}/actions",
        (401, 404, 204, 404, 404),
        body=lambda w: {"track_id": w["presented"], "action": "played"},
    ),
    Operation(
        "POST",
        "/api/v1/discovery/sessions/{session}/end",
        (401, 404, 204, 404, 404),
        body=lambda w: {"feedback_score": 4},
    ),
    Operation("GET", "/api/v1/admin/status", ADMIN_ONLY),
    Operation("GET", "/api/v1/admin/validate", ADMIN_ONLY, params={"group": "schema"}),
    Operation("GET", "/api/v1/admin/users", ADMIN_ONLY),
    Operation("POST", "/1/submit-listens", ANY_USER, body=_listen),
    Operation("GET", "/1/validate-token", (400, 200, 200, 200, 200)),
    Operation("GET", "/1/user/mx_owner/listens", PUBLIC),
    Operation("GET", "/1/user/mx_owner/listen-count", PUBLIC),
    Operation("GET", "/1/user/mx_owner/playing-now", PUBLIC),
    Operation(
        "POST",
        "/1/delete-listen",
        ANY_USER,
        body=lambda w: {"listened_at": NOW, "recording_msid": _msid(w["track"])},
    ),
    Operation(
        "POST",
        "/1/feedback/recording-feedback",
        ANY_USER,
        body=lambda w: {"recording_msid": _msid(w["track"]), "score": 1},
    ),
    Operation("GET", "/1/feedback/user/mx_owner/get-feedback", PUBLIC),
    Operation("GET", "/1/stats/user/mx_owner/artists", PUBLIC),
    Operation("GET", "/1/stats/user/mx_owner/recordings", PUBLIC),
    Operation("GET", "/1/stats/user/mx_owner/releases", PUBLIC),
    Operation("GET", "/1/cf/recommendation/user/mx_owner/recording", PUBLIC),
]


def _msid(track_id: int) -> str:
    from searxng_cool.listening.listens import recording_msid

    return recording_msid(track_id)


@pytest.fixture(scope="module")
def world(api: RunningServer) -> World:
    callers = {role: api.make_user(f"mx_{role}", admin=role == "admin") for role in ROLES[1:]}
    with api.engine.begin() as connection:
        artist = factories.artist(connection)
        album = factories.album(connection, artist_id=artist)
        tracks = [
            factories.track(
                connection,
                artist_id=artist,
                album_id=album,
                audio_features=factories.audio_features(energy=0.1 * n),
            )
            for n in range(1, 5)
        ]
    return World(
        api=api,
        callers=callers,
        tracks=tracks,
        albums=[album],
        artists=[artist],
        http=httpx.Client(),
    )


def test_the_matrix_covers_every_operation_of_the_openapi_document(api: RunningServer) -> None:
    spec = httpx.get(api.base_url + "/openapi.json").json()
    documented = {
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        for method in operations
    }
    templates = {
        "{track}": "{track_id}",
        "{artist}": "{artist_id}",
        "{album}": "{album_id}",
        "{playlist}": "{playlist_id}",
        "{smart}": "{playlist_id}",
        "{session}": "{session_id}",
        "{spare_token}": "{token_id}",
        "mx_owner": "{user_name}",
        "mx_other": "{user_name}",
        "mx_collaborator": "{user_name}",
    }
    covered = set()
    for op in OPERATIONS:
        path = op.path
        for ours, theirs in templates.items():
            path = path.replace(ours, theirs)
        covered.add((op.method, path))
    assert documented - covered == set()


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method} {op.path}")
def test_each_role_gets_the_status_it_must(world: World, operation: Operation) -> None:
    got = []
    for role in ROLES:
        made = world.fresh(set(re.findall(r"{(\w+)}", operation.path)))
        path = operation.path.format(**made)
        headers = {} if role == "anonymous" else dict(world.callers[role].headers)
        if operation.if_match:
            headers["If-Match"] = made["version"]
        answer = world.http.request(
            operation.method,
            world.api.base_url + path,
            headers=headers,
            params=operation.params,
            json=operation.body(made) if operation.body else None,
        )
        assert answer.status_code < 500, answer.text
        got.append(answer.status_code)
    assert tuple(got) == operation.expected
