"""Listener pages: log in/out, search, artist/album/track, playlists, discovery, listening,
tokens. Thin: parse, authorise, call a service, render."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from searxng_cool import accounts
from searxng_cool.api.deps import DbConnection
from searxng_cool.catalog import entities
from searxng_cool.catalog.search import search as search_catalog
from searxng_cool.discovery import sessions
from searxng_cool.discovery.parameters import MOODS
from searxng_cool.errors import InvalidInput, RateLimited, StaleVersion, Unauthenticated
from searxng_cool.listening import activity, stats
from searxng_cool.playlists import collaboration, editing, exchange, manage, reading
from searxng_cool.web.charts import bar_chart
from searxng_cool.web.rendering import PageRoute, redirect, render, safe_next
from searxng_cool.web.session import (
    SESSION_COOKIE,
    CsrfChecked,
    PageUser,
    PageViewer,
    split_cookie,
)

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
RANGES = ("week", "month", "year", "all_time")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: PageUser, connection: DbConnection) -> Response:
    mine = reading.list_playlists(connection, viewer_id=user.id, owner_id=user.id)[:10]
    return render(request, "home.html", viewer=user, playlists=mine)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, viewer: PageViewer, next: str | None = None) -> Response:
    if viewer is not None:
        return redirect(safe_next(next))
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login", response_class=HTMLResponse, dependencies=[CsrfChecked])
def login(
    request: Request,
    connection: DbConnection,
    login: Annotated[str, Form(max_length=255)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    client = request.client.host if request.client else "unknown"
    try:
        issued = accounts.login(connection, login=login, password=password, client=client)
    except (Unauthenticated, RateLimited) as refused:
        status = 429 if isinstance(refused, RateLimited) else 401
        return render(
            request, "login.html", status_code=status, next=safe_next(next), error=str(refused)
        )
    response = redirect(safe_next(next))
    max_age = None
    if issued.expires_at is not None:
        max_age = int((issued.expires_at - issued.created_at).total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        f"{issued.id}.{issued.token}",
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, connection: DbConnection, viewer: PageViewer) -> Response:
    found = split_cookie(request.cookies.get(SESSION_COOKIE))
    if viewer is not None and found is not None:
        accounts.revoke_token(connection, user_id=viewer.id, token_id=found[0])
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- catalog -----------------------------------------------------------------------------


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    user: PageUser,
    connection: DbConnection,
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    groups = {}
    if q.strip():
        groups = search_catalog(connection, query=q, limit=30).grouped()
    targets = _editable_playlists(connection, user.id)
    return render(request, "search.html", viewer=user, q=q, groups=groups, targets=targets)


def _editable_playlists(connection: DbConnection, user_id: int) -> list[reading.PlaylistSummary]:
    own = reading.list_playlists(connection, viewer_id=user_id, owner_id=user_id)
    shared = reading.list_collaborating(connection, user_id=user_id)
    return [p for p in own + shared if not p.is_smart]


@router.get("/artists/{artist_id}", response_class=HTMLResponse)
def artist(request: Request, artist_id: Id, user: PageUser, connection: DbConnection) -> Response:
    found = entities.get_artist(connection, artist_id=artist_id)
    return render(request, "artist.html", viewer=user, artist=found)


@router.get("/albums/{album_id}", response_class=HTMLResponse)
def album(request: Request, album_id: Id, user: PageUser, connection: DbConnection) -> Response:
    found = entities.get_album(connection, album_id=album_id)
    return render(request, "album.html", viewer=user, album=found)


@router.get("/tracks/{track_id}", response_class=HTMLResponse)
def track(request: Request, track_id: Id, user: PageUser, connection: DbConnection) -> Response:
    found = entities.get_track(connection, track_id=track_id)
    similar = entities.similar_tracks(connection, track_id=track_id, limit=10)
    return render(
        request,
        "track.html",
        viewer=user,
        track=found,
        similar=similar,
        targets=_editable_playlists(connection, user.id),
    )


# --- playlists ---------------------------------------------------------------------------


@router.get("/playlists", response_class=HTMLResponse)
def playlists(request: Request, user: PageUser, connection: DbConnection) -> Response:
    return render(
        request,
        "playlists.html",
        viewer=user,
        mine=reading.list_playlists(connection, viewer_id=user.id, owner_id=user.id),
        collaborating=reading.list_collaborating(connection, user_id=user.id),
        public=[p for p in reading.list_public(connection, limit=50) if p.owner_id != user.id],
    )


@router.post("/playlists", dependencies=[CsrfChecked])
def create_playlist(
    user: PageUser,
    connection: DbConnection,
    name: Annotated[str, Form(max_length=255)],
    is_public: Annotated[bool, Form()] = False,
    is_collaborative: Annotated[bool, Form()] = False,
) -> Response:
    made = manage.create_playlist(
        connection,
        owner_id=user.id,
        name=name,
        is_public=is_public,
        is_collaborative=is_collaborative,
    )
    return redirect(f"/playlists/{made}")


@router.get("/playlists/{playlist_id}", response_class=HTMLResponse)
def playlist(
    request: Request,
    playlist_id: Id,
    viewer: PageViewer,
    connection: DbConnection,
    stale: bool = False,
) -> Response:
    viewer_id = viewer.id if viewer else None
    found = reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=viewer_id)
    entries = reading.list_tracks(
        connection, playlist_id=playlist_id, viewer_id=viewer_id, limit=1000
    )
    people = collaboration.list_collaborators(
        connection, playlist_id=playlist_id, viewer_id=viewer_id
    )
    is_owner = viewer is not None and viewer.id == found.owner_id
    can_edit = is_owner or (
        viewer is not None
        and found.is_collaborative
        and any(p.user_id == viewer.id for p in people)
    )
    return render(
        request,
        "playlist.html",
        viewer=viewer,
        playlist=found,
        entries=entries,
        collaborators=people,
        is_owner=is_owner,
        can_edit=can_edit and not found.is_smart,
        stale=stale,
    )


def _stale_guard(playlist_id: int) -> Response:
    return redirect(f"/playlists/{playlist_id}?stale=1")


@router.post("/playlists/{playlist_id}/rename", dependencies=[CsrfChecked])
def rename(
    playlist_id: Id,
    user: PageUser,
    connection: DbConnection,
    name: Annotated[str, Form(max_length=255)],
    version: Annotated[int, Form(ge=1)],
) -> Response:
    try:
        manage.rename_playlist(
            connection,
            playlist_id=playlist_id,
            actor_id=user.id,
            name=name,
            expected_version=version,
        )
    except StaleVersion:
        return _stale_guard(playlist_id)
    return redirect(f"/playlists/{playlist_id}")


@router.post("/playlist-tracks", dependencies=[CsrfChecked])
def add_track(
    user: PageUser,
    connection: DbConnection,
    playlist: Annotated[int, Form(ge=1, le=2**31 - 1)],
    track_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    back: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Add a track at the end of a playlist (from search or a track page)."""
    editing.add_tracks(connection, playlist_id=playlist, actor_id=user.id, track_ids=[track_id])
    return redirect(safe_next(back) if back else f"/playlists/{playlist}")


@router.post("/playlists/{playlist_id}/remove", dependencies=[CsrfChecked])
def remove_track(
    playlist_id: Id,
    user: PageUser,
    connection: DbConnection,
    position: Annotated[int, Form(ge=0, le=2**31 - 1)],
    version: Annotated[int, Form(ge=1)],
) -> Response:
    try:
        editing.remove_tracks(
            connection,
            playlist_id=playlist_id,
            actor_id=user.id,
            positions=[position],
            expected_version=version,
        )
    except StaleVersion:
        return _stale_guard(playlist_id)
    return redirect(f"/playlists/{playlist_id}")


@router.post("/playlists/{playlist_id}/collaborators", dependencies=[CsrfChecked])
def add_collaborator(
    playlist_id: Id,
    user: PageUser,
    connection: DbConnection,
    username: Annotated[str, Form(max_length=50)],
    version: Annotated[int, Form(ge=1)],
) -> Response:
    other = accounts.get_account(connection, user=username)
    try:
        collaboration.add_collaborator(
            connection,
            playlist_id=playlist_id,
            actor_id=user.id,
            user_id=other.id,
            expected_version=version,
        )
    except StaleVersion:
        return _stale_guard(playlist_id)
    return redirect(f"/playlists/{playlist_id}")


@router.post("/playlists/{playlist_id}/collaborators/remove", dependencies=[CsrfChecked])
def remove_collaborator(
    playlist_id: Id,
    user: PageUser,
    connection: DbConnection,
    username: Annotated[str, Form(max_length=50)],
    version: Annotated[int, Form(ge=1)],
) -> Response:
    other = accounts.get_account(connection, user=username)
    try:
        collaboration.remove_collaborator(
            connection,
            playlist_id=playlist_id,
            actor_id=user.id,
            user_id=other.id,
            expected_version=version,
        )
    except StaleVersion:
        return _stale_guard(playlist_id)
    return redirect(f"/playlists/{playlist_id}")


@router.post("/playlists/{playlist_id}/delete", dependencies=[CsrfChecked])
def delete_playlist(
    playlist_id: Id,
    user: PageUser,
    connection: DbConnection,
    version: Annotated[int, Form(ge=1)],
) -> Response:
    try:
        manage.delete_playlist(
            connection, playlist_id=playlist_id, actor_id=user.id, expected_version=version
        )
    except StaleVersion:
        return _stale_guard(playlist_id)
    return redirect("/playlists")


@router.get("/playlists/{playlist_id}/export.jspf")
def export_jspf(playlist_id: Id, viewer: PageViewer, connection: DbConnection) -> Response:
    document = exchange.export_jspf(
        connection, playlist_id=playlist_id, viewer_id=viewer.id if viewer else None
    )
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/jspf+json",
        headers={"Content-Disposition": f'attachment; filename="playlist-{playlist_id}.jspf"'},
    )


@router.get("/playlists/{playlist_id}/export.m3u8")
def export_m3u8(playlist_id: Id, viewer: PageViewer, connection: DbConnection) -> Response:
    body = exchange.export_m3u8(
        connection, playlist_id=playlist_id, viewer_id=viewer.id if viewer else None
    )
    return Response(
        body,
        media_type="audio/x-mpegurl; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="playlist-{playlist_id}.m3u8"'},
    )


# --- tokens ------------------------------------------------------------------------------


def _tokens_page(
    request: Request, user: accounts.Account, connection: DbConnection, **extra: Any
) -> Response:
    return render(
        request,
        "tokens.html",
        viewer=user,
        tokens=accounts.list_tokens(connection, user_id=user.id),
        api_root=str(request.base_url).rstrip("/"),
        **extra,
    )


@router.get("/tokens", response_class=HTMLResponse)
def tokens(request: Request, user: PageUser, connection: DbConnection) -> Response:
    return _tokens_page(request, user, connection, issued=None)


@router.post("/tokens", response_class=HTMLResponse, dependencies=[CsrfChecked])
def create_token(
    request: Request,
    user: PageUser,
    connection: DbConnection,
    label: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    issued = accounts.create_token(connection, user_id=user.id, label=label.strip() or None)
    response = _tokens_page(request, user, connection, issued=issued)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/tokens/{token_id}/revoke", dependencies=[CsrfChecked])
def revoke_token(
    token_id: Annotated[int, Path(ge=1, le=2**63 - 1)], user: PageUser, connection: DbConnection
) -> Response:
    accounts.revoke_token(connection, user_id=user.id, token_id=token_id)
    return redirect("/tokens")


# --- listening ---------------------------------------------------------------------------


@router.get("/listening", response_class=HTMLResponse)
def listening(
    request: Request,
    user: PageUser,
    connection: DbConnection,
    range: Annotated[str, Query(max_length=20)] = "month",
) -> Response:
    if range not in RANGES:
        raise InvalidInput(f"range {range!r} is not one of {', '.join(RANGES)}")
    days = activity.plays_per_day(connection, days=90, user_id=user.id)
    chart = bar_chart(
        [(day.isoformat(), float(plays)) for day, plays in days],
        title="My plays per day, last 90 days",
        unit=" plays",
    )
    artists = stats.top_entities(
        connection, user_id=user.id, entity="artists", stats_range=range, count=10
    )
    tracks = stats.top_entities(
        connection, user_id=user.id, entity="recordings", stats_range=range, count=10
    )
    return render(
        request,
        "listening.html",
        viewer=user,
        chart=chart,
        range=range,
        ranges=RANGES,
        artists=artists.items,
        tracks=tracks.items,
        total_plays=sum(plays for _, plays in days),
    )


# --- discovery ---------------------------------------------------------------------------


@router.get("/discovery", response_class=HTMLResponse)
def discovery(request: Request, user: PageUser) -> Response:
    return render(request, "discovery.html", viewer=user, moods=list(MOODS))


@router.post("/discovery", dependencies=[CsrfChecked])
def start_discovery(
    *,
    user: PageUser,
    connection: DbConnection,
    session_type: Annotated[str, Form(max_length=20)],
    mood: Annotated[str, Form(max_length=50)] = "",
    genre: Annotated[str, Form(max_length=100)] = "",
    seed_track_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    parameters: dict[str, object] = {}
    if session_type == "mood":
        parameters = {"mood": mood}
    elif session_type == "genre":
        parameters = {"genre": genre}
    elif session_type == "similarity":
        if not seed_track_id.strip().isdigit():
            raise InvalidInput(f"seed track id {seed_track_id[:12]!r} must be a track's number")
        parameters = {"seed_track_id": int(seed_track_id)}
    made = sessions.start_session(
        connection, user_id=user.id, session_type=session_type, parameters=parameters
    )
    sessions.next_batch(connection, session_id=made)
    return redirect(f"/discovery/{made}")


@router.get("/discovery/{session_id}", response_class=HTMLResponse)
def discovery_session(
    request: Request, session_id: Id, user: PageUser, connection: DbConnection
) -> Response:
    sessions.check_owner(connection, session_id=session_id, user_id=user.id)
    shown = sessions.presented_tracks(connection, session_id=session_id)
    refs = entities.track_refs(connection, track_ids=[t.track_id for t in shown])
    return render(
        request,
        "discovery_session.html",
        viewer=user,
        session_id=session_id,
        shown=list(reversed(shown)),
        refs=refs,
    )


@router.post("/discovery/{session_id}/next", dependencies=[CsrfChecked])
def discovery_next(session_id: Id, user: PageUser, connection: DbConnection) -> Response:
    sessions.check_owner(connection, session_id=session_id, user_id=user.id)
    sessions.next_batch(connection, session_id=session_id)
    return redirect(f"/discovery/{session_id}")


@router.post("/discovery/{session_id}/act", dependencies=[CsrfChecked])
def discovery_act(
    session_id: Id,
    user: PageUser,
    connection: DbConnection,
    track_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    action: Annotated[str, Form(max_length=20)],
) -> Response:
    sessions.check_owner(connection, session_id=session_id, user_id=user.id)
    sessions.record_action(connection, session_id=session_id, track_id=track_id, action=action)
    return redirect(f"/discovery/{session_id}#track-{track_id}")


@router.post("/discovery/{session_id}/end", dependencies=[CsrfChecked])
def discovery_end(
    session_id: Id,
    user: PageUser,
    connection: DbConnection,
    rating: Annotated[int | None, Form(ge=1, le=5)] = None,
) -> Response:
    sessions.check_owner(connection, session_id=session_id, user_id=user.id)
    sessions.end_session(connection, session_id=session_id, feedback_score=rating)
    return redirect("/discovery")
