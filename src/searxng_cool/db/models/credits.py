"""Who else is credited on a track: featured artists parsed out of titles and artist strings."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from searxng_cool.db.models.base import Base

CREDIT_ROLES = ("featured",)


class TrackCredit(Base):
    """One artist credited on a track besides its main artist (`tracks.artist_id`)."""

    __tablename__ = "track_credits"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    artist_id: Mapped[int] = mapped_column(
        ForeignKey("artists.id", ondelete="RESTRICT"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    # The spelling the source used, e.g. "Justin Bieber" out of "I Don't Care (with Justin Bieber)".
    credited_as: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("role IN ('featured')", name="role_known"),
        Index("idx_track_credits_artist_id", "artist_id"),
    )
