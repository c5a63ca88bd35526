"""Declarative base with a naming convention, so every constraint has a stable name."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, FetchedValue, MetaData, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql.elements import conv

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UUID_PATTERN = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dict[str, Any]: JSONB,
        list[Any]: JSONB,
        datetime: DateTime(timezone=True),
    }


def created_at_column() -> Mapped[datetime]:
    return mapped_column(server_default=func.now())


def updated_at_column() -> Mapped[datetime]:
    """Kept current by the `update_updated_at_column()` trigger, so the ORM re-reads it."""
    return mapped_column(server_default=func.now(), server_onupdate=FetchedValue())


def spec_check(name: str, sql: str) -> CheckConstraint:
    """A CHECK constraint whose name the spec gives verbatim (outside the naming convention)."""
    return CheckConstraint(sql, name=conv(name))


def not_blank(column: str) -> CheckConstraint:
    return CheckConstraint(f"btrim({column}) <> ''", name=f"{column}_not_blank")


def jsonb_is(column: str, kind: str, *, nullable: bool = False) -> CheckConstraint:
    condition = f"jsonb_typeof({column}) = '{kind}'"
    if nullable:
        condition = f"{column} IS NULL OR {condition}"
    return CheckConstraint(condition, name=f"{column}_is_{kind}")


def musicbrainz_id_format() -> CheckConstraint:
    return CheckConstraint(f"musicbrainz_id ~ '{UUID_PATTERN}'", name="musicbrainz_id_is_uuid")


def popularity_range() -> CheckConstraint:
    return CheckConstraint("popularity >= 0 AND popularity <= 100", name="popularity_range")


def one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    listed = ", ".join(f"'{value}'" for value in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)
