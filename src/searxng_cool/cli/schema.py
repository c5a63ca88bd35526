"""Commands that set up and migrate the schema: init, upgrade, downgrade, migrate, current, history."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from searxng_cool.admin import gated, lint, migrations, setup
from searxng_cool.cli import operations
from searxng_cool.cli.common import (
    AsJson,
    console,
    handles_errors,
    owner_settings,
    print_json,
    settings,
    transaction,
)
from searxng_cool.errors import InvalidInput


@handles_errors
def init() -> None:
    """Create the roles and the database if missing, upgrade to head, grant each role its share.

    Runs as DATABASE_OWNER_URL (the schema's owner or a superuser); with no DATABASE_URL it
    initialises and starts the embedded cluster first. Roles searxng_owner, searxng_user
    (DATABASE_URL's role) and searxng_readonly are created when missing, with passwords
    from SEARXNG_OWNER_PASSWORD, SEARXNG_USER_PASSWORD, SEARXNG_READONLY_PASSWORD when set.
    Running it again changes nothing.

    Example: db_cli.py init
    """
    current = settings()
    result = setup.init_database(current.database)
    created = [*result.roles_created, *(["database"] if result.database_created else [])]
    console.print(f"database [bold]{result.database}[/] on {current.database.display_url()}")
    if created:
        console.print(f"created: {', '.join(created)}")
    if result.objects_handed_over:
        console.print(f"objects handed to the owner: {result.objects_handed_over}")
    if result.app_is_superuser:
        console.print(
            "[yellow]DATABASE_URL connects as a superuser: the application bypasses every"
            " privilege; point it at searxng_user[/]"
        )
    elif result.single_role:
        console.print(
            "[yellow]DATABASE_URL's role owns the schema: the application may run DDL;"
            " set DATABASE_OWNER_URL and run init again to separate the roles[/]"
        )
    console.print(f"revision: {result.revision_before or 'none'} -> {result.revision_after}")


BackupDir = Annotated[
    Path, typer.Option("--backup-dir", help="Where the pre-migration backup is written.")
]
NoBackup = Annotated[
    bool, typer.Option("--no-backup", help="Skip the verified backup (recorded in the output).")
]
LockTimeout = Annotated[
    int | None, typer.Option("--lock-timeout-ms", help="Override OPERATIONS.LOCK_TIMEOUT_MS.")
]
StatementTimeout = Annotated[
    int | None,
    typer.Option("--statement-timeout-ms", help="Override OPERATIONS.STATEMENT_TIMEOUT_MS."),
]
Sql = Annotated[bool, typer.Option("--sql", help="Print the SQL instead of applying it.")]


def _gated(
    revision: str, *, downgrade: bool, sql: bool, no_backup: bool, backup_dir: Path,
    lock_timeout_ms: int | None, statement_timeout_ms: int | None,
) -> None:  # fmt: skip
    current = owner_settings()
    if sql:
        with transaction(current) as connection:
            start = (migrations.current(connection) or ["base"])[0]
        rendered = migrations.offline_sql(start, revision, downgrade=downgrade)
        console.print(rendered, markup=False, highlight=False)
        return
    overrides = {"LOCK_TIMEOUT_MS": lock_timeout_ms, "STATEMENT_TIMEOUT_MS": statement_timeout_ms}
    ops = current.operations.replace(**{k: float(v) for k, v in overrides.items() if v is not None})
    path = None if no_backup else gated.default_backup_path(backup_dir, current.database, revision)
    with operations.dump_progress() as update:
        result = gated.run_gated(
            config=current.database, ops=ops, revision=revision, downgrade=downgrade,
            backup_path=path, progress=update,
        )  # fmt: skip
    if result.backup is None:
        console.print(f"[yellow]no backup taken ({result.backup_skipped})[/]")
    else:
        console.print(f"verified backup: {result.backup.path}")
    console.print(
        f"lock_timeout {ops['LOCK_TIMEOUT_MS']:.0f} ms, statement_timeout "
        f"{ops['STATEMENT_TIMEOUT_MS']:.0f} ms"
    )
    console.print(f"revision: {result.before or 'base'} -> {result.after or 'base'}")
    for check in result.checks:
        console.print(f"  {check.outcome.label}: {check.group} / {check.name}: {check.reason}")
    if result.note:
        console.print(result.note)


@handles_errors
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision (default: head).")] = "head",
    *,
    sql: Sql = False,
    no_backup: NoBackup = False,
    backup_dir: BackupDir = Path("backups"),
    lock_timeout_ms: LockTimeout = None,
    statement_timeout_ms: StatementTimeout = None,
) -> None:
    """Back up (verified), then apply migrations up to REVISION under timeouts, then check.

    On failure the database stays at its previous revision and the restore command is printed.

    Example: db_cli.py upgrade            (to head)
    Example: db_cli.py upgrade --sql      (show the SQL only)
    """
    _gated(
        revision, downgrade=False, sql=sql, no_backup=no_backup, backup_dir=backup_dir,
        lock_timeout_ms=lock_timeout_ms, statement_timeout_ms=statement_timeout_ms,
    )  # fmt: skip


def _resolve_and_confirm(revision: str, *, yes: bool, sql: bool) -> str:
    """The absolute target of `revision` (`-1` -> an id); if the downgrade drops tables
    holding rows, name them and go on only if confirmed."""
    with transaction() as connection:
        target = migrations.resolve_target(connection, revision=revision)
        doomed = {} if sql else migrations.tables_dropped_with_rows(connection, revision=target)
    if not doomed:
        return target
    listed = ", ".join(f"{name} ({rows:,} rows)" for name, rows in doomed.items())
    question = f"downgrade {revision} drops {len(doomed)} table(s) holding rows: {listed}"
    if yes:
        console.print(f"{question}; confirmed by --yes", markup=False, highlight=False)
        return target
    if not sys.stdin.isatty():
        raise InvalidInput(f"{question}; run again with --yes to confirm")
    if not typer.confirm(f"{question}. Go on?", default=False):
        raise InvalidInput("nothing was changed")
    return target


@handles_errors
def downgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision, a relative step like -1, or base.")
    ],
    *,
    sql: Sql = False,
    no_backup: NoBackup = False,
    backup_dir: BackupDir = Path("backups"),
    lock_timeout_ms: LockTimeout = None,
    statement_timeout_ms: StatementTimeout = None,
    yes: Annotated[
        bool, typer.Option("--yes", help="Confirm dropping tables that hold rows (no question).")
    ] = False,
) -> None:
    """Back up (verified), then revert migrations down to REVISION (required) under timeouts.

    A downgrade that drops tables holding rows names them with their row counts and asks
    first; without a terminal it needs --yes.

    Example: db_cli.py downgrade -1
    Example: db_cli.py downgrade base --no-backup --yes   (remove every object the migrations made)
    """
    revision = _resolve_and_confirm(revision, yes=yes, sql=sql)
    _gated(
        revision, downgrade=True, sql=sql, no_backup=no_backup, backup_dir=backup_dir,
        lock_timeout_ms=lock_timeout_ms, statement_timeout_ms=statement_timeout_ms,
    )  # fmt: skip


@handles_errors
def migrate(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
) -> None:
    """Generate a new timestamped revision from the difference between the models and the database.

    Review the file before committing it.

    Example: db_cli.py migrate -m "add playlist collaborators"
    """
    with transaction(owner_settings()) as connection:
        path = migrations.new_revision(connection, message=message)
    if path is None:
        console.print("the models match the database: nothing to migrate, no revision written")
        return
    console.print(f"wrote {path}")
    findings = lint.lint_file(path)
    operations.print_findings(findings)
    if any(f.blocking for f in findings):
        console.print(
            "edit the revision to the safe form, or opt out: # lint: allow RULE -- reason"
        )
        raise typer.Exit(1)


@handles_errors
def current(as_json: AsJson = False) -> None:
    """Show the database's current revision and the head.

    Example: db_cli.py current
    """
    with transaction() as connection:
        at = migrations.current(connection)
        waiting = migrations.pending(connection)
    if as_json:
        print_json({"current": at, "head": migrations.heads(), "pending": waiting})
        return
    console.print(f"current: {', '.join(at) or 'none (empty database)'}")
    console.print(f"head:    {', '.join(migrations.heads())}")
    if waiting:
        console.print(f"pending: {len(waiting)} ({', '.join(waiting)})")


def history(as_json: AsJson = False) -> None:
    """List every revision, newest first.

    Example: db_cli.py history
    """
    if as_json:
        print_json([asdict(rev) for rev in migrations.history()])
        return
    table = Table("revision", "revises", "message")
    for rev in migrations.history():
        label = f"{rev.revision} (head)" if rev.is_head else rev.revision
        table.add_row(
            label, rev.down_revision or "-", rev.message.splitlines()[0] if rev.message else ""
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    for command in (init, upgrade, migrate, current, history):
        app.command()(command)
    # "-1" is a revision, not an option: unknown options reach the REVISION argument.
    app.command(context_settings={"ignore_unknown_options": True})(downgrade)
