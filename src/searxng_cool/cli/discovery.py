"""`profiles ...` and `discover ...`: music profiles and discovery sessions."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from searxng_cool import json_input
from searxng_cool.cli.common import console, handles_errors, transaction
from searxng_cool.cli.common import user_id as find_user
from searxng_cool.discovery import listing, sessions
from searxng_cool.errors import InvalidInput
from searxng_cool.listening import profiles

profiles_app = typer.Typer(help="User music profiles learned from listening.", no_args_is_help=True)
discover_app = typer.Typer(help="Discovery sessions: start, next, act, end.", no_args_is_help=True)


def _json_object(value: str, what: str) -> dict[str, Any]:
    parsed = json_input.loads(value, what=what)
    if not isinstance(parsed, dict):
        raise InvalidInput(
            f'{what} must be a JSON object like \'{{"mood": "calm"}}\', got {value!r}'
        )
    return parsed


@profiles_app.command("rebuild")
@handles_errors
def rebuild(
    chunk: Annotated[int, typer.Option(help="Users per set-based step.", min=1)] = 2000,
) -> None:
    """Recompute every user's profile from all their interactions.

    Example: db_cli.py profiles rebuild
    """
    with (
        transaction() as connection,
        Progress(
            *Progress.get_default_columns()[:1],
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as bar,
    ):
        task = bar.add_task("rebuilding profiles", total=None)
        done = profiles.rebuild_profiles(
            connection,
            chunk_size=chunk,
            on_progress=lambda finished, total: bar.update(task, completed=finished, total=total),
        )
    console.print(f"rebuilt {done} profile(s)")


@profiles_app.command("show")
@handles_errors
def show(user: Annotated[str, typer.Argument(help="The user (name or id).")]) -> None:
    """Show a user's learned (or cold-start) profile and discovery settings.

    Example: db_cli.py profiles show 42
    """
    with transaction() as connection:
        user_id = find_user(connection, user)
        profile = profiles.load_profile(connection, user_id=user_id)
    state = profile.state
    kind = "cold start (no history yet)" if profile.cold_start else f"as of {state.as_of}"
    console.print(f"user {user_id}: {kind}; settings {json.dumps(profile.settings)}")
    table = Table("feature", "centre", "spread")
    for name, feature in state.audio_document()["features"].items():
        table.add_row(name, f"{feature['centre']:.3f}", f"{feature['spread']:.3f}")
    console.print(table)
    genres = ", ".join(f"{g} {w:.2f}" for g, w in list(state.genre_weights().items())[:10])
    console.print(f"genres: {genres or 'none'}")


@profiles_app.command("settings")
@handles_errors
def change_settings(
    user: Annotated[str, typer.Argument(help="The user (name or id).")],
    changes: Annotated[str, typer.Argument(help="JSON object of settings to change.")],
) -> None:
    """Change a user's discovery settings (novelty, energy_range, excluded_genres).

    Example: db_cli.py profiles settings 42 '{"novelty": 0.8, "excluded_genres": ["edm"]}'
    """
    parsed = _json_object(changes, "settings")
    with transaction() as connection:
        merged = profiles.set_discovery_settings(
            connection, user_id=find_user(connection, user), changes=parsed
        )
    console.print(json.dumps(merged))


@discover_app.command("start")
@handles_errors
def start(
    user: Annotated[str, typer.Argument(help="The user (name or id).")],
    session_type: Annotated[str, typer.Argument(help="mood, genre, similarity or playlist.")],
    parameters: Annotated[str, typer.Argument(help="JSON object of parameters.")] = "{}",
) -> None:
    """Start a discovery session; prints its id.

    Example: db_cli.py discover start 42 mood '{"mood": "calm", "batch_size": 5}'
    """
    parsed = _json_object(parameters, "parameters")
    with transaction() as connection:
        session_id = sessions.start_session(
            connection,
            user_id=find_user(connection, user),
            session_type=session_type,
            parameters=parsed,
        )
    console.print(f"session {session_id}")


@discover_app.command("list")
@handles_errors
def list_(
    user: Annotated[
        str | None, typer.Option("--user", help="Only this user's sessions (name or id).")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List discovery sessions, newest first.

    Example: db_cli.py discover list --user ana
    """
    with transaction() as connection:
        user_id = None if user is None else find_user(connection, user)
        found = listing.list_sessions(connection, user_id=user_id, limit=limit)
    if as_json:
        typer.echo(json.dumps([asdict(s) for s in found], default=str, ensure_ascii=False))
        return
    table = Table("session", "user", "type", "started", "ended", "tracks", "feedback")
    for s in found:
        table.add_row(
            str(s.id), escape(s.username), s.session_type, f"{s.started_at:%Y-%m-%d %H:%M}",
            "" if s.ended_at is None else f"{s.ended_at:%Y-%m-%d %H:%M}", str(s.presented),
            "" if s.feedback_score is None else str(s.feedback_score),
        )  # fmt: skip
    console.print(table)


@discover_app.command("next")
@handles_errors
def next_tracks(
    session_id: Annotated[int, typer.Argument(help="The session.")],
    size: Annotated[int | None, typer.Option("-n", "--size", help="Tracks in this batch.")] = None,
) -> None:
    """Present the next batch of tracks, with score and reasons.

    Example: db_cli.py discover next 7 -n 5
    """
    with transaction() as connection:
        batch = sessions.next_batch(connection, session_id=session_id, size=size)
    table = Table("position", "track", "score", "reasons")
    for presented in batch:
        table.add_row(
            str(presented.position),
            str(presented.track_id),
            f"{presented.score:.3f}",
            "; ".join(presented.reasons),
        )
    console.print(table if batch else "no more tracks match this session")


@discover_app.command("act")
@handles_errors
def act(
    session_id: Annotated[int, typer.Argument(help="The session.")],
    track_id: Annotated[int, typer.Argument(help="A track presented in it.")],
    action: Annotated[str, typer.Argument(help="liked, disliked, skipped, saved, played, shared.")],
    played_ms: Annotated[
        int | None, typer.Option(help="How long it was played (with 'played').")
    ] = None,
) -> None:
    """Record what the user did with a presented track.

    Example: db_cli.py discover act 7 1234 liked
    """
    with transaction() as connection:
        sessions.record_action(
            connection,
            session_id=session_id,
            track_id=track_id,
            action=action,
            play_duration_ms=played_ms,
        )
    console.print(f"session {session_id}: track {track_id} {action}")


@discover_app.command("end")
@handles_errors
def end(
    session_id: Annotated[int, typer.Argument(help="The session.")],
    feedback: Annotated[int | None, typer.Option(help="The user's rating, 1 to 5.")] = None,
) -> None:
    """End a session with the user's feedback score.

    Example: db_cli.py discover end 7 --feedback 4
    """
    with transaction() as connection:
        sessions.end_session(connection, session_id=session_id, feedback_score=feedback)
    console.print(f"session {session_id} ended")


@discover_app.command("show")
@handles_errors
def show_session(session_id: Annotated[int, typer.Argument(help="The session.")]) -> None:
    """List what a session presented, with actions, scores and reasons.

    Example: db_cli.py discover show 7
    """
    with transaction() as connection:
        rows = sessions.presented_tracks(connection, session_id=session_id)
    table = Table("position", "track", "title", "action", "score", "reasons")
    for row in rows:
        table.add_row(
            str(row.position),
            str(row.track_id),
            row.title,
            row.user_action or "",
            f"{row.score or 0:.3f}",
            "; ".join(row.reasons),
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(profiles_app, name="profiles")
    app.add_typer(discover_app, name="discover")
