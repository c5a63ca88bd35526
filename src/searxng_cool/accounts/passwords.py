"""Passwords at login time: verify in constant work, rehash when parameters change."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from sqlalchemy import Connection, text

from searxng_cool.accounts.registry import storable
from searxng_cool.accounts.users import MAX_PASSWORD, hash_password, verify_password
from searxng_cool.errors import Forbidden, NotFound

# The parameters new hashes get; a stored hash made with others is replaced at next login.
HASHER = PasswordHasher()


@cache
def _decoy_hash() -> str:
    return HASHER.hash("a password nobody has")


def verify_or_waste(password_hash: str | None, password: str) -> bool:
    """Verify; with no account, spend the same work on a decoy, so timing tells nothing."""
    usable = len(password) <= MAX_PASSWORD and storable(password)
    # An imported listener's unusable hash would fail at once: that too costs the decoy's
    # work, so timing does not tell which accounts have no password.
    if password_hash is None or not usable or not password_hash.startswith("$argon2"):
        verify_password(_decoy_hash(), password if usable else "")
        return False
    return verify_password(password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return False


def store_password(connection: Connection, *, user_id: int, password: str) -> None:
    connection.execute(
        text("UPDATE users SET password_hash = :hash WHERE id = :id"),
        {"hash": hash_password(password), "id": user_id},
    )


def change_password(
    connection: Connection, *, user_id: int, old_password: str, new_password: str
) -> None:
    """Replace the password; Forbidden when `old_password` is not the current one."""
    stored = connection.execute(
        text("SELECT password_hash FROM users WHERE id = :id FOR UPDATE"), {"id": user_id}
    ).scalar_one_or_none()
    if stored is None:
        raise NotFound(f"user id {user_id} does not exist; `users list` shows the accounts")
    if not verify_password(str(stored), old_password):
        raise Forbidden("the current password is not correct; the password was not changed")
    store_password(connection, user_id=user_id, password=new_password)


def set_password(connection: Connection, *, user_id: int, new_password: str) -> None:
    """Give the account a new password without the old one (the operator's reset; also how
    an imported, password-less listener gets one). Its tokens keep working."""
    changed = connection.execute(
        text("UPDATE users SET password_hash = :hash WHERE id = :id RETURNING id"),
        {"hash": hash_password(new_password), "id": user_id},
    ).scalar_one_or_none()
    if changed is None:
        raise NotFound(f"user id {user_id} does not exist; `users list` shows the accounts")
