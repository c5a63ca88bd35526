"""The ListenBrainz endpoints: submit, read back, delete listens; feedback; stats; recommendations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from searxng_cool.accounts import Account, authenticate_token, get_account
from searxng_cool.api.deps import CurrentUser, DbConnection, presented_token
from searxng_cool.api.listenbrainz import schemas
from searxng_cool.api.listenbrainz.validation import listened_at, parse_submission
from searxng_cool.discovery.recommend import recommend_for_user
from searxng_cool.errors import InvalidInput, NotFound, Unauthenticated
from searxng_cool.listening import feedback, listens, playing_now, stats

MAX_ITEMS_PER_GET = 1000
MAX_TIMESTAMP = 253_402_300_799  # 9999-12-31

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": schemas.LBError, "description": "invalid request (ListenBrainz's shape)"},
    401: {"model": schemas.LBError, "description": "missing or invalid token"},
    404: {"model": schemas.LBError, "description": "no such user or recording"},
    413: {"model": schemas.LBError, "description": "request body too large"},
    429: {"model": schemas.LBError, "description": "rate limit exceeded (see Retry-After)"},
}

router = APIRouter(prefix="/1", tags=["ListenBrainz"], responses=ERRORS)

Count = Annotated[int, Query(ge=0, description="how many to return (at most 1000)")]
Offset = Annotated[int, Query(ge=0, le=2**31 - 1, description="how many to skip")]
Timestamp = Annotated[int | None, Query(ge=0, le=MAX_TIMESTAMP)]


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def _user(connection: DbConnection, user_name: str) -> Account:
    try:
        return get_account(connection, user=user_name)
    except NotFound:
        raise NotFound(f"Cannot find user: {user_name}") from None


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _listen_out(listen: listens.Listen, user_name: str) -> schemas.ListenOut:
    metadata = dict(listen.track_metadata)
    info = dict(metadata.get("additional_info") or {})
    info["recording_msid"] = listen.recording_msid
    metadata["additional_info"] = info
    return schemas.ListenOut(
        listened_at=_ts(listen.listened_at),
        recording_msid=listen.recording_msid,
        user_name=user_name,
        track_metadata=metadata,
    )


@router.post(
    "/submit-listens",
    response_model=schemas.Status,
    summary="Submit listens (single, import of up to 1000, or playing_now)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/SubmitListens"},
                }
            },
        }
    },
)
def submit_listens(body: RawBody, user: CurrentUser, connection: DbConnection) -> schemas.Status:
    """Each listen's track metadata resolves to a catalog track (created when unknown) and is
    recorded as the user's play at `listened_at`; the same listen twice is one play.
    `playing_now` is not a play: it is shown by /playing-now until the track's duration
    (or ten minutes) has passed."""
    submission = parse_submission(body)
    if submission.listen_type == "playing_now":
        metadata = submission.listens[0]["track_metadata"]
        info = metadata.get("additional_info") or {}
        seconds = info.get("duration") or (info.get("duration_ms") or 0) // 1000
        playing_now.set_playing_now(
            connection,
            user_id=user.id,
            track_metadata=metadata,
            duration=timedelta(seconds=seconds) if seconds else None,
        )
        return schemas.Status()
    inputs = [
        listens.ListenInput(listened_at=listened_at(x), track_metadata=x["track_metadata"])
        for x in submission.listens
    ]
    listens.submit_listens(connection, user_id=user.id, listens=inputs)
    return schemas.Status()


@router.get("/validate-token", response_model=schemas.TokenValidity, summary="Check a token")
def validate_token(
    request: Request,
    connection: DbConnection,
    token: Annotated[str | None, Query(max_length=1024)] = None,
) -> schemas.TokenValidity:
    """The token of the `Authorization: Token <t>` header, or of `?token=`, checked."""
    header = request.headers.get("Authorization")
    presented = token
    if header and header.lower().startswith("token "):
        presented = presented_token(header)
    if not presented:
        raise InvalidInput("You need to provide an Authorization token.")
    try:
        account = authenticate_token(connection, token=presented)
    except Unauthenticated:
        return schemas.TokenValidity(message="Token invalid.", valid=False)
    return schemas.TokenValidity(message="Token valid.", valid=True, user_name=account.username)


@router.get(
    "/user/{user_name}/listens", response_model=schemas.ListensResponse, summary="A user's listens"
)
def get_listens(
    user_name: str,
    connection: DbConnection,
    min_ts: Timestamp = None,
    max_ts: Timestamp = None,
    count: Count = 25,
) -> schemas.ListensResponse:
    """Newest first: before `max_ts`, or the `count` listens just after `min_ts`."""
    if min_ts is not None and max_ts is not None and max_ts <= min_ts:
        raise InvalidInput("max_ts should be greater than min_ts")
    user = _user(connection, user_name)
    found = listens.list_listens(
        connection,
        user_id=user.id,
        min_ts=None if min_ts is None else datetime.fromtimestamp(min_ts, UTC),
        max_ts=None if max_ts is None else datetime.fromtimestamp(max_ts, UTC),
        count=min(count, MAX_ITEMS_PER_GET),
    )
    items = [_listen_out(x, user.username) for x in found]
    return schemas.ListensResponse(
        payload=schemas.ListensPayload(count=len(items), user_id=user.username, listens=items)
    )


@router.get(
    "/user/{user_name}/listen-count",
    response_model=schemas.CountResponse,
    summary="How many listens a user has",
)
def get_listen_count(user_name: str, connection: DbConnection) -> schemas.CountResponse:
    user = _user(connection, user_name)
    total = listens.listen_count(connection, user_id=user.id)
    return schemas.CountResponse(payload=schemas.CountPayload(count=total))


@router.get(
    "/user/{user_name}/playing-now",
    response_model=schemas.ListensResponse,
    summary="What a user is playing now",
)
def get_playing_now(user_name: str, connection: DbConnection) -> schemas.ListensResponse:
    user = _user(connection, user_name)
    now = playing_now.get_playing_now(connection, user_id=user.id)
    items = (
        []
        if now is None
        else [
            schemas.ListenOut(
                user_name=user.username, playing_now=True, track_metadata=now.track_metadata
            )
        ]
    )
    return schemas.ListensResponse(
        payload=schemas.ListensPayload(
            count=len(items), user_id=user.username, listens=items, playing_now=True
        )
    )


@router.post("/delete-listen", response_model=schemas.Status, summary="Delete one listen")
def delete_listen(
    body: schemas.DeleteListen, user: CurrentUser, connection: DbConnection
) -> schemas.Status:
    """Deletes the caller's listen of `recording_msid` at `listened_at` (done at once)."""
    try:
        track_id = listens.track_of_recording(connection, recording_id=body.recording_msid)
    except (NotFound, InvalidInput):
        raise InvalidInput(f"{body.recording_msid[:60]}: Recording MSID format invalid.") from None
    listens.delete_listen(
        connection,
        user_id=user.id,
        track_id=track_id,
        listened_at=datetime.fromtimestamp(body.listened_at, UTC),
    )
    return schemas.Status()


@router.post("/feedback/recording-feedback", response_model=schemas.Status, summary="Love or hate")
def recording_feedback(
    body: schemas.RecordingFeedback, user: CurrentUser, connection: DbConnection
) -> schemas.Status:
    """Score 1 (love), -1 (hate) or 0 (withdraw) on a recording, named by the
    `recording_msid` of a listen or a MusicBrainz `recording_mbid` (either field takes either)."""
    recording = body.recording_msid or body.recording_mbid
    if not recording:
        raise InvalidInput(
            "JSON document must contain either recording_msid or recording_mbid, and score"
            " top level keys"
        )
    track_id = listens.track_of_recording(connection, recording_id=recording)
    feedback.give_feedback(connection, user_id=user.id, track_id=track_id, score=body.score)
    return schemas.Status()


@router.get(
    "/feedback/user/{user_name}/get-feedback",
    response_model=schemas.FeedbackResponse,
    summary="A user's current feedback",
)
def get_feedback(
    *,
    user_name: str,
    connection: DbConnection,
    score: Annotated[int | None, Query(ge=-1, le=1)] = None,
    count: Count = 25,
    offset: Offset = 0,
    metadata: bool | None = None,
) -> schemas.FeedbackResponse:
    if score == 0:
        raise InvalidInput("Score can have a value of 1 or -1.")
    user = _user(connection, user_name)
    items, total = feedback.list_feedback(
        connection, user_id=user.id, score=score, count=min(count, MAX_ITEMS_PER_GET), offset=offset
    )
    mbids = listens.musicbrainz_ids(connection, track_ids=[x.track_id for x in items])
    described = (
        listens.track_metadata(connection, track_ids=[x.track_id for x in items])
        if metadata
        else {}
    )
    out = [
        schemas.FeedbackItem(
            user_id=user.username,
            recording_msid=listens.recording_msid(x.track_id),
            recording_mbid=mbids.get(x.track_id),
            score=x.score,
            created=_ts(x.created),
            track_metadata=described.get(x.track_id),
        )
        for x in items
    ]
    return schemas.FeedbackResponse(feedback=out, count=len(out), total_count=total, offset=offset)


STAT_COUNT_KEYS = {
    "artists": "total_artist_count",
    "recordings": "total_recording_count",
    "releases": "total_release_count",
}


def _stat_item(entity: str, row: dict[str, Any]) -> dict[str, Any]:
    if entity == "recordings":
        return {
            "track_name": row["track_name"],
            "artist_name": row["artist_name"],
            "release_name": row["release_name"],
            "recording_mbid": row["recording_mbid"],
            "recording_msid": listens.recording_msid(row["track_id"]),
            "release_mbid": row["release_mbid"],
            "listen_count": row["listen_count"],
        }
    if entity == "artists":
        return {
            "artist_name": row["artist_name"],
            "artist_mbid": row["artist_mbid"],
            "listen_count": row["listen_count"],
        }
    return {
        "release_name": row["release_name"],
        "release_mbid": row["release_mbid"],
        "artist_name": row["artist_name"],
        "listen_count": row["listen_count"],
    }


def _stats(
    entity: str, user_name: str, connection: Any, *, count: int, offset: int, rng: str
) -> Any:
    user = _user(connection, user_name)
    top = stats.top_entities(
        connection,
        user_id=user.id,
        entity=entity,
        stats_range=rng,
        count=min(count, MAX_ITEMS_PER_GET),
        offset=offset,
    )
    payload: dict[str, Any] = {
        "user_id": user.username,
        entity: [_stat_item(entity, row) for row in top.items],
        "count": len(top.items),
        STAT_COUNT_KEYS[entity]: top.total,
        "offset": offset,
        "range": rng,
        "from_ts": None if top.from_ts is None else _ts(top.from_ts),
        "to_ts": _ts(top.to_ts),
        "last_updated": _ts(top.to_ts),
    }
    return schemas.StatsResponse(payload=schemas.StatsPayload(**payload))


Range = Annotated[
    str,
    Query(
        description="week, month, quarter, half_yearly, year, all_time, "
        "this_week, this_month or this_year",
        max_length=32,
    ),
]


@router.get(
    "/stats/user/{user_name}/artists", response_model=schemas.StatsResponse, summary="Top artists"
)
def user_artists(
    user_name: str,
    connection: DbConnection,
    count: Count = 25,
    offset: Offset = 0,
    range: Range = "all_time",
) -> schemas.StatsResponse:
    """Counted live from the user's plays (ListenBrainz computes them in batches)."""
    result: schemas.StatsResponse = _stats(
        "artists", user_name, connection, count=count, offset=offset, rng=range
    )
    return result


@router.get(
    "/stats/user/{user_name}/recordings",
    response_model=schemas.StatsResponse,
    summary="Top recordings",
)
def user_recordings(
    user_name: str,
    connection: DbConnection,
    count: Count = 25,
    offset: Offset = 0,
    range: Range = "all_time",
) -> schemas.StatsResponse:
    """Counted live from the user's plays."""
    result: schemas.StatsResponse = _stats(
        "recordings", user_name, connection, count=count, offset=offset, rng=range
    )
    return result


@router.get(
    "/stats/user/{user_name}/releases", response_model=schemas.StatsResponse, summary="Top releases"
)
def user_releases(
    user_name: str,
    connection: DbConnection,
    count: Count = 25,
    offset: Offset = 0,
    range: Range = "all_time",
) -> schemas.StatsResponse:
    """Counted live from the user's plays."""
    result: schemas.StatsResponse = _stats(
        "releases", user_name, connection, count=count, offset=offset, rng=range
    )
    return result


@router.get(
    "/cf/recommendation/user/{user_name}/recording",
    response_model=schemas.RecommendationResponse,
    responses={204: {"description": "no recommendations for this user yet"}},
    summary="Recommended recordings",
)
def user_recommendations(
    user_name: str,
    connection: DbConnection,
    artist_type: Annotated[str, Query(pattern="^(top|similar|raw)$")] = "top",
    count: Annotated[int, Query(ge=0, le=100)] = 25,
    offset: Annotated[int, Query(ge=0, le=100)] = 0,
) -> Any:
    """From discovery: the tracks nearest the user's profile and favourites (KNN on audio
    features), best first. `artist_type` is accepted and does not change the list."""
    user = _user(connection, user_name)
    picks = recommend_for_user(connection, user_id=user.id, count=min(100, count + offset))
    chosen = picks[offset : offset + count]
    if not chosen:
        return Response(status_code=204)
    mbids = listens.musicbrainz_ids(connection, track_ids=[x.track_id for x in chosen])
    items = [
        schemas.RecommendedRecording(
            recording_mbid=mbids.get(x.track_id),
            recording_msid=listens.recording_msid(x.track_id),
            score=x.score,
        )
        for x in chosen
    ]
    now = int(datetime.now(UTC).timestamp())
    return schemas.RecommendationResponse(
        payload=schemas.RecommendationPayload(
            mbids=items,
            user_name=user.username,
            count=len(items),
            total_mbid_count=len(picks),
            type=artist_type,
            offset=offset,
            last_updated=now,
        )
    )
