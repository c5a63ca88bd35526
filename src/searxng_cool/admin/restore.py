"""`restore FILE` and `backup --verify-restore`.

A backup is trusted only after its manifest's checksum matches, its archive reads whole,
and its Alembic revision is one this code knows. Restoring never writes into the target
directly: the dump goes into a fresh scratch database, is compared with the manifest
(schema fingerprint and row count per table), and only then takes the target's name.
A corrupt or foreign file therefore never touches the target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, create_engine, pool, text

from searxng_cool.admin import migrations, pg_programs
from searxng_cool.admin.backup import (
    Manifest,
    list_archive,
    row_counts,
    schema_fingerprint,
    sha256_of,
)
from searxng_cool.config import DatabaseConfig
from searxng_cool.db.engine import resolve_url
from searxng_cool.errors import Conflict, InvalidInput, NotFound

# pg_stat_statements can only be created by a superuser; a non-superuser restore skips it.
_SUPERUSER_ONLY_ENTRIES = (
    "EXTENSION - pg_stat_statements",
    "COMMENT - EXTENSION pg_stat_statements",
)


_DATABASE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(frozen=True)
class RestoreCheck:
    """What a restored copy looked like against the manifest; empty lists mean identical."""

    database: str
    schema_matches: bool
    count_differences: list[str]

    @property
    def ok(self) -> bool:
        return self.schema_matches and not self.count_differences


def check_backup(*, config: DatabaseConfig, path: Path) -> Manifest:
    """Refuse a missing, corrupt or foreign backup with the reason; return its manifest."""
    path = path.expanduser().absolute()
    if not path.is_file():
        raise NotFound(f"backup {path} does not exist")
    manifest = Manifest.read(path)
    actual = sha256_of(path)
    if actual != manifest.sha256:
        raise InvalidInput(
            f"{path} is corrupt: sha256 {actual[:12]}... differs from the manifest's "
            f"{manifest.sha256[:12]}...; refusing to restore it"
        )
    known = {rev.revision for rev in migrations.history()}
    if manifest.alembic_revision is not None and manifest.alembic_revision not in known:
        raise InvalidInput(
            f"{path} is at revision {manifest.alembic_revision!r}, unknown to this code "
            "(a foreign or newer project); refusing"
        )
    major = manifest.server_version.split(".")[0]
    list_archive(path, major=major, hint=config.pg_bindir)
    return manifest


def _compare(connection: Connection, manifest: Manifest) -> RestoreCheck:
    counts = row_counts(connection)
    differences = [
        f"{table}: {counts.get(table)} rows, manifest {expected}"
        for table, expected in manifest.tables.items()
        if counts.get(table) != expected
    ]
    differences += [
        f"{table}: not in the manifest" for table in counts if table not in manifest.tables
    ]
    return RestoreCheck(
        database=str(connection.execute(text("SELECT current_database()")).scalar_one()),
        schema_matches=schema_fingerprint(connection) == manifest.schema_sha256,
        count_differences=differences,
    )


def _is_superuser(config: DatabaseConfig, database: str) -> bool:
    engine = create_engine(pg_programs.restore_url(config, database), poolclass=pool.NullPool)
    with engine.connect() as conn:
        result = conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        superuser = bool(result.scalar_one())
    engine.dispose()
    return superuser


def _restore_into(
    config: DatabaseConfig, path: Path, manifest: Manifest, database: str
) -> RestoreCheck:
    """pg_restore into an existing empty database, in one transaction, then compare."""
    major = manifest.server_version.split(".")[0]
    url = pg_programs.restore_url(config, database)
    target, env = pg_programs.libpq_target(url)
    argv = [
        str(pg_programs.program("pg_restore", major=major, hint=config.pg_bindir)),
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={target}",
    ]
    list_file = path.with_name(f".{path.name}.restore-list")
    try:
        if not _is_superuser(config, database):
            entries = list_archive(path, major=major, hint=config.pg_bindir)
            kept = [e for e in entries if not any(s in e for s in _SUPERUSER_ONLY_ENTRIES)]
            list_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
            argv += ["--no-owner", f"--use-list={list_file}"]
        pg_programs.run_program([*argv, str(path)], env=env)
    finally:
        list_file.unlink(missing_ok=True)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        check = _compare(conn, manifest)
    engine.dispose()
    return check


def verify_restore(*, config: DatabaseConfig, path: Path) -> RestoreCheck:
    """Restore into a scratch database, compare schema and row counts, drop it."""
    manifest = check_backup(config=config, path=path)
    scratch = pg_programs.scratch_name(manifest.database, "verify")
    pg_programs.create_database(config, scratch)
    try:
        return _restore_into(config, path.expanduser().absolute(), manifest, scratch)
    finally:
        pg_programs.drop_database(config, scratch)


def restore_backup(
    *, config: DatabaseConfig, path: Path, into: str | None = None, replace: bool = False
) -> RestoreCheck:
    """Restore into the new database `into`, or (with replace=True) in place of the target.

    Either way the data lands in a scratch database first and must match the manifest.
    """
    if into is not None and not _DATABASE_NAME.fullmatch(into):
        raise InvalidInput(
            f"database name {into!r} is not usable: use letters, digits and _ "
            "(starting with a letter or _, at most 63 characters)"
        )
    manifest = check_backup(config=config, path=path)
    target = into or str(resolve_url(config).database)
    exists = pg_programs.database_exists(config, target)
    if exists and not replace:
        raise Conflict(
            f"database {target!r} exists; confirm replacing it (--yes) or restore into a new "
            "database with --into NAME"
        )
    staging = pg_programs.scratch_name(target, "restore")
    pg_programs.create_database(config, staging)
    try:
        check = _restore_into(config, path.expanduser().absolute(), manifest, staging)
        if not check.ok:
            raise InvalidInput(
                f"the restored copy of {path} differs from its manifest "
                f"({'; '.join(check.count_differences) or 'schema differs'}); {target!r} untouched"
            )
        if exists:
            pg_programs.swap_databases(config, replacement=staging, target=target)
        else:
            pg_programs.rename_database(config, staging, target)
    except BaseException:
        pg_programs.drop_database(config, staging)
        raise
    return RestoreCheck(database=target, schema_matches=True, count_differences=[])
