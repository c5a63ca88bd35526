"""Listening: the interaction log, popularity, user music profiles.

What an application calls (each takes a `Connection` first):
- `record_interaction(connection, user_id=..., track_id=..., interaction_type="play", ...)`:
  one event, checked (user and track exist, a play no longer than the track) and counted.
- `record_batch` / `record_file`: many events at once, refusals reported per line.
- `track_counters`, `refresh_view`, `compute_popularity`: popularity.
- `load_profile`, `set_discovery_settings`, `rebuild_profiles`: a listener's music profile.
"""

from searxng_cool.listening.events import InteractionEvent
from searxng_cool.listening.popularity import (
    TrackCounters,
    compute_popularity,
    refresh_view,
    track_counters,
)
from searxng_cool.listening.profiles import (
    Profile,
    load_profile,
    rebuild_profiles,
    set_discovery_settings,
)
from searxng_cool.listening.recording import (
    BatchReport,
    record_batch,
    record_file,
    record_interaction,
)

__all__ = [
    "BatchReport",
    "InteractionEvent",
    "Profile",
    "TrackCounters",
    "compute_popularity",
    "load_profile",
    "rebuild_profiles",
    "record_batch",
    "record_file",
    "record_interaction",
    "refresh_view",
    "set_discovery_settings",
    "track_counters",
]
