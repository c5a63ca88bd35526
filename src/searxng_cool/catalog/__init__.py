"""The canonical catalog: ingest with entity resolution across sources, search, entities.

What an application calls (each takes a `Connection` first; `ingest_file` an `Engine`,
since it commits per batch):
- `search(connection, query=..., filters=SearchFilters(...), limit=..., cursor=...)`:
  one page of tracks, artists and albums, best first, with a cursor for the next page.
- `get_track`, `get_artist`, `get_album`: one entity by id with its sources;
  `similar_tracks`: a track's nearest neighbours by audio features.
- `ingest_file(engine, path=..., mapping=load_mapping(...), rejects=...)`: load a file.
"""

from searxng_cool.catalog.entities import (
    AlbumDetail,
    ArtistDetail,
    TrackDetail,
    get_album,
    get_artist,
    get_track,
    similar_tracks,
)
from searxng_cool.catalog.ingest import IngestSummary, ingest_file
from searxng_cool.catalog.reader import load_mapping, shipped_formats
from searxng_cool.catalog.search import SearchPage, SearchResult, search
from searxng_cool.catalog.search_filters import SearchFilters

__all__ = [
    "AlbumDetail",
    "ArtistDetail",
    "IngestSummary",
    "SearchFilters",
    "SearchPage",
    "SearchResult",
    "TrackDetail",
    "get_album",
    "get_artist",
    "get_track",
    "ingest_file",
    "load_mapping",
    "search",
    "shipped_formats",
    "similar_tracks",
]
