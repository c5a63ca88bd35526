"""liblistenbrainz, unmodified, against a real server: submit, read back, feedback, stats."""

from __future__ import annotations

import time

import httpx
import liblistenbrainz
import pytest
from liblistenbrainz import Listen, errors

from searxng_cool.accounts import revoke_token
from tests import factories
from tests.api.server import Caller, RunningServer

NOW = int(time.time())


@pytest.fixture
def client(api: RunningServer) -> liblistenbrainz.ListenBrainz:
    # Pointed at this server by its own option; nothing else about the client is changed.
    return liblistenbrainz.ListenBrainz(api_base_url=api.base_url)


def _listen(n: int, *, at: int | None = None, **extra: object) -> Listen:
    return Listen(
        track_name=f"Song {n}",
        artist_name=f"Band {n % 7}",
        release_name=f"Record {n % 3}",
        listened_at=NOW - 10_000 + n if at is None else at,
        **extra,  # type: ignore[arg-type]
    )


def test_a_listen_submitted_with_the_client_reads_back_with_its_metadata(
    api: RunningServer, client: liblistenbrainz.ListenBrainz
) -> None:
    alice = api.make_user("alice")
    client.set_auth_token(alice.token)  # checks it through /1/validate-token
    client.submit_single_listen(
        _listen(1, at=NOW - 60, isrc="USRC17607839", additional_info={"duration_ms": 200_000})
    )
    listens = client.get_listens("alice")
    assert [(x.track_name, x.artist_name, x.release_name) for x in listens] == [
        ("Song 1", "Band 1", "Record 1")
    ]
    assert listens[0].listened_at == NOW - 60
    assert listens[0].recording_msid
    assert client.get_user_listen_count("alice") == 1


def test_an_import_of_1000_listens_is_recorded_once_even_when_sent_twice(
    api: RunningServer, client: liblistenbrainz.ListenBrainz
) -> None:
    bob = api.make_user("bob")
    client.set_auth_token(bob.token)
    batch = [_listen(n) for n in range(1000)]
    client.submit_multiple_listens(batch)
    client.submit_multiple_listens([_listen(n) for n in range(1000)])
    assert client.get_user_listen_count("bob") == 1000
    newest = client.get_listens("bob", count=5)
    assert [x.listened_at for x in newest] == [NOW - 10_000 + n for n in range(999, 994, -1)]
    after = client.get_listens("bob", min_ts=NOW - 10_000 + 10, count=3)
    assert [x.listened_at for x in after] == [NOW - 10_000 + n for n in (13, 12, 11)]


def test_the_same_track_from_another_listen_resolves_to_one_catalog_track(
    api: RunningServer, client: liblistenbrainz.ListenBrainz
) -> None:
    carol = api.make_user("carol")
    client.set_auth_token(carol.token)
    client.submit_single_listen(_listen(5, at=NOW - 500))
    client.submit_single_listen(_listen(5, at=NOW - 400))
    first, second = client.get_listens("carol")
    assert first.recording_msid == second.recording_msid


def test_playing_now_is_shown_but_is_not_a_play(
    api: RunningServer, client: liblistenbrainz.ListenBrainz
) -> None:
    dave = api.make_user("dave")
    client.set_auth_token(dave.token)
    assert client.get_playing_now("dave") is None
    client.submit_playing_now(Listen(track_name="Live Now", artist_name="The Present"))
    now = client.get_playing_now("dave")
    assert now is not None
    assert (now.track_name, now.artist_name) == ("Live Now", "The Present")
    assert client.get_user_listen_count("dave") == 0


def test_feedback_takes_the_id_a_listen_carries_and_zero_withdraws_it(
    api: RunningServer, client: liblistenbrainz.ListenBrainz
) -> None:
    erin = api.make_user("erin")
    client.set_auth_token(erin.token)
    client.submit_single_listen(_listen(11, at=NOW - 300))
    (listen,) = client.get_listens("erin")
    client.submit_user_feedback(1, listen.recording_msid)
    loved = client.get_user_feedback("erin", score=None, metadata=True)
    assert [(x["recording_msid"], x["score"]) for x in loved["feedback"]] == [
        (listen.recording_msid, 1)
    ]
    assert loved["feedback"][0]["track_metadata"]["track_name"] == "Song 11"
    client.submit_user_feedback(0, listen.recording_msid)
    assert client.get_user_feedback("erin", score=None, metadata=None)["total_count"] == 0


def test_stats_count_the_users_plays_by_artist_and_recording(
    api: RunningServer, client: liblistenbrainz.ListenBrainz
) -> None:
    frank = api.make_user("frank")
    client.set_auth_token(frank.token)
    client.submit_multiple_listens(
        [_listen(1, at=NOW - 900 + i) for i in range(3)] + [_listen(2, at=NOW - 100)]
    )
    artists = client.get_user_artists("frank", time_range="week")["payload"]
    assert [(a["artist_name"], a["listen_count"]) for a in artists["artists"]] == [
        ("Band 1", 3),
        ("Band 2", 1),
    ]
    assert artists["total_artist_count"] == 2
    recordings = client.get_user_recordings("frank", count=1)["payload"]
    assert [(r["track_name"], r["listen_count"]) for r in recordings["recordings"]] == [
        ("Song 1", 3)
    ]
    releases = client.get_user_releases("frank")["payload"]
    assert releases["total_release_count"] == 2


def test_recommendations_come_from_discovery(
    api: RunningServer, client: liblistenbrainz.ListenBrainz
) -> None:
    grace = api.make_user("grace")
    with api.engine.begin() as connection:
        for energy in (0.2, 0.4, 0.6, 0.8):
            factories.track(connection, audio_features=factories.audio_features(energy=energy))
    found = client.get_user_recommendation_recordings("grace", count=3)
    assert found is not None
    assert found["payload"]["user_name"] == grace.account.username
    assert 1 <= found["payload"]["count"] <= 3
    assert all(item["recording_msid"] for item in found["payload"]["mbids"])


def test_a_deleted_listen_is_gone_at_once(
    api: RunningServer, client: liblistenbrainz.ListenBrainz
) -> None:
    heidi = api.make_user("heidi")
    client.set_auth_token(heidi.token)
    client.submit_multiple_listens([_listen(21, at=NOW - 50), _listen(22, at=NOW - 40)])
    newest = client.get_listens("heidi")[0]
    client.delete_listen(newest)
    assert [x.track_name for x in client.get_listens("heidi")] == ["Song 21"]


def test_a_wrong_token_is_refused_the_way_the_client_expects(
    api: RunningServer, client: liblistenbrainz.ListenBrainz
) -> None:
    with pytest.raises(errors.InvalidAuthTokenException):
        client.set_auth_token("sxc_not-a-token")
    client.set_auth_token("sxc_not-a-token", check_validity=False)
    with pytest.raises(errors.ListenBrainzAPIException) as refused:
        client.submit_single_listen(_listen(1))
    assert refused.value.status_code == 401
    assert "token" in refused.value.message


def test_a_revoked_token_is_refused_on_the_next_request(
    api: RunningServer, client: liblistenbrainz.ListenBrainz
) -> None:
    ivan = api.make_user("ivan")
    client.set_auth_token(ivan.token)
    client.submit_single_listen(_listen(3, at=NOW - 30))
    with api.engine.begin() as connection:
        (token,) = _token_ids(connection, ivan)
        revoke_token(connection, user_id=ivan.account.id, token_id=token)
    with pytest.raises(errors.ListenBrainzAPIException) as refused:
        client.submit_single_listen(_listen(4, at=NOW - 20))
    assert refused.value.status_code == 401


def _token_ids(connection: object, caller: Caller) -> list[int]:
    from searxng_cool.accounts import list_tokens

    return [t.id for t in list_tokens(connection, user_id=caller.account.id)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            {
                "listen_type": "single",
                "payload": [
                    {"listened_at": 1000, "track_metadata": {"track_name": "a", "artist_name": "b"}}
                ],
            },
            "too low",
        ),
        (
            {
                "listen_type": "single",
                "payload": [
                    {
                        "listened_at": NOW + 7200,
                        "track_metadata": {"track_name": "a", "artist_name": "b"},
                    }
                ],
            },
            "too high",
        ),
        (
            {
                "listen_type": "single",
                "payload": [
                    {
                        "listened_at": NOW,
                        "track_metadata": {"track_name": "a\u0000", "artist_name": "b"},
                    }
                ],
            },
            "unicode null",
        ),
        ({"listen_type": "single", "payload": []}, "does not contain any listens"),
        (
            {
                "listen_type": "import",
                "payload": [
                    {"listened_at": NOW, "track_metadata": {"track_name": "a", "artist_name": "b"}}
                ]
                * 1001,
            },
            "Too many listens",
        ),
        (
            {
                "listen_type": "single",
                "payload": [
                    {
                        "listened_at": NOW,
                        "track_metadata": {"track_name": "a", "artist_name": "b" * 20_000},
                    }
                ],
            },
            "too large",
        ),
        ({"listen_type": "later", "payload": [{}]}, "listen_type"),
        (
            {
                "listen_type": "single",
                "payload": [
                    {
                        "listened_at": NOW,
                        "track_metadata": {
                            "track_name": "a",
                            "artist_name": "b",
                            "additional_info": {"recording_mbid": "nope"},
                        },
                    }
                ],
            },
            "MBID",
        ),
    ],
)
def test_submissions_outside_listenbrainz_limits_get_its_400(
    api: RunningServer, body: dict[str, object], reason: str
) -> None:
    caller = api.make_user(f"limits{abs(hash(reason)) % 10**8}")
    answer = httpx.post(f"{api.base_url}/1/submit-listens", json=body, headers=caller.headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == 400
    assert reason in answer.json()["error"]


def test_a_payload_over_ten_megabytes_is_refused_before_it_is_read(api: RunningServer) -> None:
    caller = api.make_user("bigsender")
    answer = httpx.post(
        f"{api.base_url}/1/submit-listens",
        content=b"x" * (10_240_000 + 1),
        headers={**caller.headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.json()["code"] == 413
