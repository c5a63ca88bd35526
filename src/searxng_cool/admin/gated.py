"""Gated upgrade/downgrade: verified backup first, timeouts, post-migration checks.

1. Unless told not to, take a backup (pg_dump, read back, manifest) before any revision.
2. Set lock_timeout and statement_timeout for the session, so a migration that cannot get
   its lock gives up instead of stalling the application behind it. These configured
   timeouts are authoritative: the runner also sets `searxng_cool.runner_timeouts`, and a
   revision's own timeouts (`db.sql.revision_timeouts`) apply only where it is not set.
3. Apply the revisions in one transaction: a failure rolls back to the starting revision.
4. At head, run the validator's schema and migration-history groups.
On any failure the error carries the exact command that restores the backup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, pool

from searxng_cool.admin import backup, migrations, validator
from searxng_cool.admin.outcomes import Outcome, Result
from searxng_cool.config import DatabaseConfig, OperationsConfig
from searxng_cool.db.engine import make_engine
from searxng_cool.db.sql import RUNNER_TIMEOUTS_SETTING
from searxng_cool.errors import EnvironmentProblem

POST_MIGRATION_GROUPS = ("schema", "migrations")
RESTORE_COMMAND = "python scripts/utilities/database/db_cli.py restore {path} --yes"


class MigrationFailed(EnvironmentProblem):
    """A gated migration failed; the message says where the database is and how to restore."""


@dataclass(frozen=True)
class GatedResult:
    before: str | None
    after: str | None
    backup: backup.BackupResult | None
    checks: list[Result] = field(default_factory=list)
    note: str = ""
    backup_skipped: str = ""


Taken = backup.BackupResult | None


def restore_hint(taken: Taken) -> str:
    if taken is None:
        return "no backup was taken (--no-backup)"
    return f"restore the backup with: {RESTORE_COMMAND.format(path=taken.path)}"


def default_backup_path(directory: Path, config: DatabaseConfig, revision: str) -> Path:
    """backups/pre-<target>-<database>-<UTC time>.dump (the directory is made when used)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    safe_target = re.sub(r"[^A-Za-z0-9_.-]+", "_", revision)
    return directory / f"pre-{safe_target}-{config.url.database}-{stamp}.dump"


def _apply(
    engine: Engine, *, ops: OperationsConfig, revision: str, downgrade: bool, taken: Taken
) -> None:
    """All revisions in one transaction under the timeouts; on failure say where we are."""
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SET lock_timeout = {int(ops['LOCK_TIMEOUT_MS'])}")
            conn.exec_driver_sql(f"SET statement_timeout = {int(ops['STATEMENT_TIMEOUT_MS'])}")
            conn.exec_driver_sql(f"SET {RUNNER_TIMEOUTS_SETTING} = 'on'")
            if downgrade:
                migrations.downgrade(conn, revision=revision)
            else:
                migrations.upgrade(conn, revision=revision)
    except Exception as exc:  # any failure: report it with the way back
        with engine.connect() as conn:
            now = next(iter(migrations.current(conn)), "base")
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise MigrationFailed(
            f"migration to {revision} failed: {reason}; the database is still at {now}; "
            f"{restore_hint(taken)}"
        ) from exc


def run_gated(
    *,
    config: DatabaseConfig,
    ops: OperationsConfig,
    revision: str,
    downgrade: bool = False,
    backup_path: Path | None,
    progress: backup.Progress | None = None,
) -> GatedResult:
    """Move the database to `revision`; `backup_path=None` skips the backup."""
    engine = make_engine(config, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            before = next(iter(migrations.current(conn)), None)
            nothing_to_do = revision == "head" and not downgrade and not migrations.pending(conn)
        taken, skipped = None, "--no-backup" if backup_path is None else ""
        if backup_path is not None and before is None:
            skipped = "the database has no schema yet: nothing to back up"
        elif backup_path is not None and nothing_to_do:
            skipped = "already at head: nothing to apply"
        elif backup_path is not None:
            backup.private_directory(backup_path.parent)
            taken = backup.create_backup(config=config, path=backup_path, progress=progress)
        _apply(engine, ops=ops, revision=revision, downgrade=downgrade, taken=taken)
        with engine.connect() as conn:
            after = next(iter(migrations.current(conn)), None)
            at_head = migrations.current(conn) == migrations.heads()
            checks = validator.validate(conn, groups=POST_MIGRATION_GROUPS) if at_head else []
    finally:
        engine.dispose()
    failed = [c for c in checks if c.outcome is Outcome.FAIL]
    if failed:
        listed = "; ".join(f"{c.name}: {c.reason}" for c in failed)
        raise MigrationFailed(f"post-migration checks failed ({listed}); {restore_hint(taken)}")
    note = "" if at_head else "post-migration checks run at head only (the models describe head)"
    return GatedResult(
        before=before, after=after, backup=taken, checks=checks, note=note, backup_skipped=skipped
    )
