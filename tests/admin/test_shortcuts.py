"""db_shortcuts.sh works when sourced from any directory."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL

from tests.conftest import REPO_ROOT

SHORTCUTS = REPO_ROOT / "db_shortcuts.sh"
COMMANDS = ("db-status", "db-quick-backup", "db-upgrade", "db-downgrade", "db-migrate",
            "db-validate", "db-optimize", "db-restore")  # fmt: skip


def in_bash(script: str, cwd: Path, url: URL, backups: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "SEARXNG_COOL_BACKUP_DIR": str(backups),
        "COLUMNS": "200",
    }
    return subprocess.run(
        ["bash", "-c", f"source {SHORTCUTS} && {script}"],
        cwd=cwd, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_sourcing_from_another_directory_defines_every_shortcut(
    db_url: URL, tmp_path: Path
) -> None:
    result = in_bash(
        "for c in " + " ".join(COMMANDS) + "; do type -t $c; done", tmp_path, db_url, tmp_path
    )
    assert result.stdout.split() == ["function"] * len(COMMANDS)


def test_quick_backup_then_status_and_validate_run_from_anywhere(
    db_url: URL, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    result = in_bash("db-quick-backup && db-status && db-validate", tmp_path, db_url, backups)
    assert result.returncode == 0, result.stdout + result.stderr
    made = list(backups.glob("db-*.dump"))
    assert len(made) == 1
    assert (backups / f"{made[0].name}.manifest.json").is_file()


def test_downgrade_without_a_revision_explains_itself(db_url: URL, tmp_path: Path) -> None:
    result = in_bash("db-downgrade", tmp_path, db_url, tmp_path)
    assert result.returncode == 1
    assert "usage: db-downgrade REVISION" in result.stderr
