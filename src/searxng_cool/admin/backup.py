"""`backup FILE`: pg_dump -Fc, verified, with a manifest beside it.

The dump is written to a hidden `.partial` file, read back with `pg_restore --list`, and
only then renamed to FILE; the manifest (`FILE.manifest.json`) is written last, the same
way. So a failing pg_dump, a full disk or an unwritable directory leaves nothing that
claims to be a backup. Row counts are taken in the very snapshot pg_dump uses
(`pg_export_snapshot()` + `pg_dump --snapshot`), so they match the dump exactly even while
the application keeps writing.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from psycopg import sql as pgsql
from sqlalchemy import Connection, pool, text

from searxng_cool.admin import migrations, pg_programs
from searxng_cool.config import DatabaseConfig
from searxng_cool.db.engine import make_engine, resolve_url
from searxng_cool.errors import Conflict, EnvironmentProblem, InvalidInput

MANIFEST_FORMAT = "searxng-cool-backup/1"
CUSTOM_FORMAT_MAGIC = b"PGDMP"
Progress = Callable[[int, int, str], None]

# Everything that makes up the schema, as text, in a stable order: two databases with
# the same fingerprint have the same tables, columns, indexes, constraints, views,
# triggers and functions. Constraints are described by kind and columns, not by their
# deparsed text, which PostgreSQL prints differently after a dump and restore.
_SCHEMA_DESCRIPTION = """
SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
       || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'm', 'v') AND a.attnum > 0
   AND NOT a.attisdropped
UNION ALL
SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
UNION ALL
SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || contype::text || ' '
       || coalesce(conkey::text, '') || ' ' || confrelid::regclass::text
       || CASE WHEN convalidated THEN '' ELSE ' (not valid)' END
  FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL
SELECT 'view ' || c.relname || ' ' || pg_get_viewdef(c.oid)
  FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
UNION ALL
SELECT 'function ' || p.oid::regprocedure::text FROM pg_proc p
 WHERE p.pronamespace = 'public'::regnamespace
UNION ALL
SELECT 'extension ' || extname FROM pg_extension
ORDER BY 1
"""
# Partitions are counted through their parent, so each row is counted once. Materialized
# views are derived data: pg_restore refreshes them from the restored tables, so their row
# counts may rightly differ from a stale original.
_TABLES = """
SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
   AND c.relkind IN ('r', 'p') AND NOT c.relispartition
 ORDER BY 1
"""
# What pg_dump writes data for: every plain table, partitions included (a partitioned
# parent holds no rows of its own). The progress bar counts these.
_DUMPED_TABLES = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
   AND c.relkind = 'r'
"""


@dataclass(frozen=True)
class Manifest:
    format: str
    file: str
    sha256: str
    bytes: int
    created_at: str
    database: str
    server_version: str
    alembic_revision: str | None
    schema_sha256: str
    tables: dict[str, int]

    @staticmethod
    def path_for(dump: Path) -> Path:
        return dump.with_name(dump.name + ".manifest.json")

    @classmethod
    def read(cls, dump: Path) -> Manifest:
        path = cls.path_for(dump)
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**raw)
        except FileNotFoundError:
            raise InvalidInput(
                f"{dump} has no manifest ({path.name}): it was not made by `backup`; refusing"
            ) from None
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"{path} is not a backup manifest ({exc}); refusing") from exc
        if manifest.format != MANIFEST_FORMAT:
            raise InvalidInput(
                f"{path} has format {manifest.format!r}, expected {MANIFEST_FORMAT!r}; refusing"
            )
        return manifest


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest_path: Path
    manifest: Manifest


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def schema_fingerprint(connection: Connection) -> str:
    lines = connection.execute(text(_SCHEMA_DESCRIPTION)).scalars().all()
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def row_counts(connection: Connection) -> dict[str, int]:
    """Exact rows per table (partitions through their parent), keyed by regclass name."""
    counts: dict[str, int] = {}
    for table in connection.execute(text(_TABLES)).scalars():
        query = pgsql.SQL("SELECT count(*) FROM {}").format(pgsql.SQL(table))
        counts[table] = int(connection.exec_driver_sql(query.as_string()).scalar_one())
    return counts


def _check_destination(path: Path, force: bool) -> None:
    if path.exists() and not force:
        raise Conflict(f"{path} already exists; use --force to overwrite it")
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory; give a file name")
    if not path.parent.is_dir():
        raise InvalidInput(f"directory {path.parent} does not exist; create it first")
    if not os.access(path.parent, os.W_OK):
        raise EnvironmentProblem(f"directory {path.parent} is not writable")


def list_archive(path: Path, *, major: str, hint: Path | None) -> list[str]:
    """`pg_restore --list`: reads the whole table of contents or fails."""
    with path.open("rb") as handle:
        if handle.read(len(CUSTOM_FORMAT_MAGIC)) != CUSTOM_FORMAT_MAGIC:
            raise InvalidInput(f"{path} is not a pg_dump custom-format archive; refusing")
    argv = [str(pg_programs.program("pg_restore", major=major, hint=hint)), "--list", str(path)]
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["unreadable"])[-1]
        raise InvalidInput(f"{path} is not a readable archive: {reason}; refusing")
    return result.stdout.splitlines()


def _dump(
    config: DatabaseConfig,
    partial: Path,
    *,
    snapshot: str,
    major: str,
    total: int,
    progress: Progress | None,
) -> None:
    target, env = pg_programs.libpq_target(resolve_url(config))
    dumped = 0

    def on_line(line: str) -> None:
        nonlocal dumped
        if "dumping contents of table" in line and progress is not None:
            dumped += 1
            progress(dumped, total, line.rsplit(" ", 1)[-1].strip('"'))

    argv = [
        str(pg_programs.program("pg_dump", major=major, hint=config.pg_bindir)),
        "--format=custom",
        "--verbose",
        f"--snapshot={snapshot}",
        f"--file={partial}",
        f"--dbname={target}",
    ]
    pg_programs.run_program(argv, env=env, on_line=on_line)


def _describe_and_dump(
    config: DatabaseConfig, partial: Path, path: Path, progress: Progress | None
) -> tuple[Manifest, str]:
    """Count and describe in one exported snapshot, dump that snapshot; (manifest, major)."""
    engine = make_engine(config, poolclass=pool.NullPool, isolation_level="REPEATABLE READ")
    try:
        with engine.connect() as conn:
            snapshot = str(conn.execute(text("SELECT pg_export_snapshot()")).scalar_one())
            major = pg_programs.server_major(conn)
            counts = row_counts(conn)
            described = {
                "database": str(conn.execute(text("SELECT current_database()")).scalar_one()),
                "server_version": str(conn.execute(text("SHOW server_version")).scalar_one()),
                "schema_sha256": schema_fingerprint(conn),
            }
            revision = next(iter(migrations.current(conn)), None)
            _dump(
                config,
                partial,
                snapshot=snapshot,
                major=major,
                total=int(conn.execute(text(_DUMPED_TABLES)).scalar_one()),
                progress=progress,
            )
    finally:
        engine.dispose()
    manifest = Manifest(
        format=MANIFEST_FORMAT,
        file=path.name,
        sha256="",
        bytes=0,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        tables=counts,
        alembic_revision=revision,
        **described,
    )
    return manifest, major


PRIVATE_FILE = 0o600
PRIVATE_DIRECTORY = 0o700


def _private_file(path: Path) -> IO[str]:
    """A new file only its owner can read (whatever the umask), open for writing text."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    os.fchmod(descriptor, PRIVATE_FILE)
    return os.fdopen(descriptor, "w", encoding="utf-8")


def private_directory(path: Path) -> None:
    """Make `path` (and parents) if missing; a directory made here is owner-only (0700)."""
    if not path.is_dir():
        path.mkdir(parents=True, mode=PRIVATE_DIRECTORY)
        path.chmod(PRIVATE_DIRECTORY)


def create_backup(
    *, config: DatabaseConfig, path: Path, force: bool = False, progress: Progress | None = None
) -> BackupResult:
    """Dump the configured database to `path`, verify it, and write its manifest."""
    path = path.expanduser().absolute()
    _check_destination(path, force)
    partial = path.with_name(f".{path.name}.partial")
    manifest_partial = partial.with_name(partial.name + ".manifest")
    manifest_path = Manifest.path_for(path)
    try:
        # Owner-only from the first byte: a dump holds password hashes and e-mail addresses.
        # pg_dump writes into the file made here, which keeps its mode.
        _private_file(partial).close()
        described, major = _describe_and_dump(config, partial, path, progress)
        list_archive(partial, major=major, hint=config.pg_bindir)
        manifest = replace(described, sha256=sha256_of(partial), bytes=partial.stat().st_size)
        with _private_file(manifest_partial) as handle:
            handle.write(json.dumps(asdict(manifest), indent=2) + "\n")
        # The dump takes its name only now, after it read back whole; the manifest last.
        os.replace(partial, path)
        os.replace(manifest_partial, manifest_path)
    except OSError as exc:
        raise EnvironmentProblem(f"cannot write the backup {path}: {exc.strerror}") from exc
    finally:
        for leftover in (partial, manifest_partial):
            if leftover.is_file():
                leftover.unlink()
    return BackupResult(path=path, manifest_path=manifest_path, manifest=manifest)
