"""Request and response shapes of the /1/ endpoints, as ListenBrainz documents them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class LBError(BaseModel):
    """ListenBrainz's error body; its clients read `error`."""

    code: int
    error: str


class Status(BaseModel):
    status: Literal["ok"] = "ok"


class TokenValidity(BaseModel):
    code: int = 200
    message: str
    valid: bool
    user_name: str | None = None


class SubmittedListen(BaseModel):
    model_config = ConfigDict(extra="allow")

    listened_at: int | None = Field(
        None, description="unix seconds; required for single and import, absent for playing_now"
    )
    track_metadata: dict[str, Any] = Field(
        description="track_name and artist_name (required), release_name, additional_info"
    )


class SubmitListens(BaseModel):
    """The body of POST /1/submit-listens (validated by ListenBrainz's rules, not this schema)."""

    listen_type: Literal["single", "import", "playing_now"]
    payload: list[SubmittedListen] = Field(max_length=1000)


class ListenOut(BaseModel):
    listened_at: int | None = None
    recording_msid: str | None = None
    user_name: str
    playing_now: bool | None = None
    track_metadata: dict[str, Any]


class ListensPayload(BaseModel):
    count: int
    user_id: str
    listens: list[ListenOut]
    playing_now: bool | None = None


class ListensResponse(BaseModel):
    payload: ListensPayload


class CountPayload(BaseModel):
    count: int


class CountResponse(BaseModel):
    payload: CountPayload


class DeleteListen(BaseModel):
    listened_at: int = Field(ge=0, le=253_402_300_799)
    recording_msid: str = Field(max_length=64)


class RecordingFeedback(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recording_msid: str | None = Field(None, max_length=64)
    recording_mbid: str | None = Field(None, max_length=64)
    score: Literal[-1, 0, 1]


class FeedbackItem(BaseModel):
    user_id: str
    recording_msid: str
    recording_mbid: str | None
    score: int
    created: int
    track_metadata: dict[str, Any] | None = None


class FeedbackResponse(BaseModel):
    feedback: list[FeedbackItem]
    count: int
    total_count: int
    offset: int


class StatsPayload(BaseModel):
    model_config = ConfigDict(extra="allow")

    user_id: str
    count: int
    offset: int
    range: str
    from_ts: int | None
    to_ts: int
    last_updated: int


class StatsResponse(BaseModel):
    payload: StatsPayload


class RecommendedRecording(BaseModel):
    recording_mbid: str | None
    recording_msid: str
    score: float


class RecommendationPayload(BaseModel):
    mbids: list[RecommendedRecording]
    user_name: str
    count: int
    total_mbid_count: int
    type: str
    offset: int
    last_updated: int


class RecommendationResponse(BaseModel):
    payload: RecommendationPayload
