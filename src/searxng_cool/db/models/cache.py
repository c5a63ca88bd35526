"""The catalog's version: one row, bumped by every statement that changes the catalog.

Cached reads (search results, entity pages) are keyed by this number, so an entry made
before a change is never found after it: the change and the bump commit together, and a
reader that sees the new version also sees the new rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, SmallInteger, text
from sqlalchemy.orm import Mapped, mapped_column

from searxng_cool.db.models.base import Base, created_at_column

# The tables whose content search and entity reads show; a statement on any bumps the version.
CATALOG_TABLES = (
    "artists",
    "albums",
    "tracks",
    "track_credits",
    "artist_sources",
    "album_sources",
    "track_sources",
)


class CatalogVersion(Base):
    """The single row holding the catalog's version."""

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default=text("1"))
    version: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    changed_at: Mapped[datetime] = created_at_column()

    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)
