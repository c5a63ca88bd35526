"""Operations commands: backup, restore, status, optimize, validate, lint."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table
from sqlalchemy.exc import OperationalError

from searxng_cool.admin import backup as backups
from searxng_cool.admin import lint as migration_lint
from searxng_cool.admin import optimize as optimizer
from searxng_cool.admin import restore as restores
from searxng_cool.admin import setup, validator
from searxng_cool.admin import status as health
from searxng_cool.admin.health_checks import Level
from searxng_cool.cli.common import (
    console,
    engine,
    errors,
    handles_errors,
    owner_settings,
    settings,
    transaction,
)
from searxng_cool.config import Settings
from searxng_cool.errors import EnvironmentProblem

LEVEL_STYLE = {
    Level.OK: "green",
    Level.INFO: "cyan",
    Level.WARNING: "yellow",
    Level.CRITICAL: "red",
}
OUTCOME_STYLE = {"pass": "green", "warn": "yellow", "fail": "red"}


@contextmanager
def dump_progress() -> Iterator[backups.Progress]:
    """A Rich bar fed by pg_dump's per-table messages."""
    with Progress(
        TextColumn("dumping"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        console=errors, transient=True,
    ) as bar:  # fmt: skip
        task = bar.add_task("", total=None)

        def update(done: int, total: int, table: str) -> None:
            bar.update(task, completed=done, total=total, description=table)

        yield update


@handles_errors
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the dump (custom format).")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    verify_restore: Annotated[
        bool,
        typer.Option("--verify-restore", help="Also restore into a scratch database and compare."),
    ] = False,
) -> None:
    """Dump the database with pg_dump -Fc, read it back, and write FILE.manifest.json.

    Example: db_cli.py backup backups/before-upgrade.dump --verify-restore
    """
    current = owner_settings()
    with dump_progress() as update:
        made = backups.create_backup(
            config=current.database, path=file, force=force, progress=update
        )
    rows = sum(made.manifest.tables.values())
    console.print(
        f"backup {made.path} ({made.manifest.bytes:,} bytes, {len(made.manifest.tables)} tables, "
        f"{rows:,} rows) at revision {made.manifest.alembic_revision or 'none'}; verified by pg_restore --list"
    )
    console.print(f"manifest {made.manifest_path}")
    if verify_restore:
        check = restores.verify_restore(config=current.database, path=made.path)
        if not check.ok:
            raise typer.Exit(_report_mismatch(check))
        console.print(
            "restore verified: schema and row counts identical in a scratch database (dropped)"
        )


def _report_mismatch(check: restores.RestoreCheck) -> int:
    errors.print(
        f"[red]restore check failed[/]: schema {'matches' if check.schema_matches else 'differs'}"
    )
    for line in check.count_differences:
        errors.print(f"  {line}")
    return 1


@handles_errors
def restore(
    file: Annotated[Path, typer.Argument(help="A dump made by `backup` (its manifest beside it).")],
    into: Annotated[
        str | None, typer.Option("--into", help="Restore into this new database.")
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace the configured database without asking.")
    ] = False,
) -> None:
    """Check the manifest's checksum, then restore into a new database or replace the target.

    The restored database then gets the owner and role privileges `init` gives.

    Example: db_cli.py restore backups/before-upgrade.dump --into music_copy
    Example: db_cli.py restore backups/before-upgrade.dump --yes
    """
    current = owner_settings()
    manifest = restores.check_backup(config=current.database, path=file)
    replace = False
    if into is None:
        target = current.database.url.database
        replace = yes or typer.confirm(
            f"replace database {target!r} with {file} (revision {manifest.alembic_revision})?"
        )
        if not replace:
            raise typer.Exit(1)
    done = restores.restore_backup(config=current.database, path=file, into=into, replace=replace)
    console.print(f"restored {file} into {done.database}: schema and row counts match the manifest")
    # The dump holds the schema's owners and grants, not the database's own; init's give them.
    setup.secure_database(settings().database, database=done.database)


@handles_errors
def status(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON for monitoring (figures as numbers).")
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show each check's details and threshold.")
    ] = False,
) -> None:
    """Health in one screen; exit code 0 ok, 1 warning, 2 critical.

    The default view is one line per check; --verbose adds the details (which tables,
    which queries) and the thresholds.

    Example: db_cli.py status --json
    """
    current = settings()
    report = _collect(current)
    if as_json:
        typer.echo(json.dumps(report.as_json(), indent=2))
    else:
        columns = (
            ("check", "state", "value", "threshold") if verbose else ("check", "state", "value")
        )
        table = Table(*columns, title="database status")
        for check in report.checks:
            style = LEVEL_STYLE[check.level]
            shown = [check.value, *(f"  {d}" for d in check.details)] if verbose else [check.value]
            cells = [check.name, f"[{style}]{check.level.label}[/]", "\n".join(shown)]
            table.add_row(*cells, *([check.threshold] if verbose else []))
        console.print(table)
    raise typer.Exit(report.exit_code)


def _collect(current: Settings) -> health.StatusReport:
    pool_size = int(current.database.engine_options.get("pool_size", 20))
    try:
        with transaction(current) as connection:
            return health.collect_status(connection, ops=current.operations, pool_size=pool_size)
    except (OperationalError, EnvironmentProblem) as exc:
        return health.unreachable(str(getattr(exc, "orig", None) or exc))


@handles_errors
def optimize(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be done, change nothing.")
    ] = False,
) -> None:
    """VACUUM ANALYZE, REINDEX CONCURRENTLY and REFRESH only where needed, under timeouts.

    Example: db_cli.py optimize --dry-run
    """
    current = owner_settings()
    with (
        engine(current) as eng,
        eng.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
    ):
        actions = optimizer.plan_optimize(connection, ops=current.operations)
        if not actions:
            console.print("nothing to do: no table, index or view is over its threshold")
            return
        if dry_run:
            for action in actions:
                console.print(
                    f"would {action.kind} {action.target}: {action.reason} [{action.before}]"
                )
            return
        done = optimizer.run_optimize(connection, ops=current.operations, actions=actions)
    table = Table("action", "target", "why", "before", "after")
    for action in done:
        after = f"[red]failed: {action.error}[/]" if action.error else action.after
        table.add_row(action.kind, action.target, action.reason, action.before, after)
    console.print(table)
    if any(action.error for action in done):
        raise typer.Exit(1)


@handles_errors
def validate(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    group: Annotated[
        list[str] | None,
        typer.Option("--group", help=f"Only these groups: {', '.join(validator.GROUPS)}."),
    ] = None,
) -> None:
    """Run the validation suite; exit code 0 pass, 1 warnings, 2 failures.

    Example: db_cli.py validate --group schema --group relationships
    """
    with transaction() as connection:
        results = validator.validate(connection, groups=group)
    if as_json:
        typer.echo(json.dumps([r.as_json() for r in results], indent=2))
    else:
        table = Table("group", "check", "result", "reason", title="validation")
        for r in results:
            table.add_row(
                r.group, r.name, f"[{OUTCOME_STYLE[r.outcome.label]}]{r.outcome.label}[/]", r.reason
            )
        console.print(table)
    raise typer.Exit(validator.exit_code(results))


def print_findings(findings: list[migration_lint.Finding]) -> None:
    for f in findings:
        if f.allowed_because:
            console.print(f"[dim]{f.revision}: {f.rule} allowed -- {f.allowed_because}[/]")
        else:
            errors.print(f"[yellow]{f.revision}: {f.rule}[/]: {f.statement}", highlight=False)
            errors.print(f"  safe alternative: {f.safe_alternative}", highlight=False)


@handles_errors
def lint(
    revision: Annotated[
        list[str] | None, typer.Argument(help="Revisions to lint (default: all).")
    ] = None,
) -> None:
    """Lint revisions' SQL for unsafe operations; opt out with `# lint: allow RULE -- reason`.

    Example: db_cli.py lint 20261124_2044_operations_tables
    """
    findings = migration_lint.lint_revisions(revision)
    print_findings(findings)
    blocking = [f for f in findings if f.blocking]
    console.print(f"{len(blocking)} unsafe operation(s)" if blocking else "no unsafe operation")
    raise typer.Exit(1 if blocking else 0)


def register(app: typer.Typer) -> None:
    for command in (backup, restore, status, optimize, validate, lint):
        app.command()(command)
