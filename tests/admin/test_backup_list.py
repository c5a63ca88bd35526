"""The backups page's listing: manifests read, presence by size, checksum only on request."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from searxng_cool.admin.backup import MANIFEST_FORMAT
from searxng_cool.admin.backup_list import list_backups


def _backup(folder: Path, name: str, content: bytes, created_at: str) -> None:
    (folder / name).write_bytes(content)
    manifest = {
        "format": MANIFEST_FORMAT,
        "file": name,
        "sha256": hashlib.sha256(b"original").hexdigest(),
        "bytes": len(content),
        "created_at": created_at,
        "database": "music",
        "server_version": "15",
        "alembic_revision": "head1",
        "schema_sha256": "x",
        "tables": {"tracks": 3, "artists": 2},
    }
    (folder / f"{name}.manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_backups_are_listed_newest_first_and_verified_only_on_request(tmp_path: Path) -> None:
    _backup(tmp_path, "old.dump", b"original", "2026-11-01T10:00:00+00:00")
    _backup(tmp_path, "new.dump", b"tampered", "2026-12-01T10:00:00+00:00")
    listed = list_backups(tmp_path)
    checked = {b.file: b.verified for b in list_backups(tmp_path, verify="new.dump")}
    assert [(b.file, b.rows, b.present, b.verified) for b in listed] == [
        ("new.dump", 5, True, None),
        ("old.dump", 5, True, None),
    ]
    assert checked == {"new.dump": False, "old.dump": None}
    assert list_backups(tmp_path, verify="old.dump")[1].verified is True


def test_a_missing_folder_lists_nothing(tmp_path: Path) -> None:
    assert list_backups(tmp_path / "absent") == []
