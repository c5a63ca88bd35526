"""`playlists ...`: refresh smart playlists (the batch job) and small editing commands."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from searxng_cool import json_input
from searxng_cool.cli.common import console, errors, handles_errors, transaction, user_id
from searxng_cool.errors import InvalidInput
from searxng_cool.playlists import editing, manage, reading, smart
from searxng_cool.playlists.rules import parse_rules

app = typer.Typer(help="Playlists: smart-playlist refresh, ordered editing, inspection.")

AsUser = Annotated[str, typer.Option("--as", help="Name or id of the user making the edit.")]
PlaylistId = Annotated[int, typer.Argument(help="Playlist id.")]


def _read_rules(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read rules from {path}: {exc}") from exc
    return json_input.loads(text, what=f"rules file {path}")


@app.command("refresh-smart")
@handles_errors
def refresh_smart(
    playlist: Annotated[int | None, typer.Option("--playlist", help="Refresh this one.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Refresh every smart playlist.")] = False,
) -> None:
    """Rewrite smart playlists' tracks from their rules (one transaction).

    Example: db_cli.py playlists refresh-smart --all
    Example: db_cli.py playlists refresh-smart --playlist 42
    """
    if (playlist is None) == (not all_):
        raise InvalidInput("name one playlist with --playlist ID, or use --all")
    failures: list[smart.RefreshFailure] = []
    with transaction() as connection:
        if playlist is not None:
            results = [smart.refresh_smart_playlist(connection, playlist_id=playlist)]
        else:
            results, failures = smart.refresh_all_smart_playlists(connection)
    for result in results:
        console.print(
            f"playlist {result.playlist_id}: {result.track_count} tracks (version {result.version})"
        )
    for failure in failures:
        errors.print(f"[red]skipped:[/] {escape(failure.reason)}", highlight=False)
    console.print(f"refreshed {len(results)} smart playlist(s), skipped {len(failures)}")
    if failures:
        raise typer.Exit(1)


@app.command("check-rules")
@handles_errors
def check_rules(
    rules_file: Annotated[Path, typer.Argument(help="A JSON rule document.")],
) -> None:
    """Validate a smart-playlist rule file without touching the database.

    Example: db_cli.py playlists check-rules top-energy.json
    """
    parsed = parse_rules(_read_rules(rules_file))
    fields = ", ".join(sorted(parsed.fields())) or "none"
    console.print(f"valid: fields {fields}; at most {parsed.limit} tracks")


@app.command()
@handles_errors
def create(
    name: Annotated[str, typer.Argument(help="Playlist name.")],
    owner: Annotated[str, typer.Option("--owner", help="Owner's user name or id.")],
    public: Annotated[bool, typer.Option("--public", help="Visible to everyone.")] = False,
    collaborative: Annotated[
        bool, typer.Option("--collaborative", help="Editors the owner invites may change it.")
    ] = False,
    rules_file: Annotated[
        Path | None, typer.Option("--rules", help="JSON rules: makes it a smart playlist.")
    ] = None,
) -> None:
    """Create a playlist (a smart one with --rules; fill it with refresh-smart).

    Example: db_cli.py playlists create "Late night" --owner 1 --rules late-night.json
    """
    rules = None if rules_file is None else _read_rules(rules_file)
    with transaction() as connection:
        playlist_id = manage.create_playlist(
            connection,
            owner_id=user_id(connection, owner),
            name=name,
            is_public=public,
            is_collaborative=collaborative,
            dynamic_rules=rules,
        )
    console.print(f"created playlist {playlist_id}")


@app.command("list")
@handles_errors
def list_(
    owner: Annotated[
        str | None, typer.Option("--owner", help="Only this user's playlists (name or id).")
    ] = None,
    viewer: Annotated[
        str | None, typer.Option("--as", help="Viewer's user name or id (default: anonymous).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the playlists a viewer may see (default: anonymous, so public ones), newest first.

    Example: db_cli.py playlists list --owner ana --as ana
    """
    with transaction() as connection:
        viewer_id = None if viewer is None else user_id(connection, viewer)
        owner_id = None if owner is None else user_id(connection, owner)
        found = reading.list_playlists(connection, viewer_id=viewer_id, owner_id=owner_id)
    if as_json:
        typer.echo(json.dumps([asdict(p) for p in found], default=str, ensure_ascii=False))
        return
    table = Table("id", "name", "owner", "kind", "tracks", "public", "version")
    for p in found:
        table.add_row(
            str(p.id), escape(p.name), escape(p.owner), "smart" if p.is_smart else "plain",
            str(p.track_count), "yes" if p.is_public else "", str(p.version),
        )  # fmt: skip
    console.print(table)


@app.command()
@handles_errors
def show(
    playlist_id: PlaylistId,
    viewer: Annotated[str | None, typer.Option("--as", help="Viewer's user name or id.")] = None,
    limit: Annotated[int, typer.Option(help="How many tracks to list.")] = 50,
) -> None:
    """Show a playlist and its first tracks, as a viewer sees it (default: anonymous).

    Example: db_cli.py playlists show 42 --as 1
    """
    with transaction() as connection:
        viewer_id = None if viewer is None else user_id(connection, viewer)
        summary = reading.get_playlist(connection, playlist_id=playlist_id, viewer_id=viewer_id)
        entries = reading.list_tracks(
            connection, playlist_id=playlist_id, viewer_id=viewer_id, limit=limit
        )
    kind = "smart" if summary.is_smart else "plain"
    console.print(
        f"[bold]{escape(summary.name)}[/] ({kind}, owner {escape(summary.owner)}, "
        f"version {summary.version}): "
        f"{summary.track_count} tracks, {summary.total_duration_ms // 1000} s",
        markup=True,
        highlight=False,
    )
    table = Table("pos", "track", "title", "artist", "duration s")
    for entry in entries:
        seconds = "" if entry.duration_ms is None else str(entry.duration_ms // 1000)
        table.add_row(
            str(entry.position),
            str(entry.track_id),
            escape(entry.title),
            escape(entry.artist or ""),
            seconds,
        )
    console.print(table)


@app.command()
@handles_errors
def add(
    playlist_id: PlaylistId,
    track_ids: Annotated[list[int], typer.Argument(help="Track ids, in order.")],
    actor: AsUser,
    at: Annotated[int | None, typer.Option("--at", help="Insert at this position.")] = None,
) -> None:
    """Add tracks at the end, or at a position.

    Example: db_cli.py playlists add 42 101 102 --as 1 --at 0
    """
    with transaction() as connection:
        result = editing.add_tracks(
            connection,
            playlist_id=playlist_id,
            actor_id=user_id(connection, actor),
            track_ids=track_ids,
            position=at,
        )
    console.print(f"playlist {playlist_id}: {result.track_count} tracks (version {result.version})")


@app.command()
@handles_errors
def move(
    playlist_id: PlaylistId,
    from_position: Annotated[int, typer.Argument(help="Current position.")],
    to_position: Annotated[int, typer.Argument(help="New position.")],
    actor: AsUser,
) -> None:
    """Move one track to a new position.

    Example: db_cli.py playlists move 42 7 0 --as 1
    """
    with transaction() as connection:
        result = editing.move_track(
            connection,
            playlist_id=playlist_id,
            actor_id=user_id(connection, actor),
            from_position=from_position,
            to_position=to_position,
        )
    console.print(f"playlist {playlist_id}: version {result.version}")


@app.command()
@handles_errors
def remove(
    playlist_id: PlaylistId,
    positions: Annotated[list[int], typer.Argument(help="Positions to remove.")],
    actor: AsUser,
) -> None:
    """Remove the tracks at the given positions.

    Example: db_cli.py playlists remove 42 3 5 --as 1
    """
    with transaction() as connection:
        result = editing.remove_tracks(
            connection,
            playlist_id=playlist_id,
            actor_id=user_id(connection, actor),
            positions=positions,
        )
    console.print(f"playlist {playlist_id}: {result.track_count} tracks (version {result.version})")


@app.command()
@handles_errors
def dedupe(playlist_id: PlaylistId, actor: AsUser) -> None:
    """Remove repeated tracks, keeping each one's first occurrence.

    Example: db_cli.py playlists dedupe 42 --as 1
    """
    with transaction() as connection:
        result = editing.dedupe_tracks(
            connection, playlist_id=playlist_id, actor_id=user_id(connection, actor)
        )
    console.print(f"playlist {playlist_id}: {result.track_count} tracks (version {result.version})")


@app.command()
@handles_errors
def delete(
    playlist_id: PlaylistId,
    actor: AsUser,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: this cannot be undone.")] = False,
) -> None:
    """Delete a playlist with its tracks list, collaborators and log (owner only; needs --yes).

    Example: db_cli.py playlists delete 42 --as 1 --yes
    """
    if not yes:
        raise InvalidInput(f"deleting playlist {playlist_id} cannot be undone; add --yes")
    with transaction() as connection:
        count = manage.delete_playlist(
            connection, playlist_id=playlist_id, actor_id=user_id(connection, actor)
        )
    console.print(f"deleted playlist {playlist_id} ({count} tracks)")
