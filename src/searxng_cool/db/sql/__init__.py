"""SQL that PostgreSQL must own (functions, triggers, views), loaded by migrations, and the
statement with which a revision sets its timeouts (`revision_timeouts`).

Files are versioned by name (`*_v1.sql`): a migration that loads a file keeps meaning the
same thing forever; a change to the object is a new file and a new migration.
"""

import re
from importlib.resources import files


def load(name: str) -> str:
    """The text of `db/sql/<name>.sql`."""
    return (files(__package__) / f"{name}.sql").read_text(encoding="utf-8")


# Set (to "on") by the gated upgrade/downgrade runner together with its own lock_timeout and
# statement_timeout: the operator's configured timeouts are then authoritative.
RUNNER_TIMEOUTS_SETTING = "searxng_cool.runner_timeouts"
_DURATION = re.compile(r"^\d+\s*(?:ms|s|min|h)?$")


def revision_timeouts(*, lock_timeout: str, statement_timeout: str | None = None) -> str:
    """The statement a revision starts with to bound its waits, e.g. `lock_timeout="5s"`.

    The values apply (transaction-local, like SET LOCAL) only when no runner set its own:
    under the gated `upgrade`/`downgrade` the configured OPERATIONS.LOCK_TIMEOUT_MS and
    STATEMENT_TIMEOUT_MS (or --lock-timeout-ms / --statement-timeout-ms) win; under
    `alembic upgrade`, `flask db upgrade` or `init` the revision's values do. A plain
    `SET lock_timeout` in a revision would override the operator, so the lint flags it.
    The text returned is part of every revision that calls this: change it only compatibly.
    """
    settings = {"lock_timeout": lock_timeout, "statement_timeout": statement_timeout}
    chosen = {name: value for name, value in settings.items() if value is not None}
    for name, value in chosen.items():
        if not _DURATION.match(value):
            raise ValueError(f"{name} {value!r} is not a duration such as '5s' or '15min'")
    calls = ", ".join(f"set_config('{name}', '{value}', true)" for name, value in chosen.items())
    return (
        f"SELECT {calls} WHERE current_setting('{RUNNER_TIMEOUTS_SETTING}', true)"
        " IS DISTINCT FROM 'on'"
    )
