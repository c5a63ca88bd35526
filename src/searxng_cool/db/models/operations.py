"""What the operations tools remember: maintenance events and size samples.

PostgreSQL does not record when a materialized view was last refreshed, nor how big a
table was yesterday; these two small tables do, so `status` can show both.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from searxng_cool.db.models.base import Base, created_at_column, jsonb_is, not_blank


class MaintenanceEvent(Base):
    """One maintenance action done (a view refreshed, a table vacuumed, an index rebuilt)."""

    __tablename__ = "maintenance_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(255))
    detail: Mapped[dict[str, Any]] = mapped_column(server_default=text("'{}'::jsonb"))
    happened_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        not_blank("action"),
        not_blank("subject"),
        jsonb_is("detail", "object"),
        Index("idx_maintenance_events_lookup", "action", "subject", "happened_at"),
    )


class SizeSample(Base):
    """The size of the database or of one table at one moment, for growth figures."""

    __tablename__ = "size_samples"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    relation: Mapped[str] = mapped_column(String(255))
    total_bytes: Mapped[int] = mapped_column(BigInteger)
    sampled_at: Mapped[datetime] = created_at_column()

    __table_args__ = (
        not_blank("relation"),
        Index("idx_size_samples_relation", "relation", "sampled_at"),
    )
