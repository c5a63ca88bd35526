"""Discovery: sessions and recommendations.

A session is started for a listener with a type and parameters, hands out batches of
tracks chosen from the listener's profile (`next_batch`), learns from each action on them
(`record_action`: the action is recorded as an interaction through the listening service,
then the profile is updated), and is ended with optional feedback. Every function takes a
`Connection` first; the discovery session is always `session_id`.
"""

from searxng_cool.discovery.sessions import (
    PresentedTrack,
    SessionTrack,
    end_session,
    next_batch,
    presented_tracks,
    record_action,
    start_session,
)

__all__ = [
    "PresentedTrack",
    "SessionTrack",
    "end_session",
    "next_batch",
    "presented_tracks",
    "record_action",
    "start_session",
]
