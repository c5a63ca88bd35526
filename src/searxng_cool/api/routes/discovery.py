"""Discovery sessions: start, next batch, act on a track, end. Only the owner sees a session."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from searxng_cool.api.deps import CurrentUser, DbConnection
from searxng_cool.api.responses import AUTHENTICATED, OWNED
from searxng_cool.db.models.discovery import SESSION_TYPES, USER_ACTIONS
from searxng_cool.discovery import sessions

router = APIRouter(
    prefix="/api/v1/discovery", tags=["discovery"], responses={**AUTHENTICATED, **OWNED}
)
SessionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class SessionStart(BaseModel):
    session_type: Literal[SESSION_TYPES]  # type: ignore[valid-type]
    parameters: dict[str, Any] = Field(
        default_factory=dict,
        description="mood: mood/valence/energy; genre: genre; similarity: seed_track_id or"
        " seed_artist_id; playlist: playlist_id (validated as the CLI does)",
    )


class SessionStarted(BaseModel):
    id: int


class Presented(BaseModel):
    position: int
    track_id: int
    score: float
    reasons: list[str]


class Action(BaseModel):
    track_id: int = Field(ge=1, le=2**31 - 1)
    action: Literal[USER_ACTIONS]  # type: ignore[valid-type]
    play_duration_ms: int | None = Field(None, ge=0, le=2**31 - 1)


class SessionEnd(BaseModel):
    feedback_score: int | None = Field(None, ge=1, le=5)


@router.post("/sessions", response_model=SessionStarted, status_code=201, summary="Start a session")
def start(body: SessionStart, user: CurrentUser, connection: DbConnection) -> SessionStarted:
    made = sessions.start_session(
        connection, user_id=user.id, session_type=body.session_type, parameters=body.parameters
    )
    return SessionStarted(id=made)


@router.post(
    "/sessions/{session_id}/next", response_model=list[Presented], summary="The next batch"
)
def next_batch(
    session_id: SessionId,
    user: CurrentUser,
    connection: DbConnection,
    size: Annotated[int | None, Query(ge=1, le=50)] = None,
) -> list[Presented]:
    sessions.check_owner(connection, session_id=session_id, user_id=user.id)
    batch = sessions.next_batch(connection, session_id=session_id, size=size)
    return [Presented(**p.__dict__) for p in batch]


@router.post("/sessions/{session_id}/actions", status_code=204, summary="Act on a presented track")
def act(
    session_id: SessionId, body: Action, user: CurrentUser, connection: DbConnection
) -> Response:
    sessions.check_owner(connection, session_id=session_id, user_id=user.id)
    sessions.record_action(
        connection,
        session_id=session_id,
        track_id=body.track_id,
        action=body.action,
        play_duration_ms=body.play_duration_ms,
    )
    return Response(status_code=204)


@router.post("/sessions/{session_id}/end", status_code=204, summary="End a session")
def end(
    session_id: SessionId, body: SessionEnd, user: CurrentUser, connection: DbConnection
) -> Response:
    sessions.check_owner(connection, session_id=session_id, user_id=user.id)
    sessions.end_session(connection, session_id=session_id, feedback_score=body.feedback_score)
    return Response(status_code=204)
