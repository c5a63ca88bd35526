"""SQL that PostgreSQL must own (functions, triggers, views), loaded by migrations.

Files are versioned by name (`*_v1.sql`): a migration that loads a file keeps meaning the
same thing forever; a change to the object is a new file and a new migration.
"""

from importlib.resources import files


def load(name: str) -> str:
    """The text of `db/sql/<name>.sql`."""
    return (files(__package__) / f"{name}.sql").read_text(encoding="utf-8")
