#!/usr/bin/env bash
# The spec's one-command development set-up, on a fresh machine:
#   creates .venv and installs the project, installs Debian's PostgreSQL + contrib if
#   absent, starts the embedded cluster (unless DATABASE_URL points elsewhere), creates
#   the roles and database, migrates to head and grants, loads generated demo data into the catalog
#   (idempotent: a second run changes nothing), refreshes popularity, and shows the
#   database's health and current revision.
set -euo pipefail
cd "$(dirname "$0")/../.."

make setup
CLI=(.venv/bin/python scripts/utilities/database/db_cli.py)

if [ -z "${DATABASE_URL:-}" ]; then
  "${CLI[@]}" db start
fi
"${CLI[@]}" init
"${CLI[@]}" demo --records "${DEMO_RECORDS:-5000}"
echo "loaded ${DEMO_RECORDS:-5000} generated demo records (source types demo_*);" \
  "remove them with: ${CLI[*]} demo --remove"
"${CLI[@]}" popularity refresh
# status exits 1 (warning) or 2 (critical) for monitoring; here it is shown, not fatal.
"${CLI[@]}" status || echo "status: exit $? (see the checks above)"
"${CLI[@]}" current
