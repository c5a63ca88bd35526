"""Listening commands: record interactions, manage monthly partitions, popularity."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from searxng_cool.cli.common import (
    console,
    fail,
    handles_errors,
    owner_settings,
    transaction,
    user_id,
)
from searxng_cool.listening import files, partitions, popularity, recording
from searxng_cool.rejects import JsonlRejects

interactions_app = typer.Typer(help="Record listening events (the audit trail).")
partitions_app = typer.Typer(help="Monthly partitions of user_interactions.")
popularity_app = typer.Typer(help="Track and artist popularity.")


@interactions_app.command("load")
@handles_errors
def load(
    file: Annotated[Path, typer.Argument(help="JSON Lines (.jsonl) or CSV (.csv) events.")],
    rejects: Annotated[
        Path | None,
        typer.Option(
            help="Where refused lines go (JSON Lines; made only if some are refused, never "
            "over an earlier report); default FILE.rejects.jsonl here."
        ),
    ] = None,
    file_format: Annotated[
        str | None, typer.Option("--format", help="jsonl or csv (default: from the suffix).")
    ] = None,
) -> None:
    """Load a file of interaction events in one transaction; refused lines go to a report.

    Loading the same events again (same user, track, type and time) records nothing new,
    whether the first load finished or was killed; the summary counts them as already
    recorded. Events without a time are recorded at the time of loading, every time.

    Connects as DATABASE_OWNER_URL: a month with many events becomes its partition offline.

    Example: db_cli.py interactions load events.jsonl --rejects events.rejects.jsonl
    """
    found = files.detect_format(file, file_format)
    total = files.count_lines(file) - (1 if found == "csv" else 0)
    report_path = rejects or Path(f"{file.name}.rejects.jsonl")
    columns = (*Progress.get_default_columns()[:1], BarColumn(), MofNCompleteColumn())
    with (
        JsonlRejects(report_path) as sink,
        # As the owner: a month with many events is filled offline and swapped in as its
        # partition (DDL the application role may not run).
        transaction(owner_settings()) as connection,
        Progress(*columns, TimeElapsedColumn(), console=console, transient=True) as bar,
    ):
        task = bar.add_task(f"loading {file.name}", total=max(total, 0))
        report = recording.record_file(
            connection,
            path=file,
            file_format=found,
            rejects=sink,
            progress=lambda done: bar.update(task, completed=done),
        )
    _print_summary(report, sink.path if sink.written else None)


def _print_summary(report: recording.BatchReport, report_path: Path | None) -> None:
    summary = Table("accepted", "already recorded", "rejected", "events/s", "rejects report")
    summary.add_row(
        str(report.accepted),
        str(report.already_recorded),
        str(report.rejected),
        f"{report.events_per_second:,.0f}",
        str(report_path) if report_path else "-",
    )
    console.print(summary)
    for code, count in sorted(report.rejected_by_code.items()):
        console.print(f"  rejected {count} x {code}")


@interactions_app.command("record")
@handles_errors
def record(
    user: Annotated[str, typer.Option(help="User name or id.")],
    track: Annotated[int, typer.Option(help="Track id.")],
    kind: Annotated[str, typer.Option("--type", help="play, like, skip, ...")] = "play",
    duration_ms: Annotated[int | None, typer.Option(help="Milliseconds listened.")] = None,
    at: Annotated[
        datetime | None, typer.Option(help="When it happened (ISO 8601, UTC); default now.")
    ] = None,
) -> None:
    """Record one interaction event and print its id.

    Example: db_cli.py interactions record --user 1 --track 42 --type play --duration-ms 180000
    """
    with transaction() as connection:
        made = recording.record_interaction(
            connection,
            user_id=user_id(connection, user),
            track_id=track,
            interaction_type=kind,
            play_duration_ms=duration_ms,
            created_at=at,
        )
    console.print(f"recorded interaction {made}")


@partitions_app.command("ensure")
@handles_errors
def ensure(
    months_ahead: Annotated[int, typer.Option(help="Months after the current one.")] = 3,
) -> None:
    """Create this month's partition and the next ones ahead of time (run it monthly, e.g. cron).

    Example: db_cli.py partitions ensure --months-ahead 3
    """
    with transaction() as connection:
        made = partitions.ensure_partitions(connection, months_ahead=months_ahead)
    console.print(f"created: {', '.join(made)}" if made else "every partition already exists")


@partitions_app.command("list")
@handles_errors
def list_(
    exact: Annotated[bool, typer.Option(help="Count rows (reads every row).")] = False,
) -> None:
    """List the partitions of user_interactions with their rows (estimated unless --exact).

    Example: db_cli.py partitions list --exact
    """
    with transaction() as connection:
        found = partitions.list_partitions(connection, exact_rows=exact)
    table = Table("partition", "month", "rows")
    for part in found:
        table.add_row(part.name, f"{part.month:%Y-%m}" if part.month else "default", str(part.rows))
    console.print(table)


@partitions_app.command("detach")
@handles_errors
def detach(
    before: Annotated[str, typer.Option(help="Detach months before this one (YYYY-MM).")],
    dry_run: Annotated[bool, typer.Option(help="Only show what would be detached.")] = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Detach old monthly partitions for archiving; they stay as plain tables for pg_dump.

    Example: db_cli.py partitions detach --before 2020-01 --dry-run
    """
    month = partitions.parse_month(before)
    with transaction() as connection:
        plan = partitions.detach_partitions(connection, before=month, dry_run=True)
        for part in plan.partitions:
            console.print(f"  {part.name}: {part.rows} rows")
        if not plan.partitions:
            console.print(f"no partition lies wholly before {before}")
            return
        if dry_run:
            console.print(f"dry run: {len(plan.partitions)} partition(s) would be detached")
            return
        if not yes and not typer.confirm(f"detach {len(plan.partitions)} partition(s)?"):
            raise fail("nothing detached")
        done = partitions.detach_partitions(connection, before=month)
    console.print(f"detached {len(done.partitions)} partition(s), {done.rows} rows")


@popularity_app.command("refresh")
@handles_errors
def refresh() -> None:
    """Refresh mv_track_popularity (CONCURRENTLY: readers are never blocked).

    Example: db_cli.py popularity refresh
    """
    with transaction() as connection:
        report = popularity.refresh_view(connection)
    how = "concurrently" if report.concurrently else "(first fill)"
    console.print(
        f"refreshed mv_track_popularity {how}: {report.rows} rows in {report.seconds:.2f}s"
    )


@popularity_app.command("compute")
@handles_errors
def compute(
    half_life_days: Annotated[
        float, typer.Option(help="Days for an event's weight to halve.")
    ] = 30.0,
) -> None:
    """Compute tracks.popularity and artists.popularity (0-100) from time-decayed activity.

    Example: db_cli.py popularity compute --half-life-days 30
    """
    with transaction() as connection:
        report = popularity.compute_popularity(connection, half_life_days=half_life_days)
    console.print(
        f"updated {report.tracks_updated} tracks and {report.artists_updated} artists"
        f" (half-life {report.half_life_days:g} days)"
    )


@popularity_app.command("counters")
@handles_errors
def counters(track: Annotated[int, typer.Argument(help="Track id.")]) -> None:
    """Show a track's live counters (current at every commit, no refresh needed).

    Example: db_cli.py popularity counters 42
    """
    with transaction() as connection:
        found = popularity.track_counters(connection, track_id=track)
    if found is None:
        console.print(f"track {track} has no interactions")
        return
    avg = "-" if found.avg_play_duration_ms is None else f"{found.avg_play_duration_ms:.0f} ms"
    console.print(
        f"track {track}: {found.total_plays} plays, {found.total_likes} likes,"
        f" {found.total_interactions} interactions, average play {avg}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(interactions_app, name="interactions")
    app.add_typer(partitions_app, name="partitions")
    app.add_typer(popularity_app, name="popularity")
