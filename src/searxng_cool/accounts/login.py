"""Login with a name or e-mail and a password; the answer is a token with an expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from searxng_cool.accounts import limiter, passwords
from searxng_cool.accounts.limiter import DEFAULT_LIMITS, LoginLimits
from searxng_cool.accounts.registry import storable
from searxng_cool.accounts.tokens import IssuedToken, create_token
from searxng_cool.errors import Unauthenticated

DEFAULT_TOKEN_TTL = timedelta(days=30)
LOGIN_TOKEN_LABEL = "login"
MAX_LOGIN = 255


def _find(connection: Connection, login: str) -> tuple[int, str] | None:
    if not 0 < len(login) <= MAX_LOGIN or not storable(login):
        return None
    # Names cannot hold '@', so a login matches a name or an address, never both.
    row = connection.execute(
        text(
            "SELECT id, password_hash FROM users"
            " WHERE (username = :login OR email = :login) AND is_active"
        ),
        {"login": login},
    ).one_or_none()
    return None if row is None else (int(row[0]), str(row[1]))


def login(
    connection: Connection,
    *,
    login: str,
    password: str,
    client: str,
    token_ttl: timedelta | None = DEFAULT_TOKEN_TTL,
    limits: LoginLimits = DEFAULT_LIMITS,
) -> IssuedToken:
    """A new token (expiring after `token_ttl`) for the account `login` names.

    `client` is the caller's address, for the per-address limit. Unauthenticated when the
    name/e-mail and password do not match an active account (the message is the same
    whether or not the account exists); RateLimited while the name or the address is
    locked out. A failure is counted in its own committed transaction (see `limiter`).
    """
    if not all(isinstance(value, str) for value in (login, password, client)):
        raise Unauthenticated("login, password and client must be text")
    limiter.check_not_locked(connection, login=login, client=client)
    found = _find(connection, login)
    if not passwords.verify_or_waste(found[1] if found else None, password) or found is None:
        limiter.record_failure(connection.engine, login=login, client=client, limits=limits)
        raise Unauthenticated(
            "the name or e-mail and the password do not match an account; check both"
        )
    user_id, stored = found
    limiter.forget_failures(connection.engine, login=login)
    if passwords.needs_rehash(stored):
        passwords.store_password(connection, user_id=user_id, password=password)
    # Each login makes a token; the user's expired ones go, so they do not pile up.
    connection.execute(
        text("DELETE FROM api_tokens WHERE user_id = :user_id AND expires_at <= now()"),
        {"user_id": user_id},
    )
    expires_at = None if token_ttl is None else datetime.now(UTC) + token_ttl
    return create_token(connection, user_id=user_id, label=LOGIN_TOKEN_LABEL, expires_at=expires_at)
