"""api tokens, the failed-login limiter, and the admin flag

Adds `api_tokens` (personal API tokens, stored as SHA-256 hashes), `login_failures`
(the limiter's shared state, per login name and per client address) and
`users.is_admin`. Adding a column with a constant default rewrites nothing, so `users`
is locked only for a moment. The downgrade drops all three.

Revision ID: 20261203_1940_api_tokens_limiter
Revises: 20261203_1923_playlist_total
Create Date: 2026-12-03 19:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from searxng_cool.db import sql

revision: str = "20261203_1940_api_tokens_limiter"
down_revision: str | Sequence[str] | None = "20261203_1923_playlist_total"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="1min"))
    op.create_table(
        "login_failures",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "scope IN ('user', 'client')", name=op.f("ck_login_failures_scope_known")
        ),
        sa.CheckConstraint("failures >= 0", name=op.f("ck_login_failures_failures_not_negative")),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_login_failures")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "token_hash ~ '^[0-9a-f]{64}$'", name=op.f("ck_api_tokens_token_hash_is_sha256_hex")
        ),
        sa.CheckConstraint(
            "expires_at IS NULL OR expires_at > created_at",
            name=op.f("ck_api_tokens_expires_after_made"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index("idx_api_tokens_user_id", "api_tokens", ["user_id"], unique=False)
    op.add_column(
        "users",
        sa.Column("is_admin", sa.Boolean(), server_default=sa.text("false"), nullable=False),
    )


def downgrade() -> None:
    op.execute(sql.revision_timeouts(lock_timeout="5s", statement_timeout="1min"))
    op.drop_column("users", "is_admin")
    op.drop_index("idx_api_tokens_user_id", table_name="api_tokens")
    op.drop_table("api_tokens")
    op.drop_table("login_failures")
