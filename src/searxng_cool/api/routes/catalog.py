"""The catalog: search, tracks, artists, albums, similar tracks, charts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from searxng_cool.api.caching import cached
from searxng_cool.api.deps import CurrentUser, DbConnection
from searxng_cool.api.pages import Cursor, Page, PageSize, next_link
from searxng_cool.api.responses import AUTHENTICATED, OWNED
from searxng_cool.catalog import entities
from searxng_cool.catalog.search import search as search_catalog
from searxng_cool.catalog.search_filters import RESULT_TYPES, Range, SearchFilters
from searxng_cool.db.models.catalog import AUDIO_FEATURES
from searxng_cool.errors import InvalidInput
from searxng_cool.listening.stats import chart_tracks

router = APIRouter(prefix="/api/v1", tags=["catalog"], responses={**AUTHENTICATED, **OWNED})

EntityId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class SearchHit(BaseModel):
    type: Literal["track", "artist", "album"]
    id: int
    name: str
    artist: str | None
    album: str | None
    score: float


class TrackOut(BaseModel):
    id: int
    title: str
    artist_id: int | None
    artist: str | None
    album_id: int | None
    album: str | None
    duration_ms: int | None
    popularity: float | None


class SourceOut(BaseModel):
    source_type: str
    source_id: str
    source_uri: str | None


class CreditOut(BaseModel):
    artist_id: int
    role: str
    credited_as: str


class PlaysOut(BaseModel):
    total_plays: int
    total_likes: int
    total_interactions: int
    last_played_at: datetime | None


class TrackDetailOut(TrackOut):
    track_number: int | None
    isrc: str | None
    audio_features: dict[str, Any] | None
    sources: list[SourceOut]
    credits: list[CreditOut]
    popularity_counters: PlaysOut


class AlbumRefOut(BaseModel):
    id: int
    title: str
    release_date: date | None
    album_type: str | None


class ArtistOut(BaseModel):
    id: int
    name: str
    musicbrainz_id: str | None
    country: str | None
    genres: list[Any]
    popularity: float | None
    albums: list[AlbumRefOut]
    top_tracks: list[TrackOut]


class AlbumOut(BaseModel):
    id: int
    title: str
    artist_id: int | None
    artist: str | None
    release_date: date | None
    album_type: str | None
    genres: list[Any]
    tracks: list[TrackOut]


class SimilarTrack(TrackOut):
    distance: float


class ChartEntry(TrackOut):
    plays: int


def track_out(ref: entities.TrackRef) -> TrackOut:
    return TrackOut(**ref.__dict__)


def _range(low: float | None, high: float | None) -> Range:
    return Range(low=low, high=high)


def _features(values: list[str]) -> dict[str, Range]:
    """`energy:0.5:0.9` -> {"energy": Range(0.5, 0.9)}; an empty bound is open."""
    found: dict[str, Range] = {}
    for value in values:
        name, _, bounds = value.partition(":")
        low, _, high = bounds.partition(":")
        if name not in AUDIO_FEATURES or not bounds:
            raise InvalidInput(
                f"feature {value[:60]!r} is not NAME:LOW:HIGH with NAME one of"
                f" {', '.join(AUDIO_FEATURES)}"
            )
        try:
            found[name] = Range(float(low) if low else None, float(high) if high else None)
        except ValueError:
            raise InvalidInput(f"feature {value[:60]!r} has a bound that is not a number") from None
    return found


@router.get("/search", response_model=Page[SearchHit], summary="Search the catalog")
def search(
    *,
    request: Request,
    connection: DbConnection,
    user: CurrentUser,
    q: Annotated[str, Query(min_length=1, max_length=200, description="what to look for")],
    type: Annotated[list[Literal["track", "artist", "album"]] | None, Query()] = None,
    genre: Annotated[str | None, Query(max_length=100)] = None,
    year_from: Annotated[int | None, Query(ge=0, le=9999)] = None,
    year_to: Annotated[int | None, Query(ge=0, le=9999)] = None,
    min_duration_ms: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
    max_duration_ms: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None,
    feature: Annotated[
        list[str] | None, Query(max_length=20, description="NAME:LOW:HIGH, e.g. energy:0.7:")
    ] = None,
    limit: PageSize = 20,
    cursor: Cursor = None,
) -> Page[SearchHit]:
    """Every filter of `searxng-cool-db search`: types, genre, years, duration, audio features.
    Best first; follow `next` for more."""
    filters = SearchFilters(
        types=tuple(type) if type else RESULT_TYPES,
        genre=genre,
        years=_range(year_from, year_to),
        duration_ms=_range(min_duration_ms, max_duration_ms),
        features=_features(feature or []),
    )
    page = search_catalog(connection, query=q, filters=filters, limit=limit, cursor=cursor)
    items = [SearchHit(**r.__dict__) for r in page.results]
    return Page[SearchHit](items=items, next=next_link(request, page.next_cursor))


@router.get(
    "/tracks/{track_id}",
    response_model=TrackDetailOut,
    summary="A track with its sources, credits and play counters",
    responses={304: {"description": "not modified (If-None-Match)"}},
)
def get_track(
    request: Request, track_id: EntityId, connection: DbConnection, user: CurrentUser
) -> Response:
    found = entities.get_track(connection, track_id=track_id)
    body = TrackDetailOut(
        **found.track.__dict__,
        track_number=found.track_number,
        isrc=found.isrc,
        audio_features=found.audio_features,
        sources=[SourceOut(**s.__dict__) for s in found.sources],
        credits=[CreditOut(**c.__dict__) for c in found.credits],
        popularity_counters=PlaysOut(**found.plays.__dict__),
    )
    return cached(request, body)


@router.get(
    "/artists/{artist_id}",
    response_model=ArtistOut,
    summary="An artist with albums and top tracks",
    responses={304: {"description": "not modified (If-None-Match)"}},
)
def get_artist(
    request: Request, artist_id: EntityId, connection: DbConnection, user: CurrentUser
) -> Response:
    found = entities.get_artist(connection, artist_id=artist_id)
    body = ArtistOut(
        id=found.id,
        name=found.name,
        musicbrainz_id=found.musicbrainz_id,
        country=found.country,
        genres=found.genres,
        popularity=found.popularity,
        albums=[AlbumRefOut(**a.__dict__) for a in found.albums],
        top_tracks=[track_out(t) for t in found.top_tracks],
    )
    return cached(request, body)


@router.get(
    "/albums/{album_id}",
    response_model=AlbumOut,
    summary="An album with its tracks",
    responses={304: {"description": "not modified (If-None-Match)"}},
)
def get_album(
    request: Request, album_id: EntityId, connection: DbConnection, user: CurrentUser
) -> Response:
    found = entities.get_album(connection, album_id=album_id)
    body = AlbumOut(
        id=found.id,
        title=found.title,
        artist_id=found.artist_id,
        artist=found.artist,
        release_date=found.release_date,
        album_type=found.album_type,
        genres=found.genres,
        tracks=[track_out(t) for t in found.tracks],
    )
    return cached(request, body)


@router.get(
    "/tracks/{track_id}/similar",
    response_model=list[SimilarTrack],
    summary="The nearest tracks by audio features (KNN)",
)
def similar(
    track_id: EntityId,
    connection: DbConnection,
    user: CurrentUser,
    limit: PageSize = 20,
) -> list[SimilarTrack]:
    found = entities.similar_tracks(connection, track_id=track_id, limit=limit)
    return [SimilarTrack(**ref.__dict__, distance=distance) for ref, distance in found]


@router.get("/charts/tracks", response_model=list[ChartEntry], summary="The most played tracks")
def chart(
    connection: DbConnection,
    user: CurrentUser,
    period: Annotated[
        Literal["week", "month", "year", "all_time", "this_week", "this_month", "this_year"],
        Query(),
    ] = "week",
    limit: PageSize = 50,
) -> list[ChartEntry]:
    """Plays by everyone in the period (`week` = the last 7 days), most first."""
    counted = chart_tracks(connection, stats_range=period, limit=limit)
    refs = entities.track_refs(connection, track_ids=[track for track, _ in counted])
    return [
        ChartEntry(**refs[track].__dict__, plays=plays) for track, plays in counted if track in refs
    ]
