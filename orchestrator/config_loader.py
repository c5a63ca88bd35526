"""`load_config()` as the spec's troubleshooting one-liner uses it.

    python -c "from orchestrator.config_loader import load_config; print(load_config()['DATABASE'])"

Returns the interpolated file with every section validated; passwords are redacted
whenever a section is printed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from searxng_cool.config import load_raw, load_settings


def load_config() -> dict[str, Any]:
    load_settings()  # validate every value first: a bad URL fails here with one clear line
    return load_raw()
