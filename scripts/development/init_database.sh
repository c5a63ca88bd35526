#!/usr/bin/env bash
# The spec's one-command development set-up, on a fresh machine:
#   creates .venv and installs the project, installs Debian's PostgreSQL + contrib if
#   absent, starts the embedded cluster (unless DATABASE_URL points elsewhere), creates
#   the role and database, migrates to head, and prints the current revision.
set -euo pipefail
cd "$(dirname "$0")/../.."

make setup
CLI=(.venv/bin/python scripts/utilities/database/db_cli.py)

if [ -z "${DATABASE_URL:-}" ]; then
  "${CLI[@]}" db start
fi
"${CLI[@]}" init
"${CLI[@]}" current
