# SearXNG-Cool database shortcuts. Load them with:  source db_shortcuts.sh
# They work from any directory: every command runs against this checkout's CLI, honours
# DATABASE_URL (unset = the embedded cluster), and returns the CLI's exit code.
# Backups go to $SEARXNG_COOL_BACKUP_DIR, default backups/ in this checkout.
#
#   db-status                 health in one screen (exit 0 ok, 1 warning, 2 critical)
#   db-quick-backup           verified backup to backups/db-<UTC time>.dump
#   db-upgrade [REV]          gated upgrade (verified backup first) to head or REV
#   db-downgrade REV          gated downgrade to REV (-1, a revision id, or base)
#   db-migrate "message"      generate a revision from the models, then lint it
#   db-validate [--json]      the six-group validation suite
#   db-optimize [--dry-run]   VACUUM/REINDEX/REFRESH only where needed
#   db-restore FILE [--yes]   restore a backup (checksum checked first)

SEARXNG_COOL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")" && pwd)"
export SEARXNG_COOL_ROOT

_searxng_cool_python() {
    if [ -x "$SEARXNG_COOL_ROOT/.venv/bin/python" ]; then
        echo "$SEARXNG_COOL_ROOT/.venv/bin/python"
    else
        echo python3
    fi
}

_searxng_cool_cli() {
    "$(_searxng_cool_python)" "$SEARXNG_COOL_ROOT/scripts/utilities/database/db_cli.py" "$@"
}

db-status() { _searxng_cool_cli status "$@"; }

_searxng_cool_backups() { echo "${SEARXNG_COOL_BACKUP_DIR:-$SEARXNG_COOL_ROOT/backups}"; }

db-quick-backup() {
    mkdir -p -m 700 "$(_searxng_cool_backups)" || return 1
    _searxng_cool_cli backup "$(_searxng_cool_backups)/db-$(date -u +%Y%m%dT%H%M%SZ).dump" "$@"
}

db-upgrade() { _searxng_cool_cli upgrade --backup-dir "$(_searxng_cool_backups)" "$@"; }

db-downgrade() {
    if [ $# -eq 0 ]; then
        echo "usage: db-downgrade REVISION   (e.g. -1, a revision id, or base)" >&2
        return 1
    fi
    _searxng_cool_cli downgrade --backup-dir "$(_searxng_cool_backups)" "$@"
}

db-migrate() { _searxng_cool_cli migrate -m "$@"; }

db-validate() {
    "$(_searxng_cool_python)" "$SEARXNG_COOL_ROOT/scripts/utilities/database/db_validator.py" "$@"
}

db-optimize() { _searxng_cool_cli optimize "$@"; }

db-restore() { _searxng_cool_cli restore "$@"; }
