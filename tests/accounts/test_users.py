"""Accounts: argon2id hashes, validation, and password-less imported listeners."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, text

from searxng_cool.accounts.users import (
    create_user,
    get_or_create_user,
    verify_password,
)
from searxng_cool.errors import Conflict, InvalidInput


def stored_hash(connection: Connection, user_id: int) -> str:
    return str(
        connection.execute(
            text("SELECT password_hash FROM users WHERE id = :id"), {"id": user_id}
        ).scalar_one()
    )


def test_a_created_user_has_an_argon2id_hash_that_verifies(connection: Connection) -> None:
    made = create_user(
        connection, username="ana", email="ana@example.org", password="correct horse"
    )
    hashed = stored_hash(connection, made)
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert verify_password(hashed, "correct horse")
    assert not verify_password(hashed, "wrong horse")


@pytest.mark.parametrize(
    ("username", "email", "password", "message"),
    [
        ("", "a@example.org", "12345678", "username '' is not valid"),
        ("has space", "a@example.org", "12345678", "username 'has space' is not valid"),
        ("x" * 51, "a@example.org", "12345678", "is not valid: 1-50 characters"),
        ("ok", "not-an-email", "12345678", "email 'not-an-email' is not valid"),
        ("ok", "a@b.c" + "c" * 260, "12345678", "at most 255 characters"),
        ("ok", "a@example.org", "short", "password must be text of 8 to 1024"),
        ("ok", "a\x00@example.org", "12345678", "@example.org' is not valid"),
        ("ok", "\ud800@example.org", "12345678", "is not valid"),
        ("ok", "a@example.org", "1234567\ud800", "not valid Unicode"),
    ],
)
def test_bad_account_details_are_refused_clearly_and_nothing_is_written(
    connection: Connection, username: str, email: str, password: str, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        create_user(connection, username=username, email=email, password=password)
    assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() == 0


def test_a_taken_username_or_email_is_a_conflict(connection: Connection) -> None:
    create_user(connection, username="cat", email="cat@example.org", password="12345678")
    with pytest.raises(Conflict, match="username 'cat' is already taken"):
        create_user(connection, username="cat", email="other@example.org", password="12345678")
    with pytest.raises(Conflict, match=r"email 'cat@example\.org' is already taken"):
        create_user(connection, username="dog", email="cat@example.org", password="12345678")


def test_an_imported_listener_gets_a_placeholder_email_and_a_hash_that_never_verifies(
    connection: Connection,
) -> None:
    made = get_or_create_user(connection, username="RJ")
    email, hashed = connection.execute(
        text("SELECT email, password_hash FROM users WHERE id = :id"), {"id": made}
    ).one()
    assert email == "rj@users.invalid"
    for guess in ("", hashed, "!unusable:", "password"):
        assert not verify_password(hashed, guess)


def test_get_or_create_returns_the_same_user_every_time(connection: Connection) -> None:
    first = get_or_create_user(connection, username="listener")
    assert get_or_create_user(connection, username="listener") == first
    existing = create_user(connection, username="eve", email="eve@example.org", password="12345678")
    assert get_or_create_user(connection, username="eve") == existing
    assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() == 2


def test_two_imported_listeners_get_different_unusable_hashes(connection: Connection) -> None:
    a = get_or_create_user(connection, username="a1")
    b = get_or_create_user(connection, username="b1")
    assert stored_hash(connection, a) != stored_hash(connection, b)


def test_verify_password_is_false_for_garbage_hashes() -> None:
    assert not verify_password("not a hash", "whatever")
    assert not verify_password("$argon2id$v=19$m=1,t=1,p=1$broken", "whatever")


hostile = st.one_of(
    st.text(max_size=80),
    st.integers(50, 5000).map(lambda n: "ü" * n),
    st.none(),
    st.integers(),
    st.binary(max_size=20),
    st.just("a\x00b"),
    st.just("\ud800"),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(username=hostile, email=hostile, password=hostile)
def test_hostile_account_details_are_created_or_refused_never_a_crash(
    connection: Connection, username: object, email: object, password: object
) -> None:
    with connection.begin_nested() as savepoint:
        refusal: InvalidInput | None = None
        try:
            made = create_user(connection, username=username, email=email, password=password)  # type: ignore[arg-type]
        except InvalidInput as exc:
            refusal = exc
        if refusal is not None:
            assert "not valid" in str(refusal) or "password must be" in str(refusal)
            assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() == 0
        else:
            assert verify_password(stored_hash(connection, made), password)  # type: ignore[arg-type]
        savepoint.rollback()
