"""Commands that set up and migrate the schema: init, upgrade, downgrade, migrate, current, history."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from searxng_cool.admin import migrations, setup
from searxng_cool.cli.common import console, engine, handles_errors, settings


@handles_errors
def init() -> None:
    """Create the role and database if missing, then upgrade to head.

    With no DATABASE_URL this initialises and starts the embedded cluster first.

    Example: db_cli.py init
    """
    current = settings()
    result = setup.init_database(current.database)
    created = [
        what
        for what, done in (("role", result.role_created), ("database", result.database_created))
        if done
    ]
    console.print(f"database [bold]{result.database}[/] on {current.database.display_url()}")
    if created:
        console.print(f"created: {', '.join(created)}")
    console.print(f"revision: {result.revision_before or 'none'} -> {result.revision_after}")


@handles_errors
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision (default: head).")] = "head",
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL instead of applying it.")
    ] = False,
) -> None:
    """Apply migrations up to REVISION.

    Example: db_cli.py upgrade            (to head)
    Example: db_cli.py upgrade --sql      (show the SQL only)
    """
    current = settings()
    if sql:
        with engine(current) as eng, eng.connect() as conn:
            start = (migrations.current(conn) or ["base"])[0]
        console.print(migrations.offline_sql(start, revision), markup=False, highlight=False)
        return
    with engine(current) as eng, eng.begin() as conn:
        migrations.upgrade(conn, revision)
        console.print(f"at revision {', '.join(migrations.current(conn)) or 'base'}")


@handles_errors
def downgrade(
    revision: Annotated[
        str, typer.Argument(help="Target revision, a relative step like -1, or base.")
    ],
    sql: Annotated[
        bool, typer.Option("--sql", help="Print the SQL instead of applying it.")
    ] = False,
) -> None:
    """Revert migrations down to REVISION (required: nothing is reverted by default).

    Example: db_cli.py downgrade -1
    Example: db_cli.py downgrade base     (remove every object the migrations made)
    """
    current = settings()
    if sql:
        with engine(current) as eng, eng.connect() as conn:
            start = (migrations.current(conn) or ["base"])[0]
        console.print(
            migrations.offline_sql(start, revision, downgrade=True), markup=False, highlight=False
        )
        return
    with engine(current) as eng, eng.begin() as conn:
        migrations.downgrade(conn, revision)
        console.print(f"at revision {', '.join(migrations.current(conn)) or 'base'}")


@handles_errors
def migrate(
    message: Annotated[str, typer.Option("-m", "--message", help="What the migration does.")],
) -> None:
    """Generate a new timestamped revision from the difference between the models and the database.

    Review the file before committing it.

    Example: db_cli.py migrate -m "add playlist collaborators"
    """
    with engine(settings()) as eng, eng.begin() as conn:
        path = migrations.new_revision(conn, message)
    console.print(f"wrote {path}")


@handles_errors
def current() -> None:
    """Show the database's current revision and the head.

    Example: db_cli.py current
    """
    with engine(settings()) as eng, eng.connect() as conn:
        at = migrations.current(conn)
        waiting = migrations.pending(conn)
    console.print(f"current: {', '.join(at) or 'none (empty database)'}")
    console.print(f"head:    {', '.join(migrations.heads())}")
    if waiting:
        console.print(f"pending: {len(waiting)} ({', '.join(waiting)})")


def history() -> None:
    """List every revision, newest first.

    Example: db_cli.py history
    """
    table = Table("revision", "revises", "message")
    for rev in migrations.history():
        label = f"{rev.revision} (head)" if rev.is_head else rev.revision
        table.add_row(
            label, rev.down_revision or "-", rev.message.splitlines()[0] if rev.message else ""
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    for command in (init, upgrade, downgrade, migrate, current, history):
        app.command()(command)
