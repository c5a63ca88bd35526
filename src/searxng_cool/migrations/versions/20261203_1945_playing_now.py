"""playing_now: what each listener is playing right now, with an expiry

ListenBrainz's `playing_now` submissions are not plays: one row per user, replaced by the
next one and ignored after `expires_at`. Downgrade drops the table.

Revision ID: 20261203_1945_playing_now
Revises: 20261203_1941_definer_functions
Create Date: 2026-12-03 19:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from searxng_cool.db import sql

revision: str = "20261203_1945_playing_now"
down_revision: str | Sequence[str] | None = "20261203_1941_definer_functions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s"))
    op.create_table(
        "playing_now",
        sa.Column("user_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column(
            "track_metadata",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column(
            "started_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "jsonb_typeof(track_metadata) = 'object'",
            name=op.f("ck_playing_now_track_metadata_is_object"),
        ),
        sa.CheckConstraint(
            "expires_at > started_at", name=op.f("ck_playing_now_expires_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_playing_now_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_playing_now")),
    )


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s"))
    op.drop_table("playing_now")
