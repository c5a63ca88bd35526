"""Registration policy, lookups by name or id, and password changes."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from searxng_cool.accounts import (
    OPERATOR,
    change_password,
    find_account,
    get_account,
    list_accounts,
    login,
    register_user,
)
from searxng_cool.errors import Conflict, Forbidden, NotFound, Unauthenticated


def register(connection: Connection, name: str, **policy: object) -> object:
    return register_user(
        connection, username=name, email=f"{name}@example.org", password="correct horse", **policy
    )


def test_anonymous_registration_is_refused_unless_open(connection: Connection) -> None:
    with pytest.raises(Forbidden, match="registration is closed"):
        register(connection, "ana")
    made = register(connection, "ana", open_registration=True)
    assert made == get_account(connection, user="ana")


def test_only_an_admin_or_the_operator_makes_admins(connection: Connection) -> None:
    with pytest.raises(Forbidden, match="admin"):
        register(connection, "eve", is_admin=True, open_registration=True)
    root = register_user(
        connection,
        username="root",
        email="r@example.org",
        password="x" * 8,
        is_admin=True,
        by=OPERATOR,
    )
    assert root.is_admin
    made = register(connection, "bo", is_admin=True, by=root)
    assert get_account(connection, user=made.id).is_admin  # type: ignore[attr-defined]
    plain = register(connection, "cy", by=root)
    with pytest.raises(Forbidden):
        register(connection, "dee", by=plain)


def test_a_taken_name_is_a_conflict(connection: Connection) -> None:
    register(connection, "ana", by=OPERATOR)
    with pytest.raises(Conflict, match="ana"):
        register(connection, "ana", by=OPERATOR)


def test_accounts_are_found_by_name_or_id(connection: Connection) -> None:
    ana = register_user(
        connection, username="ana", email="ana@example.org", password="x" * 8, by=OPERATOR
    )
    digits = register_user(
        connection, username="12345", email="d@example.org", password="x" * 8, by=OPERATOR
    )
    assert get_account(connection, user=ana.id) == ana
    assert find_account(connection, ref=str(ana.id)) == ana
    assert find_account(connection, ref="12345") == digits  # a name wins over an id
    assert list_accounts(connection) == [ana, digits]
    for missing in ("nobody", "999999", "a\x00b", "\ud800"):
        with pytest.raises(NotFound):
            find_account(connection, ref=missing)


def test_changing_the_password_needs_the_old_one(connection: Connection) -> None:
    ana = register_user(
        connection, username="ana", email="ana@example.org", password="old password", by=OPERATOR
    )
    with pytest.raises(Forbidden):
        change_password(
            connection, user_id=ana.id, old_password="wrong one", new_password="new password"
        )
    change_password(
        connection, user_id=ana.id, old_password="old password", new_password="new password"
    )
    connection.commit()
    assert login(connection, login="ana", password="new password", client="10.0.0.1")
    with pytest.raises(Unauthenticated):
        login(connection, login="ana", password="old password", client="10.0.0.1")
