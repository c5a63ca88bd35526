"""Compile validated smart-playlist rules into one parameterised SQLAlchemy Core query.

Every value from a rule is a bind parameter; the only names that reach the SQL text are
columns and audio-feature keys from the fixed tables in `rules.py`. Joins are added only
for the fields a rule uses. "playcount", "liked" and "lastplayed" are the playlist owner's,
aggregated from `user_interactions` by its plain columns (user_id, track_id,
interaction_type, created_at), so the query works on the plain and the partitioned table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import (
    Float,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    literal_column,
    not_,
    null,
    or_,
    select,
    true,
)
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from searxng_cool.db.models import Album, Artist, Playlist, PlaylistTrack, Track, UserInteraction
from searxng_cool.db.models.catalog import AUDIO_FEATURES
from searxng_cool.playlists.rules import FIELDS, Condition, Group, SmartRules

tracks = Track.__table__.alias("t")
artists = Artist.__table__.alias("ar")
albums = Album.__table__.alias("al")
interactions = UserInteraction.__table__.alias("ui")
entries = PlaylistTrack.__table__.alias("pt")
playlists = Playlist.__table__.alias("p")

genre_artists = Artist.__table__.alias("genre_ar")
genre_albums = Album.__table__.alias("genre_al")

ARTIST_FIELDS = frozenset({"artist", "genre"})
ALBUM_FIELDS = frozenset({"album", "genre", "year"})
OWNER_FIELDS = frozenset({"playcount", "liked", "lastplayed"})


@dataclass
class _Query:
    """What one compilation needs: the owner, and the owner's per-track history if used."""

    owner_id: int
    owner_stats: FromClause | None = None
    columns: dict[str, ColumnElement[Any]] = field(default_factory=dict)


def compile_rules(rules: SmartRules, *, owner_id: int) -> Select[tuple[int, Any]]:
    """`SELECT t.id, sort_key ... ORDER BY sort_key, t.id LIMIT n`: the tracks the rules
    pick, in their order. `sort_key` is the sort field's value (NULL without a sort), so a
    caller can number the rows in the same order (`numbered`)."""
    used = _joined_fields(rules)
    query = _Query(owner_id)
    source: FromClause = tracks
    if used & ARTIST_FIELDS:
        source = source.outerjoin(artists, artists.c.id == tracks.c.artist_id)
    if used & ALBUM_FIELDS:
        source = source.outerjoin(albums, albums.c.id == tracks.c.album_id)
    if used & OWNER_FIELDS:
        query.owner_stats = _owner_stats(owner_id)
        # When the rule can only match tracks the owner played or liked, start from the
        # owner's (small) history instead of scanning every track.
        source = source.join(
            query.owner_stats,
            query.owner_stats.c.track_id == tracks.c.id,
            isouter=not _needs_owner_history(rules.root),
        )
    sort_key = _sort_key(query, rules)
    # ORDER BY + LIMIT directly on the expressions (no window function in between), so an
    # index in that order (idx_tracks_popularity) lets the scan stop after `limit` matches.
    statement = (
        select(tracks.c.id, sort_key.label("sort_key"))
        .select_from(source)
        .where(_group(query, rules.root))
    )
    return statement.order_by(*_ordering(sort_key, rules)).limit(rules.limit)


def numbered(rules: SmartRules, picked: Select[tuple[int, Any]]) -> Select[tuple[int, int]]:
    """`(track_id, position)` for the rows of `picked`, positions 0.. in the rules' order."""
    inner = picked.subquery("picked")
    order = _ordering(inner.c.sort_key, rules, tie_break=inner.c.id)
    position = (func.row_number().over(order_by=order) - 1).label("position")
    return select(inner.c.id.label("track_id"), position)


def _joined_fields(rules: SmartRules) -> set[str]:
    """The fields whose tables must be joined: all used ones, except a genre that is only
    tested with is/isNot (answered by id sets, see `_genre`)."""
    used = rules.fields()
    if "genre" in used and not any(
        condition.field == "genre" and condition.operator not in ("is", "isNot")
        for condition in _conditions(rules.root)
    ):
        used.discard("genre")
    return used


def _conditions(group: Group) -> list[Condition]:
    found: list[Condition] = []
    for child in group.children:
        found.extend(_conditions(child) if isinstance(child, Group) else [child])
    return found


def _owner_stats(owner_id: int) -> FromClause:
    ui = interactions
    played = ui.c.interaction_type == "play"
    liked_at = func.max(ui.c.created_at).filter(ui.c.interaction_type == "like")
    unliked_at = func.max(ui.c.created_at).filter(ui.c.interaction_type == "unlike")
    return (
        select(
            ui.c.track_id,
            func.count().filter(played).label("plays"),
            func.max(ui.c.created_at).filter(played).label("last_played"),
            # Liked = the latest of like/unlike is a like.
            (
                liked_at > func.coalesce(unliked_at, literal_column("'-infinity'::timestamptz"))
            ).label("liked"),
        )
        .where(ui.c.user_id == owner_id, ui.c.interaction_type.in_(("play", "like", "unlike")))
        .group_by(ui.c.track_id)
        .subquery("owner_stats")
    )


def _needs_owner_history(root: Group) -> bool:
    if root.kind != "all":
        return False
    for child in root.children:
        if not isinstance(child, Condition):
            continue
        if child.field == "liked" and child.operator == "is" and child.value is True:
            return True
        if child.field == "playcount" and (
            (child.operator == "gt" and child.value >= 0)
            or (child.operator in ("is", "inTheRange") and _low(child.value) >= 1)
        ):
            return True
        if child.field == "lastplayed" and child.operator in (
            "is",
            "gt",
            "lt",
            "inTheRange",
            "inTheLast",
            "isPresent",
        ):
            return True
    return False


def _low(value: object) -> float:
    low = value[0] if isinstance(value, tuple) else value
    return float(low) if isinstance(low, int | float) else 0.0


def _column(query: _Query, name: str) -> ColumnElement[Any]:
    if name not in query.columns:
        query.columns[name] = _build_column(query, name)
    return query.columns[name]


def _build_column(query: _Query, name: str) -> ColumnElement[Any]:
    if name in AUDIO_FEATURES:
        feature = tracks.c.audio_features.op("->")(literal_column(f"'{name}'"))
        # A non-numeric value counts as missing rather than failing the whole query.
        return case(
            (func.jsonb_typeof(feature) == "number", feature.op("#>>")(literal_column("'{}'"))),
            else_=null(),
        ).cast(Float)
    if name in OWNER_FIELDS:
        return _owner_column(query, name)
    simple: dict[str, ColumnElement[Any]] = {
        "title": tracks.c.title,
        "artist": artists.c.name,
        "album": albums.c.title,
        "year": func.extract("year", albums.c.release_date),
        # Seconds in the rules, milliseconds in the table.
        "duration": tracks.c.duration_ms / literal(1000.0, Float),
        "popularity": tracks.c.popularity,
    }
    return simple[name]


def _owner_column(query: _Query, name: str) -> ColumnElement[Any]:
    stats = query.owner_stats
    assert stats is not None  # compile_rules joins it whenever an owner field is used
    if name == "playcount":
        return func.coalesce(stats.c.plays, 0)
    if name == "liked":
        return func.coalesce(stats.c.liked, false())
    return stats.c.last_played


def _group(query: _Query, group: Group) -> ColumnElement[bool]:
    parts = [
        _group(query, child) if isinstance(child, Group) else _condition(query, child)
        for child in group.children
    ]
    return and_(*parts) if group.kind == "all" else or_(*parts)


def _condition(query: _Query, condition: Condition) -> ColumnElement[bool]:
    if condition.field == "playlist":
        return _in_playlist(query, condition)
    if condition.field == "genre":
        return _genre(condition)
    if condition.field == "lastplayed":
        return _date(_column(query, "lastplayed"), condition)
    column = _column(query, condition.field)
    if FIELDS[condition.field] != "text":
        return _compare(column, condition)
    if condition.operator in ("isMissing", "isPresent"):
        blank = _blank_text(column)
        return blank if condition.operator == "isMissing" else not_(blank)
    return _text(column, condition)


def _never_null(expression: ColumnElement[bool]) -> ColumnElement[bool]:
    """NULL (an unknown value) counts as "does not match", also under NOT. Only negations
    need it: the language has no negated groups, and in a WHERE of ANDs and ORs a NULL
    already rejects the row, so positive conditions stay bare for the planner's estimates
    and indexes."""
    return func.coalesce(expression, false())


def _compare(column: ColumnElement[Any], condition: Condition) -> ColumnElement[bool]:
    op, value = condition.operator, condition.value
    if op == "isMissing":
        return column.is_(None)
    if op == "isPresent":
        return column.is_not(None)
    if op == "inTheRange":
        return column.between(value[0], value[1])
    matches = {
        "is": lambda: column == value,
        "isNot": lambda: column != value,
        "gt": lambda: column > value,
        "lt": lambda: column < value,
    }[op]()
    return matches if op != "isNot" else func.coalesce(matches, true())


def _text(column: ColumnElement[Any], condition: Condition) -> ColumnElement[bool]:
    op, value = condition.operator, condition.value
    if op == "is":
        return func.lower(column) == func.lower(value)
    if op == "isNot":
        return func.coalesce(func.lower(column) != func.lower(value), true())
    if op == "contains":
        return column.icontains(value, autoescape=True)
    if op == "notContains":
        return not_(_never_null(column.icontains(value, autoescape=True)))
    if op == "startsWith":
        return column.istartswith(value, autoescape=True)
    return column.iendswith(value, autoescape=True)


def _blank_text(column: ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(column.is_(None), func.btrim(column) == "")


def _genre(condition: Condition) -> ColumnElement[bool]:
    op, value = condition.operator, condition.value
    listed = func.coalesce(artists.c.genres, literal_column("'[]'::jsonb")).op("||")(
        func.coalesce(albums.c.genres, literal_column("'[]'::jsonb"))
    )
    if op in ("isMissing", "isPresent"):
        empty = func.jsonb_array_length(listed) == 0
        return empty if op == "isMissing" else not_(empty)
    if op in ("is", "isNot"):
        # The artists and albums carrying the tag, found through their GIN indexes (@>),
        # become two hashed id sets: no per-track lookup of its artist and album rows.
        tagged_artists = select(genre_artists.c.id).where(genre_artists.c.genres.contains([value]))
        tagged_albums = select(genre_albums.c.id).where(genre_albums.c.genres.contains([value]))
        tagged = or_(tracks.c.artist_id.in_(tagged_artists), tracks.c.album_id.in_(tagged_albums))
        return tagged if op == "is" else not_(_never_null(tagged))
    genre = func.jsonb_array_elements_text(listed).column_valued("genre")
    if op == "startsWith":
        match = genre.istartswith(value, autoescape=True)
    elif op == "endsWith":
        match = genre.iendswith(value, autoescape=True)
    else:
        match = genre.icontains(value, autoescape=True)
    found = exists(select(literal(1)).where(match))
    return not_(found) if op == "notContains" else found


def _date(column: ColumnElement[Any], condition: Condition) -> ColumnElement[bool]:
    op, value = condition.operator, condition.value
    if op in ("inTheLast", "notInTheLast"):
        recent = column >= func.now() - timedelta(days=value)
        return recent if op == "inTheLast" else not_(_never_null(recent))
    if op in ("isMissing", "isPresent"):
        return column.is_(None) if op == "isMissing" else column.is_not(None)
    day = func.date(func.timezone("UTC", column))  # days are UTC days
    return _compare(day, condition)


def _in_playlist(query: _Query, condition: Condition) -> ColumnElement[bool]:
    # Only playlists the owner may see: their own or public ones.
    member = exists(
        select(literal(1))
        .select_from(entries.join(playlists, playlists.c.id == entries.c.playlist_id))
        .where(
            entries.c.playlist_id == condition.value,
            entries.c.track_id == tracks.c.id,
            or_(playlists.c.is_public, playlists.c.owner_id == query.owner_id),
        )
    )
    return member if condition.operator == "inPlaylist" else not_(member)


def _sort_key(query: _Query, rules: SmartRules) -> ColumnElement[Any]:
    if rules.sort == "random":
        return func.random()
    if rules.sort is None:
        return null()
    return _column(query, rules.sort)


def _ordering(
    sort_key: ColumnElement[Any], rules: SmartRules, tie_break: ColumnElement[Any] | None = None
) -> list[ColumnElement[Any]]:
    """Sort key (missing values last), then track id: refreshing twice gives the same order."""
    last = tracks.c.id if tie_break is None else tie_break
    if rules.sort is None:
        return [last]
    key = sort_key.desc().nulls_last() if rules.descending else sort_key.asc().nulls_last()
    return [key, last]
