"""Our own API on a real server: catalog, account, playlists with If-Match, JSPF, errors."""

from __future__ import annotations

import httpx
import pytest

from tests import factories
from tests.api.server import Caller, RunningServer


@pytest.fixture(scope="module")
def catalog(api: RunningServer) -> dict[str, int]:
    with api.engine.begin() as connection:
        artist = factories.artist(connection, name="Moonlight Orchestra")
        album = factories.album(connection, title="Night Songs", artist_id=artist)
        tracks = [
            factories.track(
                connection,
                title=f"Moonlight Sonata {n}",
                artist_id=artist,
                album_id=album,
                track_number=n,
                audio_features=factories.audio_features(energy=n / 10),
            )
            for n in range(1, 6)
        ]
    return {"artist": artist, "album": album, **{f"track{n}": t for n, t in enumerate(tracks, 1)}}


def _get(
    api: RunningServer,
    caller: Caller | None,
    path: str,
    *,
    params: dict[str, object] | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    sent = {**(caller.headers if caller else {}), **(headers or {})}
    return httpx.get(api.base_url + path, headers=sent, params=params)  # type: ignore[arg-type]


def test_search_pages_with_a_next_link_that_continues_where_the_page_ended(
    api: RunningServer, catalog: dict[str, int]
) -> None:
    reader = api.make_user("reader")
    first = _get(api, reader, "/api/v1/search", params={"q": "moonlight sonata", "limit": 2})
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2
    assert page["next"]
    second = httpx.get(page["next"], headers=reader.headers).json()
    seen = [x["id"] for x in page["items"]] + [x["id"] for x in second["items"]]
    assert len(seen) == len(set(seen))


def test_entities_carry_an_etag_and_answer_304_when_unchanged(
    api: RunningServer, catalog: dict[str, int]
) -> None:
    reader = api.make_user("etagger")
    track = _get(api, reader, f"/api/v1/tracks/{catalog['track1']}")
    assert track.status_code == 200
    assert track.json()["album"] == "Night Songs"
    again = _get(
        api,
        reader,
        f"/api/v1/tracks/{catalog['track1']}",
        headers={"If-None-Match": track.headers["ETag"]},
    )
    assert again.status_code == 304
    artist = _get(api, reader, f"/api/v1/artists/{catalog['artist']}").json()
    assert [a["title"] for a in artist["albums"]] == ["Night Songs"]
    album = _get(api, reader, f"/api/v1/albums/{catalog['album']}").json()
    assert [t["id"] for t in album["tracks"]] == [catalog[f"track{n}"] for n in range(1, 6)]
    similar = _get(api, reader, f"/api/v1/tracks/{catalog['track3']}/similar?limit=2").json()
    assert {s["id"] for s in similar} == {catalog["track2"], catalog["track4"]}


def test_errors_are_problem_json_without_internals(api: RunningServer) -> None:
    reader = api.make_user("problems")
    missing = _get(api, reader, "/api/v1/tracks/999999")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    body = missing.json()
    assert (body["status"], body["title"]) == (404, "Not Found")
    assert "999999" in body["detail"]
    invalid = _get(api, reader, "/api/v1/search", params={"q": "x", "limit": 1000})
    assert invalid.status_code == 422
    assert invalid.json()["field"] == "limit"
    anonymous = _get(api, None, "/api/v1/me")
    assert anonymous.status_code == 401
    assert "Traceback" not in anonymous.text
    assert "SELECT" not in anonymous.text


def test_a_playlist_edit_needs_the_current_version_as_if_match(
    api: RunningServer, catalog: dict[str, int]
) -> None:
    owner = api.make_user("editor")
    base = api.base_url + "/api/v1/playlists"
    made = httpx.post(base, json={"name": "Evening"}, headers=owner.headers)
    assert made.status_code == 201
    playlist, etag = made.json()["id"], made.headers["ETag"]
    add = {"track_ids": [catalog["track1"], catalog["track2"], catalog["track3"]]}
    without = httpx.post(f"{base}/{playlist}/tracks", json=add, headers=owner.headers)
    assert without.status_code == 428
    added = httpx.post(
        f"{base}/{playlist}/tracks", json=add, headers={**owner.headers, "If-Match": etag}
    )
    assert added.status_code == 200
    assert added.json()["track_count"] == 3
    stale = httpx.post(
        f"{base}/{playlist}/tracks/move",
        json={"from_position": 0, "to_position": 2},
        headers={**owner.headers, "If-Match": etag},
    )
    assert stale.status_code == 412
    moved = httpx.post(
        f"{base}/{playlist}/tracks/move",
        json={"from_position": 0, "to_position": 2},
        headers={**owner.headers, "If-Match": added.headers["ETag"]},
    )
    assert moved.status_code == 200
    entries = httpx.get(f"{base}/{playlist}/tracks", headers=owner.headers).json()["items"]
    assert [e["track_id"] for e in entries] == [
        catalog["track2"],
        catalog["track3"],
        catalog["track1"],
    ]
    assert [e["position"] for e in entries] == [0, 1, 2]


def test_a_private_playlist_is_invisible_to_others(api: RunningServer) -> None:
    owner, other = api.make_user("secretive"), api.make_user("curious")
    base = api.base_url + "/api/v1/playlists"
    playlist = httpx.post(base, json={"name": "Mine"}, headers=owner.headers).json()["id"]
    assert httpx.get(f"{base}/{playlist}", headers=other.headers).status_code == 404
    refused = httpx.delete(f"{base}/{playlist}", headers={**other.headers, "If-Match": '"v1"'})
    assert refused.status_code == 404


def test_jspf_export_imports_back_to_the_same_tracks(
    api: RunningServer, catalog: dict[str, int]
) -> None:
    owner = api.make_user("exporter")
    base = api.base_url + "/api/v1/playlists"
    made = httpx.post(base, json={"name": "Round trip"}, headers=owner.headers)
    playlist = made.json()["id"]
    httpx.post(
        f"{base}/{playlist}/tracks",
        json={"track_ids": [catalog["track4"], catalog["track5"]]},
        headers={**owner.headers, "If-Match": made.headers["ETag"]},
    )
    jspf = httpx.get(f"{base}/{playlist}/export.jspf", headers=owner.headers).json()
    assert [t["title"] for t in jspf["playlist"]["track"]] == [
        "Moonlight Sonata 4",
        "Moonlight Sonata 5",
    ]
    imported = httpx.post(f"{base}/import", json=jspf, headers=owner.headers)
    assert imported.status_code == 201
    copy = imported.json()["id"]
    entries = httpx.get(f"{base}/{copy}/tracks", headers=owner.headers).json()["items"]
    assert [e["track_id"] for e in entries] == [catalog["track4"], catalog["track5"]]
    m3u = httpx.get(f"{base}/{playlist}/export.m3u8", headers=owner.headers)
    assert m3u.text.startswith("#EXTM3U\n")
    assert "#EXTINF:180,Moonlight Orchestra - Moonlight Sonata 4" in m3u.text


def test_interactions_page_newest_first_and_tokens_revoke_at_once(
    api: RunningServer, catalog: dict[str, int]
) -> None:
    me = api.make_user("historian")
    for kind in ("play", "like", "skip"):
        recorded = httpx.post(
            api.base_url + "/api/v1/interactions",
            json={"track_id": catalog["track1"], "interaction_type": kind},
            headers=me.headers,
        )
        assert recorded.status_code == 201
    first = _get(api, me, "/api/v1/me/interactions", params={"limit": 2}).json()
    rest = httpx.get(first["next"], headers=me.headers).json()
    kinds = [x["interaction_type"] for x in first["items"] + rest["items"]]
    assert kinds == ["skip", "like", "play"]
    assert rest["next"] is None
    made = httpx.post(
        api.base_url + "/api/v1/me/tokens", json={"label": "laptop"}, headers=me.headers
    )
    assert made.status_code == 201
    second = {"Authorization": f"Bearer {made.json()['token']}"}
    assert httpx.get(api.base_url + "/api/v1/me", headers=second).json()["username"] == "historian"
    gone = httpx.delete(f"{api.base_url}/api/v1/me/tokens/{made.json()['id']}", headers=me.headers)
    assert gone.status_code == 204
    assert httpx.get(api.base_url + "/api/v1/me", headers=second).status_code == 401


def test_login_returns_a_token_and_never_says_whether_the_user_exists(api: RunningServer) -> None:
    api.make_user("logger")
    url = api.base_url + "/api/v1/login"
    good = httpx.post(url, json={"login": "logger", "password": "correct horse battery"})
    assert good.status_code == 201
    assert good.json()["expires_at"]
    wrong = httpx.post(url, json={"login": "logger", "password": "wrong password"})
    nobody = httpx.post(url, json={"login": "nobody", "password": "wrong password"})
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json()["detail"] == nobody.json()["detail"]


def test_a_body_over_the_limit_is_refused_with_413(api: RunningServer) -> None:
    me = api.make_user("bulky")
    answer = httpx.post(
        api.base_url + "/api/v1/playlists",
        content=b"{" + b" " * 2_000_000 + b"}",
        headers={**me.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["status"] == 413


def test_probes_say_alive_and_ready(api: RunningServer) -> None:
    assert httpx.get(api.base_url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(api.base_url + "/readyz")
    assert ready.status_code == 200
    assert ready.json()["revision"] == ready.json()["head"]


def test_repeated_failed_logins_lock_the_account_out_with_retry_after(api: RunningServer) -> None:
    api.make_user("target")
    url = api.base_url + "/api/v1/login"
    wrong = {"login": "target", "password": "not the password"}
    statuses = [httpx.post(url, json=wrong).status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5
    locked = httpx.post(url, json={"login": "target", "password": "correct horse battery"})
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert statuses[5] == 429
