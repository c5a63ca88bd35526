"""What Alembic's autogenerate compares, so `alembic check` reports real drift only.

Objects the models do not declare on purpose are left out: the materialized view and its
index (owned by `db/sql`), and the monthly partitions of partitioned tables.
"""

from __future__ import annotations

import re
from typing import Any

# Created by SQL files, not declared as models.
SQL_OWNED_OBJECTS = frozenset({"mv_track_popularity", "idx_mv_track_popularity_id"})
_PARTITION_NAME = re.compile(r"_p\d{4}_\d{2}$|_default$")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if name in SQL_OWNED_OBJECTS:
        return False
    return not (
        type_ == "table"
        and reflected
        and compare_to is None
        and name
        and _PARTITION_NAME.search(name)
    )
