"""The caller's account: who am I, tokens, login, password, interactions, profile."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from searxng_cool import accounts
from searxng_cool.api.deps import CurrentUser, DbConnection
from searxng_cool.api.pages import Cursor, Page, PageSize, next_link
from searxng_cool.api.responses import AUTHENTICATED, OWNED
from searxng_cool.db.models.users import INTERACTION_TYPES
from searxng_cool.listening import history, profiles
from searxng_cool.listening.recording import record_interaction

router = APIRouter(prefix="/api/v1", tags=["me"], responses={**AUTHENTICATED, **OWNED})

LOGIN_TOKEN_TTL = timedelta(days=30)


class AccountOut(BaseModel):
    id: int
    username: str
    email: str
    is_admin: bool
    created_at: datetime


class TokenCreate(BaseModel):
    label: str | None = Field(None, max_length=100)
    expires_at: datetime | None = Field(None, description="with a time zone; none: never")


class IssuedTokenOut(BaseModel):
    id: int
    token: str = Field(description="shown this once; only its hash is stored")
    label: str | None
    created_at: datetime
    expires_at: datetime | None


class TokenOut(BaseModel):
    id: int
    label: str | None
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class LoginIn(BaseModel):
    login: str = Field(max_length=255, description="user name or e-mail")
    password: str = Field(max_length=1024)


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=1024)
    new_password: str = Field(max_length=1024)


class InteractionIn(BaseModel):
    track_id: int = Field(ge=1, le=2**31 - 1)
    interaction_type: Literal[INTERACTION_TYPES]  # type: ignore[valid-type]
    play_duration_ms: int | None = Field(None, ge=0, le=2**31 - 1)
    context: dict[str, Any] | None = None
    created_at: datetime | None = Field(None, description="when it happened; default now")


class InteractionOut(BaseModel):
    id: int
    track_id: int
    interaction_type: str
    play_duration_ms: int | None
    context: dict[str, Any]
    created_at: datetime


class Created(BaseModel):
    id: int


class ProfileOut(BaseModel):
    cold_start: bool
    last_updated: datetime | None
    settings: dict[str, Any]
    top_genres: list[str]


def account_out(account: accounts.Account) -> AccountOut:
    return AccountOut(**account.__dict__)


@router.get("/me", response_model=AccountOut, summary="Who the token belongs to")
def me(user: CurrentUser) -> AccountOut:
    return account_out(user)


@router.post(
    "/login",
    response_model=IssuedTokenOut,
    status_code=201,
    summary="Log in with name or e-mail and password; returns a token that expires",
    tags=["accounts"],
)
def login(body: LoginIn, request: Request, connection: DbConnection) -> IssuedTokenOut:
    """Failures are limited per account and per client address (then 429 with Retry-After);
    the answer never says whether the account exists."""
    client = request.client.host if request.client else "unknown"
    issued = accounts.login(
        connection,
        login=body.login,
        password=body.password,
        client=client,
        token_ttl=LOGIN_TOKEN_TTL,
    )
    return IssuedTokenOut(**issued.__dict__)


@router.put("/me/password", status_code=204, summary="Change my password")
def change_password(body: PasswordChange, user: CurrentUser, connection: DbConnection) -> Response:
    accounts.change_password(
        connection,
        user_id=user.id,
        old_password=body.old_password,
        new_password=body.new_password,
    )
    return Response(status_code=204)


@router.get("/me/tokens", response_model=list[TokenOut], summary="My API tokens")
def list_tokens(user: CurrentUser, connection: DbConnection) -> list[TokenOut]:
    return [TokenOut(**t.__dict__) for t in accounts.list_tokens(connection, user_id=user.id)]


@router.post(
    "/me/tokens", response_model=IssuedTokenOut, status_code=201, summary="Make an API token"
)
def create_token(body: TokenCreate, user: CurrentUser, connection: DbConnection) -> IssuedTokenOut:
    issued = accounts.create_token(
        connection, user_id=user.id, label=body.label, expires_at=body.expires_at
    )
    return IssuedTokenOut(**issued.__dict__)


@router.delete(
    "/me/tokens/{token_id}", status_code=204, summary="Revoke an API token (immediately)"
)
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1)], user: CurrentUser, connection: DbConnection
) -> Response:
    accounts.revoke_token(connection, user_id=user.id, token_id=token_id)
    return Response(status_code=204)


@router.get(
    "/me/interactions", response_model=Page[InteractionOut], summary="My interactions, newest first"
)
def my_interactions(
    *,
    request: Request,
    user: CurrentUser,
    connection: DbConnection,
    type: Annotated[Literal[INTERACTION_TYPES] | None, Query()] = None,  # type: ignore[valid-type]
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[InteractionOut]:
    page = history.list_interactions(
        connection, user_id=user.id, limit=limit, cursor=cursor, interaction_type=type
    )
    items = [InteractionOut(**x.__dict__) for x in page.items]
    return Page[InteractionOut](items=items, next=next_link(request, page.next_cursor))


@router.post(
    "/interactions", response_model=Created, status_code=201, summary="Record an interaction"
)
def record(body: InteractionIn, user: CurrentUser, connection: DbConnection) -> Created:
    """play, like, unlike, dislike, skip, share, save, unsave, playlist_add, playlist_remove."""
    made = record_interaction(
        connection,
        user_id=user.id,
        track_id=body.track_id,
        interaction_type=body.interaction_type,
        play_duration_ms=body.play_duration_ms,
        context=body.context,
        created_at=body.created_at,
    )
    return Created(id=made)


def _profile_out(profile: profiles.Profile) -> ProfileOut:
    genres = sorted(profile.state.genre_mass.items(), key=lambda item: -item[1])
    return ProfileOut(
        cold_start=profile.cold_start,
        last_updated=profile.last_updated,
        settings=profile.settings,
        top_genres=[name for name, _ in genres[:10]],
    )


@router.get("/me/profile", response_model=ProfileOut, summary="My music profile and settings")
def my_profile(user: CurrentUser, connection: DbConnection) -> ProfileOut:
    return _profile_out(profiles.load_profile(connection, user_id=user.id))


@router.put(
    "/me/profile/settings", response_model=ProfileOut, summary="Change my discovery settings"
)
def change_settings(
    body: dict[str, Any], user: CurrentUser, connection: DbConnection
) -> ProfileOut:
    """The keys of `discovery settings` (validated as the CLI does); others are refused."""
    profiles.set_discovery_settings(connection, user_id=user.id, changes=body)
    return _profile_out(profiles.load_profile(connection, user_id=user.id))
