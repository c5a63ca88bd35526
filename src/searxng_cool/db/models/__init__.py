"""The one declared schema. Importing this package registers every table on `Base.metadata`."""

from searxng_cool.db.models.base import Base
from searxng_cool.db.models.catalog import Album, Artist, Track
from searxng_cool.db.models.discovery import DiscoverySession, DiscoverySessionTrack
from searxng_cool.db.models.playlists import Playlist, PlaylistTrack
from searxng_cool.db.models.search import SearchEntry, SearchWord
from searxng_cool.db.models.sources import AlbumSource, ArtistSource, TrackSource
from searxng_cool.db.models.users import User, UserInteraction, UserMusicProfile

__all__ = [
    "Album",
    "AlbumSource",
    "Artist",
    "ArtistSource",
    "Base",
    "DiscoverySession",
    "DiscoverySessionTrack",
    "Playlist",
    "PlaylistTrack",
    "SearchEntry",
    "SearchWord",
    "Track",
    "TrackSource",
    "User",
    "UserInteraction",
    "UserMusicProfile",
]
