"""Catalog search: one query over the weighted documents of `search_entries`.

Ranking, best first:
  4    the entity's whole name equals the query ("metallica" -> the artist Metallica)
  3    every query word matches a whole word; or a near name much more popular than every
       literal match ("the killer" -> The Killers), see `search_typos`
  2    the last word matches as a prefix (type-ahead: "dua li" -> Dua Lipa)
  1.5  a whole name the corrected words spell ("metalica" -> Metallica)
  1    typo tier: each word OR its corrections (`search_typos`), the last also as a prefix;
       a rescue with every word's corrections when the words as typed find nothing
then, within a tier (each adds less than 1), ts_rank (title A > artist B > album and
aliases C), popularity, and a small preference for artists, then albums, over tracks.

Each tier contributes a bounded pool of candidates, and the prefix tier runs only when
the tiers above found fewer than FEW_RESULTS (the typo tier always when a word other than a
last word being typed was corrected, else under the same condition): ranking 200k matches of a common
word costs ~70 ms, ranking a pool of a few hundred costs well under one. The price is that
pagination reaches at most the pooled candidates (a few hundred per tier), which is far
beyond what anyone pages through.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from sqlalchemy import Connection, text

from searxng_cool.catalog import search_cursor, search_typos
from searxng_cool.catalog.search_filters import ENTITY_JOINS, SearchFilters, conditions
from searxng_cool.errors import InvalidInput

# Longer input is cut: no real name is longer, and it bounds the work a query can cause.
MAX_QUERY_CHARS = 200
MAX_PAGE_SIZE = 100
# Candidates per tier, and the count below which the next, looser tier is tried.
POOL_SIZE = 100
FEW_RESULTS = 20
# How much more popular (0-100) than every literal match a near name of a correctly spelled
# query must be to join them ("the killer" -> The Killers).
MORE_POPULAR_BY = 10

# Each tier's matches are a MATERIALIZED CTE read through a LIMIT. A CTE is planned for
# fetching every row, so the planner picks the GIN index for a rare word instead of a
# sequential scan that "should" meet :pool matches soon (it would read the whole table);
# and a CTE is read lazily, so only the first :pool matches are fetched. `gate` skips a
# looser tier entirely when better tiers found enough.
_STAGE = """
{name}_matches AS MATERIALIZED (
    SELECT e.kind, e.entity_id, e.name_norm, e.document, e.popularity
      FROM search_entries e {joins}
     WHERE {match}{filters}),
{name} AS (SELECT * FROM {name}_matches WHERE {gate} LIMIT :pool)"""

# Stages carry the columns ranking needs, so candidates are never joined back to the
# whole table; entity rows are joined for display only to the one page shown.
_SEARCH = """
WITH terms AS MATERIALIZED (
    -- The query's words as PostgreSQL splits them, computed once per search.
    SELECT search_name_norm(:q) AS name_norm, words,
           search_tsquery(words, false) AS exact, search_tsquery(words, true) AS prefix
      FROM search_words_of(:q) AS words
),
exact_name AS (
    -- Equality on the btree, read backwards: the most popular first, and no more.
    SELECT e.kind, e.entity_id, e.name_norm, e.document, e.popularity
      FROM search_entries e {joins_if_filtered}
     WHERE e.name_norm = (SELECT name_norm FROM terms)
       AND (SELECT name_norm FROM terms) <> ''{filters}
     ORDER BY e.popularity DESC LIMIT :pool),{full_words},{prefixed},
literal AS (SELECT * FROM exact_name UNION ALL SELECT * FROM full_words
            UNION ALL SELECT * FROM prefixed),
-- The query's words or their corrections (`search_typos`); NULL when nothing was corrected.
fuzzy_query AS (SELECT CAST(:fuzzy AS tsquery) AS query),{fuzzy},
-- Every word with its corrections, for when the words as typed found nothing at all.
rescue_query AS (SELECT CAST(:rescue AS tsquery) AS query),{rescue},
-- Whole names the corrected words spell, most popular first. When every word is known
-- ("the killer"), only a name more popular than every literal match by :margin comes in.
corrected_name AS (
    SELECT e.kind, e.entity_id, e.name_norm, e.document, e.popularity
      FROM search_entries e {joins_if_filtered}
     WHERE e.name_norm = ANY(CAST(:names AS text[])){filters}
     ORDER BY e.popularity DESC LIMIT :pool),
candidates AS (
    SELECT DISTINCT ON (kind, entity_id) * FROM (
        SELECT * FROM literal UNION ALL SELECT * FROM fuzzy UNION ALL SELECT * FROM rescue
        UNION ALL SELECT * FROM corrected_name
         WHERE :typo OR popularity >= :margin
                         + (SELECT coalesce(max(popularity), -:margin) FROM literal)) AS pooled
     ORDER BY kind, entity_id
),
scored AS (
    SELECT c.kind, c.entity_id,
           (CASE WHEN c.name_norm = (SELECT name_norm FROM terms) THEN 4
                 WHEN c.document @@ (SELECT exact FROM terms) THEN 3
                 WHEN c.name_norm = ANY(CAST(:names AS text[])) THEN CASE WHEN :typo THEN 1.5 ELSE 3 END
                 WHEN c.document @@ (SELECT prefix FROM terms) THEN 2
                 ELSE 1 END
            + 0.45 * least(CASE WHEN c.document @@ (SELECT prefix FROM terms)
                               THEN ts_rank(c.document, (SELECT prefix FROM terms))
                               WHEN c.name_norm = ANY(CAST(:names AS text[])) THEN 1
                               ELSE coalesce(ts_rank(c.document, (SELECT query FROM fuzzy_query)),
                                             ts_rank(c.document, (SELECT query FROM rescue_query)),
                                             0)
                           END, 1)
            + 0.4 * c.popularity / 100
            -- An artist, then an album, before a track of the same name and popularity.
            + CASE c.kind WHEN 'artist' THEN 0.1 WHEN 'album' THEN 0.05 ELSE 0 END)::float8
           AS score
      FROM candidates c
),
page AS (
    SELECT * FROM scored WHERE {after}
     ORDER BY score DESC, kind DESC, entity_id DESC
     LIMIT :page_plus_one
)
SELECT e.kind, e.entity_id, e.score,
       CASE e.kind WHEN 'track' THEN t.title WHEN 'album' THEN al.title ELSE ar.name END
           AS name,
       ar.name AS artist, al.title AS album
  FROM page e {joins}
 ORDER BY e.score DESC, e.kind DESC, e.entity_id DESC
"""


@dataclass(frozen=True)
class SearchResult:
    type: str
    id: int
    name: str
    artist: str | None
    album: str | None
    score: float

    def as_json(self) -> dict[str, object]:
        """The `--json` shape: tracks and albums have a `title`, artists a `name`."""
        shown = asdict(self)
        label = shown.pop("name")
        shown["name" if self.type == "artist" else "title"] = label
        shown["score"] = round(self.score, 4)
        return shown


@dataclass(frozen=True)
class SearchPage:
    results: list[SearchResult]
    next_cursor: str | None

    def grouped(self) -> dict[str, list[SearchResult]]:
        """Results by type, artists first, each group in rank order."""
        groups: dict[str, list[SearchResult]] = {"artist": [], "album": [], "track": []}
        for result in self.results:
            groups[result.type].append(result)
        return {kind: found for kind, found in groups.items() if found}


def clean_query(query: str) -> str:
    """What is sent to the database: cut to MAX_QUERY_CHARS, without NUL characters or
    unpaired surrogates (which PostgreSQL and UTF-8 cannot carry)."""
    cut = query[:MAX_QUERY_CHARS].replace("\x00", " ")
    return cut.encode("utf-8", "replace").decode("utf-8").strip()


def search(
    connection: Connection,
    *,
    query: str,
    filters: SearchFilters | None = None,
    limit: int = 20,
    cursor: str | None = None,
) -> SearchPage:
    """One page of results for `query`, best first; `cursor` continues a previous page."""
    filters = filters or SearchFilters()
    filters.validate()
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page size {limit} is out of range 1..{MAX_PAGE_SIZE}")
    cleaned = clean_query(query)
    made_for = search_cursor.fingerprint(cleaned, filters)
    after = search_cursor.decode(cursor, search_fingerprint=made_for) if cursor else None
    words = connection.execute(text("SELECT search_words_of(:q)"), {"q": cleaned}).scalar_one()
    corrections = search_typos.correct(connection, words=list(words))
    sql, params = statement(
        query=cleaned, filters=filters, after=after, limit=limit, corrections=corrections
    )
    # The tier CTEs are costed for reading every match, so a filtered search's estimate
    # passes jit_above_cost and compiling would take ~1 s to save microseconds.
    connection.execute(text("SET LOCAL jit = off"))
    rows = connection.execute(text(sql), params).all()
    results = [
        SearchResult(
            type=r.kind,
            id=r.entity_id,
            name=r.name or "",
            artist=r.artist,
            album=r.album,
            score=float(r.score),
        )
        for r in rows[:limit]
    ]
    next_cursor = None
    if len(rows) > limit:
        last = results[-1]
        key = search_cursor.SortKey(score=last.score, kind=last.type, entity_id=last.id)
        next_cursor = search_cursor.encode(key, search_fingerprint=made_for)
    return SearchPage(results=results, next_cursor=next_cursor)


def statement(
    *,
    query: str,
    filters: SearchFilters,
    after: search_cursor.SortKey | None = None,
    limit: int = 20,
    corrections: search_typos.Corrections | None = None,
) -> tuple[str, dict[str, object]]:
    """The search's SQL and its parameters, for a cleaned query (and its words' corrections
    from `search_typos.correct`; none: no typo tier)."""
    where, params = conditions(filters)
    params.update(q=query, pool=POOL_SIZE, few=FEW_RESULTS, page_plus_one=limit + 1)
    params.update(
        fuzzy=corrections.tsquery() if corrections else None,
        rescue=corrections.tsquery(every_word=True) if corrections else None,
        names=corrections.names() if corrections else [],
        typo=bool(corrections and corrections.needs_typo_tier),
        typo_always=bool(corrections and corrections.typo_tier_always),
        margin=MORE_POPULAR_BY,
    )
    joins = ENTITY_JOINS if filters.needs_entities else ""
    extra = "".join(f"\n       AND {condition}" for condition in where)

    def stage(name: str, match: str, *, gate: str = "true") -> str:
        return _STAGE.format(name=name, joins=joins, match=match, filters=extra, gate=gate)

    sql = _SEARCH.format(
        joins_if_filtered=joins,
        filters=extra,
        full_words=stage("full_words", "e.document @@ (SELECT exact FROM terms)"),
        prefixed=stage(
            "prefixed",
            "e.document @@ (SELECT prefix FROM terms)",
            gate="(SELECT count(*) FROM full_words) < :few",
        ),
        fuzzy=stage(
            "fuzzy",
            "e.document @@ (SELECT query FROM fuzzy_query)",
            gate="(SELECT query FROM fuzzy_query) IS NOT NULL AND (:typo_always OR"
            " (SELECT count(*) FROM full_words) + (SELECT count(*) FROM prefixed) < :few)",
        ),
        rescue=stage(
            "rescue",
            "e.document @@ (SELECT query FROM rescue_query)",
            gate="(SELECT query FROM rescue_query) IS NOT NULL AND NOT EXISTS"
            " (SELECT 1 FROM literal) AND NOT EXISTS (SELECT 1 FROM fuzzy)",
        ),
        joins=ENTITY_JOINS,
        after="(score, kind, entity_id) < (:after_score, :after_kind, :after_id)"
        if after
        else "true",
    )
    if after:
        params.update(after_score=after.score, after_kind=after.kind, after_id=after.entity_id)
    return sql, params


def group_order(results: Sequence[SearchResult]) -> list[SearchResult]:
    """Results reordered by type (artists, albums, tracks), rank order kept within a type."""
    rank = {"artist": 0, "album": 1, "track": 2}
    return sorted(results, key=lambda result: rank[result.type])
