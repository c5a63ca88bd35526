"""The spec's `DatabaseManager().test_connection()` one-liner, over the project's config."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))

from searxng_cool.admin.connectivity import test_connection
from searxng_cool.config import load_settings


class DatabaseManager:
    """Connects with the configured URL (DATABASE_URL or the embedded cluster)."""

    def test_connection(self) -> bool:
        """True when a `SELECT 1` succeeds; False (with the reason on stderr) otherwise."""
        return test_connection(load_settings().database)
