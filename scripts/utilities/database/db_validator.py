#!/usr/bin/env python3
"""The spec's validation suite path: a thin shim over `searxng-cool-db validate`.

Example: python scripts/utilities/database/db_validator.py --json
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))

from searxng_cool.cli.main import app

if __name__ == "__main__":
    app(args=["validate", *sys.argv[1:]], prog_name="db_validator.py")
