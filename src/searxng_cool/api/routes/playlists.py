"""Playlists: list, create, read, update, delete; tracks add/move/remove with the playlist's
version as If-Match (412 when stale); collaborators; smart rules; JSPF and M3U8.

The ETag of a playlist is its version (`"v<n>"`); every edit must send it as `If-Match`
and answers with the new one. Private playlists are invisible to others: 404, not 403.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import BaseModel, Field

from searxng_cool.accounts import get_account
from searxng_cool.api.caching import expected_version, json_with_etag, version_etag
from searxng_cool.api.deps import CurrentUser, DbConnection
from searxng_cool.api.pages import Page, PageSize, next_link
from searxng_cool.api.responses import AUTHENTICATED, OWNED, problem_response
from searxng_cool.playlists import collaboration, editing, exchange, manage, reading, smart

PRECONDITION: dict[int | str, dict[str, Any]] = {
    412: problem_response("If-Match names a version that is no longer current"),
    428: problem_response("If-Match is missing"),
}
router = APIRouter(
    prefix="/api/v1/playlists", tags=["playlists"], responses={**AUTHENTICATED, **OWNED}
)

PlaylistId = Annotated[int, Path(ge=1, le=2**31 - 1)]
TrackId = Annotated[int, Field(ge=1, le=2**31 - 1)]
Position = Annotated[int, Field(ge=0, le=2**31 - 1)]
IF_MATCH_DOC = 'the playlist\'s ETag, e.g. "v3"'


class PlaylistOut(BaseModel):
    id: int
    name: str
    description: str | None
    owner_id: int
    owner: str
    is_public: bool
    is_collaborative: bool
    is_smart: bool
    tags: list[Any]
    dynamic_rules: dict[str, Any] | None
    total_duration_ms: int
    track_count: int
    version: int
    updated_at: datetime


class PlaylistCreate(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    description: str | None = Field(None, max_length=5000)
    is_public: bool = False
    is_collaborative: bool = False
    tags: list[Annotated[str, Field(max_length=50)]] = Field(default_factory=list, max_length=50)
    dynamic_rules: dict[str, Any] | None = Field(
        None, description="smart rules, validated as `playlists rules` validates them"
    )


class PlaylistUpdate(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=255)
    is_public: bool | None = None
    is_collaborative: bool | None = None
    tags: list[Annotated[str, Field(max_length=50)]] | None = Field(None, max_length=50)


class EditOut(BaseModel):
    playlist_id: int
    version: int
    track_count: int


class EntryOut(BaseModel):
    position: int
    track_id: int
    title: str
    artist: str | None
    duration_ms: int | None
    added_by: int | None
    added_at: datetime


class TracksAdd(BaseModel):
    track_ids: list[TrackId] = Field(min_length=1, max_length=1000)
    position: Position | None = Field(None, description="insert here; default at the end")


class TrackMove(BaseModel):
    from_position: Position
    to_position: Position


class TracksRemove(BaseModel):
    positions: list[Position] = Field(min_length=1, max_length=1000)


class CollaboratorIn(BaseModel):
    can_add: bool = True
    can_remove: bool = True
    can_reorder: bool = True


class CollaboratorOut(BaseModel):
    user_id: int
    username: str
    can_add: bool
    can_remove: bool
    can_reorder: bool
    added_at: datetime


class RulesIn(BaseModel):
    rules: dict[str, Any]


def _summary(found: reading.PlaylistSummary) -> PlaylistOut:
    return PlaylistOut(**found.__dict__)


def _edited(result: Any) -> Response:
    body = EditOut(
        playlist_id=result.playlist_id, version=result.version, track_count=result.track_count
    )
    return json_with_etag(body, version_etag(result.version))


@router.get("", response_model=list[PlaylistOut], summary="Playlists: mine, collaborating, public")
def list_playlists(
    user: CurrentUser,
    connection: DbConnection,
    scope: Annotated[Literal["mine", "collaborating", "public"], Query()] = "mine",
) -> list[PlaylistOut]:
    """`mine`: the caller's own; `collaborating`: others' that the caller collaborates on;
    `public`: everyone's public playlists (newest edits first, at most 1000)."""
    if scope == "mine":
        found = reading.list_playlists(connection, viewer_id=user.id, owner_id=user.id)
    elif scope == "collaborating":
        found = reading.list_collaborating(connection, user_id=user.id)
    else:
        found = reading.list_public(connection)
    return [_summary(p) for p in found]


@router.post("", response_model=PlaylistOut, status_code=201, summary="Create a playlist")
def create(body: PlaylistCreate, user: CurrentUser, connection: DbConnection) -> Response:
    made = manage.create_playlist(connection, owner_id=user.id, **body.model_dump())
    found = reading.get_playlist(connection, playlist_id=made, viewer_id=user.id)
    return json_with_etag(_summary(found), version_etag(found.version), status_code=201)


@router.post(
    "/import",
    response_model=PlaylistOut,
    status_code=201,
    summary="Import a JSPF playlist (tracks resolved in the catalog)",
)
def import_jspf(
    document: Annotated[dict[str, Any], Body(description='JSPF: {"playlist": {...}}')],
    user: CurrentUser,
    connection: DbConnection,
) -> Response:
    made = exchange.import_jspf(connection, owner_id=user.id, document=document)
    found = reading.get_playlist(connection, playlist_id=made, viewer_id=user.id)
    return json_with_etag(_summary(found), version_etag(found.version), status_code=201)


@router.get(
    "/{playlist_id}",
    response_model=PlaylistOut,
    summary="One playlist (ETag: its version)",
    responses={304: {"description": "not modified (If-None-Match)"}},
)
def get(
    *, request: Request, playlist_id: PlaylistId, user: CurrentUser, connection: DbConnection
) -> Response:
    found = reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=user.id)
    etag = version_etag(found.version)
    if request.headers.get("If-None-Match", "").strip() == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return json_with_etag(_summary(found), etag)


@router.patch(
    "/{playlist_id}",
    response_model=EditOut,
    responses=PRECONDITION,
    summary="Rename or change settings (owner)",
)
def update(
    *,
    request: Request,
    playlist_id: PlaylistId,
    body: PlaylistUpdate,
    user: CurrentUser,
    connection: DbConnection,
) -> Response:
    version = expected_version(request)
    result: Any = None
    if body.name is not None:
        result = manage.rename_playlist(
            connection,
            playlist_id=playlist_id,
            actor_id=user.id,
            name=body.name,
            expected_version=version,
        )
        version = result.version
    if body.is_public is not None or body.is_collaborative is not None or body.tags is not None:
        result = manage.change_settings(
            connection,
            playlist_id=playlist_id,
            actor_id=user.id,
            is_public=body.is_public,
            is_collaborative=body.is_collaborative,
            tags=body.tags,
            expected_version=version,
        )
    if result is None:
        found = reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=user.id)
        result = EditOut(playlist_id=found.id, version=found.version, track_count=found.track_count)
    return _edited(result)


@router.delete("/{playlist_id}", status_code=204, responses=PRECONDITION, summary="Delete (owner)")
def delete(
    *, request: Request, playlist_id: PlaylistId, user: CurrentUser, connection: DbConnection
) -> Response:
    manage.delete_playlist(
        connection,
        playlist_id=playlist_id,
        actor_id=user.id,
        expected_version=expected_version(request),
    )
    return Response(status_code=204)


@router.get("/{playlist_id}/tracks", response_model=Page[EntryOut], summary="The tracks, in order")
def tracks(
    *,
    request: Request,
    playlist_id: PlaylistId,
    user: CurrentUser,
    connection: DbConnection,
    cursor: Annotated[int, Query(ge=0, le=2**31 - 1, description="first position")] = 0,
    limit: PageSize = 100,
) -> Page[EntryOut]:
    entries = reading.list_tracks(
        connection, playlist_id=playlist_id, viewer_id=user.id, offset=cursor, limit=limit + 1
    )
    following = str(entries[limit].position) if len(entries) > limit else None
    return Page[EntryOut](
        items=[EntryOut(**e.__dict__) for e in entries[:limit]],
        next=next_link(request, following),
    )


@router.post(
    "/{playlist_id}/tracks",
    response_model=EditOut,
    responses=PRECONDITION,
    summary="Add tracks (If-Match)",
)
def add(
    *,
    request: Request,
    playlist_id: PlaylistId,
    body: TracksAdd,
    user: CurrentUser,
    connection: DbConnection,
) -> Response:
    result = editing.add_tracks(
        connection,
        playlist_id=playlist_id,
        actor_id=user.id,
        track_ids=body.track_ids,
        position=body.position,
        expected_version=expected_version(request),
    )
    return _edited(result)


@router.post(
    "/{playlist_id}/tracks/move",
    response_model=EditOut,
    responses=PRECONDITION,
    summary="Move one track (If-Match)",
)
def move(
    *,
    request: Request,
    playlist_id: PlaylistId,
    body: TrackMove,
    user: CurrentUser,
    connection: DbConnection,
) -> Response:
    result = editing.move_track(
        connection,
        playlist_id=playlist_id,
        actor_id=user.id,
        from_position=body.from_position,
        to_position=body.to_position,
        expected_version=expected_version(request),
    )
    return _edited(result)


@router.post(
    "/{playlist_id}/tracks/remove",
    response_model=EditOut,
    responses=PRECONDITION,
    summary="Remove tracks at positions (If-Match)",
)
def remove(
    *,
    request: Request,
    playlist_id: PlaylistId,
    body: TracksRemove,
    user: CurrentUser,
    connection: DbConnection,
) -> Response:
    result = editing.remove_tracks(
        connection,
        playlist_id=playlist_id,
        actor_id=user.id,
        positions=body.positions,
        expected_version=expected_version(request),
    )
    return _edited(result)


@router.get(
    "/{playlist_id}/collaborators",
    response_model=list[CollaboratorOut],
    summary="Collaborators",
)
def collaborators(
    playlist_id: PlaylistId, user: CurrentUser, connection: DbConnection
) -> list[CollaboratorOut]:
    found = collaboration.list_collaborators(connection, playlist_id=playlist_id, viewer_id=user.id)
    return [CollaboratorOut(**c.__dict__) for c in found]


@router.put(
    "/{playlist_id}/collaborators/{user_name}",
    response_model=EditOut,
    responses=PRECONDITION,
    summary="Add or change a collaborator (owner, If-Match)",
)
def put_collaborator(
    *,
    request: Request,
    playlist_id: PlaylistId,
    user_name: Annotated[str, Path(max_length=50)],
    body: CollaboratorIn,
    user: CurrentUser,
    connection: DbConnection,
) -> Response:
    other = get_account(connection, user=user_name)
    result = collaboration.add_collaborator(
        connection,
        playlist_id=playlist_id,
        actor_id=user.id,
        user_id=other.id,
        expected_version=expected_version(request),
        **body.model_dump(),
    )
    return _edited(result)


@router.delete(
    "/{playlist_id}/collaborators/{user_name}",
    response_model=EditOut,
    responses=PRECONDITION,
    summary="Remove a collaborator (owner, If-Match)",
)
def delete_collaborator(
    *,
    request: Request,
    playlist_id: PlaylistId,
    user_name: Annotated[str, Path(max_length=50)],
    user: CurrentUser,
    connection: DbConnection,
) -> Response:
    other = get_account(connection, user=user_name)
    result = collaboration.remove_collaborator(
        connection,
        playlist_id=playlist_id,
        actor_id=user.id,
        user_id=other.id,
        expected_version=expected_version(request),
    )
    return _edited(result)


@router.put(
    "/{playlist_id}/rules",
    response_model=EditOut,
    responses=PRECONDITION,
    summary="Set smart rules (owner, If-Match); validated as the CLI does",
)
def set_rules(
    *,
    request: Request,
    playlist_id: PlaylistId,
    body: RulesIn,
    user: CurrentUser,
    connection: DbConnection,
) -> Response:
    result = smart.set_rules(
        connection,
        playlist_id=playlist_id,
        actor_id=user.id,
        rules=body.rules,
        expected_version=expected_version(request),
    )
    return _edited(result)


@router.post("/{playlist_id}/refresh", response_model=EditOut, summary="Refresh a smart playlist")
def refresh(playlist_id: PlaylistId, user: CurrentUser, connection: DbConnection) -> Response:
    result = smart.refresh_smart_playlist(connection, playlist_id=playlist_id, actor_id=user.id)
    return _edited(result)


@router.get(
    "/{playlist_id}/export.jspf",
    summary="Export as JSPF",
    responses={200: {"content": {"application/jspf+json": {}}}},
)
def export_jspf(playlist_id: PlaylistId, user: CurrentUser, connection: DbConnection) -> Any:
    return exchange.export_jspf(connection, playlist_id=playlist_id, viewer_id=user.id)


@router.get(
    "/{playlist_id}/export.m3u8",
    summary="Export as M3U8",
    response_class=Response,
    responses={200: {"content": {"audio/x-mpegurl": {"schema": {"type": "string"}}}}},
)
def export_m3u8(playlist_id: PlaylistId, user: CurrentUser, connection: DbConnection) -> Response:
    body = exchange.export_m3u8(connection, playlist_id=playlist_id, viewer_id=user.id)
    return Response(body, media_type="audio/x-mpegurl; charset=utf-8")
