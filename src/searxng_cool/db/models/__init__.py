"""The one declared schema. Importing this package registers every table on `Base.metadata`."""

from searxng_cool.db.models.auth import ApiToken, LoginFailure
from searxng_cool.db.models.base import Base
from searxng_cool.db.models.cache import CatalogVersion
from searxng_cool.db.models.catalog import Album, Artist, Track
from searxng_cool.db.models.credits import TrackCredit
from searxng_cool.db.models.discovery import DiscoverySession, DiscoverySessionTrack
from searxng_cool.db.models.listening import PlayingNow, TrackPlayCounter
from searxng_cool.db.models.operations import MaintenanceEvent, SizeSample
from searxng_cool.db.models.playlists import (
    Playlist,
    PlaylistActivity,
    PlaylistCollaborator,
    PlaylistTrack,
)
from searxng_cool.db.models.search import SearchEntry, SearchWord, SearchWordVariant
from searxng_cool.db.models.sources import AlbumSource, ArtistSource, TrackSource
from searxng_cool.db.models.users import User, UserInteraction, UserMusicProfile

__all__ = [
    "Album",
    "AlbumSource",
    "ApiToken",
    "Artist",
    "ArtistSource",
    "Base",
    "CatalogVersion",
    "DiscoverySession",
    "DiscoverySessionTrack",
    "LoginFailure",
    "MaintenanceEvent",
    "PlayingNow",
    "Playlist",
    "PlaylistActivity",
    "PlaylistCollaborator",
    "PlaylistTrack",
    "SearchEntry",
    "SearchWord",
    "SearchWordVariant",
    "SizeSample",
    "Track",
    "TrackCredit",
    "TrackPlayCounter",
    "TrackSource",
    "User",
    "UserInteraction",
    "UserMusicProfile",
]
