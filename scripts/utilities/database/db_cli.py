#!/usr/bin/env python3
"""The spec's management CLI path: a thin shim over `searxng-cool-db`."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "src"))

from searxng_cool.cli.main import run

if __name__ == "__main__":
    run()
