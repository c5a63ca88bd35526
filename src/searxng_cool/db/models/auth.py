"""What authentication remembers: personal API tokens and the failed-login limiter's state.

A token is stored only as the SHA-256 of its text: tokens are 32 random bytes, so a fast
hash is enough (nothing to brute-force), and a leaked table yields no usable token.
The limiter's state lives here, not in a process, so every worker and the CLI share it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from searxng_cool.db.models.base import Base, created_at_column, one_of

LIMITER_SCOPES = ("user", "client")


class ApiToken(Base):
    """A personal API token; revoking deletes the row, so it stops working at once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]

    __table_args__ = (
        CheckConstraint("token_hash ~ '^[0-9a-f]{64}$'", name="token_hash_is_sha256_hex"),
        CheckConstraint("expires_at IS NULL OR expires_at > created_at", name="expires_after_made"),
        Index("idx_api_tokens_user_id", "user_id"),
    )


class LoginFailure(Base):
    """Failed logins counted per login name (`user`) and per client address (`client`).

    The key is what was typed, not a user id, so an unknown name is limited exactly like a
    known one and the limiter never tells which names exist.
    """

    __tablename__ = "login_failures"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]

    __table_args__ = (
        one_of("scope", LIMITER_SCOPES, "scope_known"),
        CheckConstraint("failures >= 0", name="failures_not_negative"),
    )
