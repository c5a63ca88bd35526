"""Accounts as the rest of the system sees them: register, look up, list.

Registration policy is the caller's configuration, passed in: `open_registration` lets
anyone register; otherwise only an admin (or the operator at the command line) may.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import Connection, RowMapping, text

from searxng_cool.accounts.users import create_user
from searxng_cool.errors import Forbidden, InvalidInput, NotFound

# The person at the command line, trusted as the database's operator.
OPERATOR: Literal["operator"] = "operator"
MAX_USER_ID = 2**31 - 1
_COLUMNS = "id, username, email, is_admin, created_at"


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    email: str
    is_admin: bool
    created_at: datetime


def _account(row: RowMapping) -> Account:
    return Account(
        id=int(row["id"]),
        username=str(row["username"]),
        email=str(row["email"]),
        is_admin=bool(row["is_admin"]),
        created_at=row["created_at"],
    )


def _may_register(
    by: Account | Literal["operator"] | None, *, is_admin: bool, open_registration: bool
) -> None:
    if by == OPERATOR or (isinstance(by, Account) and by.is_admin):
        return
    if is_admin:
        raise Forbidden("only an admin may create an admin account")
    if not open_registration:
        raise Forbidden("registration is closed: an admin must create the account")


def register_user(
    connection: Connection,
    *,
    username: str,
    email: str,
    password: str,
    is_admin: bool = False,
    by: Account | Literal["operator"] | None = None,
    open_registration: bool = False,
) -> Account:
    """Create an account with an argon2id password hash.

    `by` is who asks: None for an anonymous visitor, an Account, or OPERATOR for the
    command line. Forbidden unless `by` is an admin or the operator, or registration is
    open and no admin flag is asked for; Conflict when the name or e-mail is taken.
    """
    _may_register(by, is_admin=is_admin, open_registration=open_registration)
    user_id = create_user(connection, username=username, email=email, password=password)
    if is_admin:
        connection.execute(text("UPDATE users SET is_admin = true WHERE id = :id"), {"id": user_id})
    return get_account(connection, user=user_id)


def storable(value: str) -> bool:
    """True when PostgreSQL can hold `value` as text (no NUL, valid Unicode)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_user_id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_USER_ID:
        raise InvalidInput(
            f"user id {value!r} is not valid: a whole number from 1 to {MAX_USER_ID}"
        )
    return value


def get_account(connection: Connection, *, user: int | str) -> Account:
    """The account with this id (int) or user name (str); NotFound otherwise."""
    if isinstance(user, str):
        # A name PostgreSQL cannot hold (NUL, lone surrogates) names nobody.
        row = (
            connection.execute(
                text(f"SELECT {_COLUMNS} FROM users WHERE username = :name"), {"name": user}
            )
            .mappings()
            .one_or_none()
            if storable(user)
            else None
        )
        shown = f"user {user[:60]!r}"
    else:
        row = (
            connection.execute(
                text(f"SELECT {_COLUMNS} FROM users WHERE id = :id"), {"id": check_user_id(user)}
            )
            .mappings()
            .one_or_none()
        )
        shown = f"user id {user}"
    if row is None:
        raise NotFound(f"{shown} does not exist; `users list` shows the accounts")
    return _account(row)


def find_account(connection: Connection, *, ref: str) -> Account:
    """A user named on the command line: by name first, else by id when `ref` is digits."""
    try:
        return get_account(connection, user=ref)
    except NotFound:
        if not (ref.isascii() and ref.isdigit()) or int(ref) > MAX_USER_ID:
            raise
    return get_account(connection, user=int(ref))


def list_accounts(connection: Connection) -> list[Account]:
    """Every account, oldest first."""
    rows = connection.execute(text(f"SELECT {_COLUMNS} FROM users ORDER BY id")).mappings()
    return [_account(row) for row in rows]
