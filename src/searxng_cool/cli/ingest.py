"""Commands that fill the catalog: ingest a source file, or load generated demo data."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import DownloadColumn, Progress, TimeRemainingColumn
from rich.table import Table

from searxng_cool.accounts.users import get_or_create_user
from searxng_cool.catalog.demo import DEMO_PREFIX, remove_demo_data
from searxng_cool.catalog.generator import write_records
from searxng_cool.catalog.ingest import (
    DEFAULT_BATCH_SIZE,
    AfterLoad,
    IngestSummary,
    ingest_file,
)
from searxng_cool.catalog.reader import load_mapping, shipped_formats
from searxng_cool.cli.common import console, engine, handles_errors, settings, transaction
from searxng_cool.cli.common import user_id as find_user
from searxng_cool.errors import InvalidInput, NotFound
from searxng_cool.listening.profiles import rebuild_profiles
from searxng_cool.listening.scrobbles import ScrobblePlays
from searxng_cool.rejects import JsonlRejects

SCROBBLE_FORMAT = "lastfm-scrobbles"


def _run(
    path: Path,
    mapping_name: str | None,
    mapping_file: Path | None,
    rejects: Path,
    batch_size: int,
    *,
    after_load: AfterLoad | None = None,
) -> IngestSummary:
    mapping = load_mapping(format_name=mapping_name, mapping_file=mapping_file)
    columns = (*Progress.get_default_columns()[:-1], DownloadColumn(), TimeRemainingColumn())
    with (
        engine(settings()) as eng,
        JsonlRejects(rejects) as sink,
        Progress(*columns, console=console, transient=True) as bar,
    ):
        task = bar.add_task(
            f"ingest {path.name}", total=path.stat().st_size if path.is_file() else 1
        )
        summary = ingest_file(
            eng,
            path=path,
            mapping=mapping,
            rejects=sink,
            batch_size=batch_size,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            after_load=after_load,
        )
    summary.rejects_path = sink.path if sink.written else None
    return summary


def plays_rejects_path(rejects: Path) -> Path:
    """`X.rejects.jsonl` -> `X.plays.rejects.jsonl`: one ignore pattern covers both files."""
    stem = rejects.name.removesuffix(".jsonl").removesuffix(".rejects")
    return rejects.with_name(f"{stem}.plays.rejects.jsonl")


def _ingest_scrobbles(
    file: Path, username: str, rejects: Path, batch_size: int
) -> tuple[IngestSummary, ScrobblePlays, Path | None]:
    plays_rejects = plays_rejects_path(rejects)
    with transaction() as connection:
        try:
            user_id = find_user(connection, username)  # an existing user, by name or id
        except NotFound:
            user_id = get_or_create_user(connection, username=username)
    with JsonlRejects(plays_rejects) as sink:
        plays = ScrobblePlays(user_id=user_id, rejects=sink)
        summary = _run(file, SCROBBLE_FORMAT, None, rejects, batch_size, after_load=plays)
    with transaction() as connection:
        rebuild_profiles(connection, user_ids=[user_id])
    return summary, plays, sink.path if sink.written else None


def _show(summary: IngestSummary, file: Path) -> None:
    table = Table("rows", "inserted", "merged", "unchanged", "rejected", "batches")
    table.add_row(
        *(
            str(n)
            for n in (
                summary.rows,
                summary.inserted,
                summary.merged,
                summary.unchanged,
                summary.rejected,
                summary.batches,
            )
        )
    )
    console.print(table)
    if summary.rejected:
        reasons = ", ".join(f"{k}: {n}" for k, n in sorted(summary.reject_reasons.items()))
        console.print(
            f"rejects ({reasons}) written to {summary.rejects_path}", markup=False, highlight=False
        )
    if summary.rows and summary.rejected == summary.rows:
        raise InvalidInput(
            f"every one of the {summary.rows} rows of {file.name} was rejected (reasons in "
            f"{summary.rejects_path}); if the file is of a known shape, name it with --format "
            f"({', '.join(shipped_formats())}), or describe its columns with --mapping FILE.yml"
        )


@handles_errors
def ingest(  # noqa: PLR0917 - each parameter is one of the command's options
    file: Annotated[Path, typer.Argument(help="CSV or JSON Lines file of source records.")],
    format_name: Annotated[
        str | None,
        typer.Option("--format", help=f"A shipped column mapping: {', '.join(shipped_formats())}."),
    ] = None,
    mapping: Annotated[
        Path | None,
        typer.Option("--mapping", help="A YAML column-mapping file (see docs/DATABASE.md)."),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(
            "--rejects",
            help="Where rejected rows go (default: FILE's name + .rejects.jsonl here); made "
            "only if a row is rejected, numbered (NAME.1.jsonl) rather than over an earlier one.",
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option("--batch-size", help="Records per transaction.")
    ] = DEFAULT_BATCH_SIZE,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="With --format lastfm-scrobbles: record each scrobble as a play by this "
            "listener (a user name or id; a new name is created).",
        ),
    ] = None,
) -> None:
    """Load source records into the catalog, resolving them to canonical artists, albums, tracks.

    Re-running the same file changes nothing; an interrupted run can simply be run again.
    With --user, Last.fm scrobbles also become that listener's plays at their own times
    (timestamp-0 rows are refused as plays; re-runs record nothing twice).

    Example: db_cli.py ingest ../shared/data/spotify_songs.csv --format spotify-songs
    Example: db_cli.py ingest ../shared/data/lastfm_scrobbles.csv --format lastfm-scrobbles --user alice
    """
    rejects = rejects or Path(f"{file.name}.rejects.jsonl")
    if user is None:
        _show(_run(file, format_name, mapping, rejects, batch_size), file)
        return
    if format_name != SCROBBLE_FORMAT or mapping is not None:
        raise InvalidInput(
            f"--user needs --format {SCROBBLE_FORMAT} (got {format_name or mapping})"
        )
    summary, plays, plays_rejects = _ingest_scrobbles(file, user, rejects, batch_size)
    _show(summary, file)
    refused = sum(plays.rejected_by_code.values())
    console.print(
        f"plays for {user}: {plays.recorded} recorded, {plays.already_recorded} already "
        f"recorded, {refused} refused" + (f" ({plays_rejects})" if refused else ""),
        markup=False,
        highlight=False,
    )


@handles_errors
def demo(
    records: Annotated[
        int,
        typer.Option(
            "--records", min=1, max=2_000_000, help="How many source records to generate."
        ),
    ] = 5000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the generator.")] = 1,
    remove: Annotated[
        bool,
        typer.Option(
            "--remove", help="Take the demo data out again (tracks, albums, artists, mappings)."
        ),
    ] = False,
) -> None:
    """Generate realistic source records (several services, duplicates, accents) and ingest them.

    Demo records carry their own source types (demo_spotify, demo_deezer, ...), so they are
    never mistaken for real data; `demo --remove` takes them out completely (a demo track a
    user played or put in a playlist is kept, and counted).

    Example: db_cli.py demo --records 5000
    Example: db_cli.py demo --remove
    """
    if remove:
        with transaction() as connection:
            removed = remove_demo_data(connection)
        console.print(
            f"removed demo data: {removed.tracks} tracks, {removed.albums} albums, "
            f"{removed.artists} artists, {removed.mappings} source mappings"
            + (
                f"; kept {removed.kept_tracks} demo tracks that users played or listed"
                if removed.kept_tracks
                else ""
            ),
            markup=False,
            highlight=False,
        )
        return
    with tempfile.TemporaryDirectory() as folder:
        path = write_records(
            Path(folder) / "demo_records.csv", records, seed=seed, source_prefix=DEMO_PREFIX
        )
        rejects = Path(folder) / "demo.rejects.jsonl"
        _show(_run(path, None, None, rejects, DEFAULT_BATCH_SIZE), path)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(demo)
