"""Playlists: ordered editing, collaboration, smart (rule) playlists.

`manage` (create, rename, settings, delete), `editing` (add, remove, move,
reorder, dedupe), `collaboration` (grants), `reading` (what a viewer sees), `activity`
(version counter and log), `access` (the row lock and permission checks every edit starts
with), `rules` (the rule language) and `rule_sql` (its SQL), `smart` (set rules, refresh).

Every function takes a `Connection` first and the rest by keyword. Edits take the acting
user (`actor_id`) and, optionally, the version the caller last saw (`expected_version`):
a stale version is a Conflict, so two editors never overwrite each other unknowingly.
"""

from searxng_cool.playlists.activity import ActivityEntry, list_activity
from searxng_cool.playlists.collaboration import (
    Collaborator,
    add_collaborator,
    list_collaborators,
    remove_collaborator,
)
from searxng_cool.playlists.editing import (
    EditResult,
    add_tracks,
    dedupe_tracks,
    move_track,
    remove_tracks,
    reorder_tracks,
)
from searxng_cool.playlists.manage import (
    change_settings,
    create_playlist,
    delete_playlist,
    rename_playlist,
)
from searxng_cool.playlists.reading import (
    PlaylistEntry,
    PlaylistSummary,
    get_playlist,
    list_playlists,
    list_tracks,
)
from searxng_cool.playlists.smart import (
    RefreshResult,
    preview_rules,
    refresh_all_smart_playlists,
    refresh_smart_playlist,
    set_rules,
)

__all__ = [
    "ActivityEntry",
    "Collaborator",
    "EditResult",
    "PlaylistEntry",
    "PlaylistSummary",
    "RefreshResult",
    "add_collaborator",
    "add_tracks",
    "change_settings",
    "create_playlist",
    "dedupe_tracks",
    "delete_playlist",
    "get_playlist",
    "list_activity",
    "list_collaborators",
    "list_playlists",
    "list_tracks",
    "move_track",
    "preview_rules",
    "refresh_all_smart_playlists",
    "refresh_smart_playlist",
    "remove_collaborator",
    "remove_tracks",
    "rename_playlist",
    "reorder_tracks",
    "set_rules",
]
