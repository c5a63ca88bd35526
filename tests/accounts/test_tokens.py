"""Personal API tokens: shown once, stored as a hash, expiring, revoked at once."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, text

from searxng_cool.accounts import (
    OPERATOR,
    Account,
    authenticate_token,
    create_token,
    list_tokens,
    register_user,
    revoke_token,
)
from searxng_cool.errors import InvalidInput, NotFound, Unauthenticated


def make_account(connection: Connection, name: str = "ana", *, is_admin: bool = False) -> Account:
    return register_user(
        connection,
        username=name,
        email=f"{name}@example.org",
        password="correct horse",
        is_admin=is_admin,
        by=OPERATOR,
    )


def test_a_token_is_long_random_and_stored_only_as_its_sha256(connection: Connection) -> None:
    ana = make_account(connection)
    issued = create_token(connection, user_id=ana.id, label="scrobbler")
    assert len(issued.token) >= 43  # 32 bytes in URL-safe base64, after the prefix
    stored = connection.execute(text("SELECT token_hash FROM api_tokens")).scalar_one()
    assert stored == hashlib.sha256(issued.token.encode()).hexdigest()
    dumped = connection.execute(text("SELECT to_jsonb(t)::text FROM api_tokens t")).scalar_one()
    assert issued.token not in dumped
    assert create_token(connection, user_id=ana.id).token != issued.token


def test_a_token_authenticates_its_owner_and_records_its_use(connection: Connection) -> None:
    ana = make_account(connection)
    issued = create_token(connection, user_id=ana.id, label="phone")
    assert authenticate_token(connection, token=issued.token) == ana
    [info] = list_tokens(connection, user_id=ana.id)
    assert (info.id, info.label) == (issued.id, "phone")
    assert info.last_used_at is not None


def test_a_revoked_token_is_refused_on_the_next_request(connection: Connection) -> None:
    ana = make_account(connection)
    issued = create_token(connection, user_id=ana.id)
    authenticate_token(connection, token=issued.token)
    revoke_token(connection, user_id=ana.id, token_id=issued.id)
    with pytest.raises(Unauthenticated):
        authenticate_token(connection, token=issued.token)
    assert list_tokens(connection, user_id=ana.id) == []


def test_an_expired_token_is_refused(connection: Connection) -> None:
    ana = make_account(connection)
    issued = create_token(
        connection, user_id=ana.id, expires_at=datetime.now(UTC) + timedelta(hours=1)
    )
    connection.execute(
        text(
            "UPDATE api_tokens SET created_at = now() - interval '2 days',"
            " expires_at = now() - interval '1 second'"
        )
    )
    with pytest.raises(Unauthenticated):
        authenticate_token(connection, token=issued.token)


def test_a_token_of_a_deactivated_user_is_refused(connection: Connection) -> None:
    ana = make_account(connection)
    issued = create_token(connection, user_id=ana.id)
    connection.execute(text("UPDATE users SET is_active = false"))
    with pytest.raises(Unauthenticated):
        authenticate_token(connection, token=issued.token)


@pytest.mark.parametrize("token", ["", "sxc_nope", "x" * 10_000, "s\x00c", "\ud800", "é"])
def test_unknown_or_malformed_tokens_are_refused_alike(connection: Connection, token: str) -> None:
    make_account(connection)
    with pytest.raises(Unauthenticated, match="unknown, revoked or expired"):
        authenticate_token(connection, token=token)


def test_nobody_revokes_another_users_token(connection: Connection) -> None:
    ana, ben = make_account(connection, "ana"), make_account(connection, "ben")
    issued = create_token(connection, user_id=ana.id)
    with pytest.raises(NotFound):
        revoke_token(connection, user_id=ben.id, token_id=issued.id)
    assert authenticate_token(connection, token=issued.token) == ana


def test_an_expiry_in_the_past_is_refused(connection: Connection) -> None:
    ana = make_account(connection)
    with pytest.raises(InvalidInput, match="in the past"):
        create_token(connection, user_id=ana.id, expires_at=datetime.now(UTC) - timedelta(days=1))


@pytest.mark.parametrize("label", ["", "   ", "x" * 101, "a\nb", "a\x00b"])
def test_bad_labels_are_refused(connection: Connection, label: str) -> None:
    ana = make_account(connection)
    with pytest.raises(InvalidInput, match="label"):
        create_token(connection, user_id=ana.id, label=label)


def test_tokens_for_a_missing_user_are_not_found(connection: Connection) -> None:
    with pytest.raises(NotFound):
        create_token(connection, user_id=999_999)
