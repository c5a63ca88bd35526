"""The backups in a folder, from their manifests (for the operator's backups page).

A backup is listed when `FILE.manifest.json` is there; `present` says whether FILE is
beside it with the manifest's size, `verified` (only when asked: it reads the whole dump)
whether its SHA-256 matches the manifest's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from searxng_cool.admin.backup import Manifest, sha256_of
from searxng_cool.errors import InvalidInput

MANIFEST_SUFFIX = ".manifest.json"
MAX_LISTED = 200


@dataclass(frozen=True)
class BackupListing:
    file: str
    created_at: str
    bytes: int
    database: str
    alembic_revision: str | None
    rows: int
    present: bool
    verified: bool | None
    problem: str | None = None


def list_backups(folder: Path, *, verify: str | None = None) -> list[BackupListing]:
    """Backups in `folder`, newest first; `verify` names one dump whose checksum to check."""
    if not folder.is_dir():
        return []
    found = []
    manifests = sorted(folder.glob(f"*{MANIFEST_SUFFIX}"), reverse=True)[:MAX_LISTED]
    for path in manifests:
        dump = path.with_name(path.name.removesuffix(MANIFEST_SUFFIX))
        try:
            manifest = Manifest.read(dump)
        except InvalidInput as bad:
            found.append(BackupListing(dump.name, "", 0, "", None, 0, False, None, str(bad)))
            continue
        present = dump.is_file() and dump.stat().st_size == manifest.bytes
        verified = None
        if verify == dump.name:
            verified = present and sha256_of(dump) == manifest.sha256
        found.append(
            BackupListing(
                file=dump.name,
                created_at=manifest.created_at,
                bytes=manifest.bytes,
                database=manifest.database,
                alembic_revision=manifest.alembic_revision,
                rows=sum(manifest.tables.values()),
                present=present,
                verified=verified,
            )
        )
    return sorted(found, key=lambda b: b.created_at, reverse=True)
