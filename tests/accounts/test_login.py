"""Login by name or e-mail, argon2id rehash, and the failed-login limiter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, text

from searxng_cool.accounts import (
    OPERATOR,
    LoginLimits,
    authenticate_token,
    login,
    register_user,
)
from searxng_cool.errors import RateLimited, Unauthenticated

TIGHT = LoginLimits(per_user=3, per_client=5, window=timedelta(minutes=5))


@pytest.fixture
def ana(connection: Connection) -> int:
    made = register_user(
        connection, username="ana", email="ana@example.org", password="correct horse", by=OPERATOR
    )
    connection.commit()
    return made.id


def fail(connection: Connection, who: str, client: str = "10.0.0.1") -> Exception:
    with pytest.raises((Unauthenticated, RateLimited)) as caught:
        login(connection, login=who, password="wrong horse", client=client, limits=TIGHT)
    connection.rollback()  # what the edge does with the request's transaction
    return caught.value


def test_login_by_name_or_email_returns_an_expiring_token(connection: Connection, ana: int) -> None:
    for name in ("ana", "ana@example.org"):
        issued = login(connection, login=name, password="correct horse", client="10.0.0.1")
        assert issued.expires_at is not None
        assert issued.expires_at > datetime.now(UTC)
        assert authenticate_token(connection, token=issued.token).id == ana


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(
    connection: Connection, ana: int
) -> None:
    wrong = fail(connection, "ana")
    unknown = fail(connection, "nobody")
    assert isinstance(wrong, Unauthenticated)
    assert isinstance(unknown, Unauthenticated)
    assert str(wrong) == str(unknown)
    assert "nobody" not in str(unknown)


def test_failures_lock_the_name_out_even_after_the_transaction_rolls_back(
    connection: Connection, ana: int
) -> None:
    for _ in range(TIGHT.per_user):
        assert isinstance(fail(connection, "ana"), Unauthenticated)
    locked = fail(connection, "ana")
    assert isinstance(locked, RateLimited)
    assert 0 < locked.retry_after <= 15 * 60
    # Even the right password waits out the lockout.
    with pytest.raises(RateLimited):
        login(connection, login="ana", password="correct horse", client="10.9.9.9", limits=TIGHT)


def test_an_unknown_name_is_locked_out_exactly_like_a_known_one(
    connection: Connection, ana: int
) -> None:
    outcomes = [type(fail(connection, "nobody", f"10.0.0.{n}")) for n in range(TIGHT.per_user + 1)]
    known = [type(fail(connection, "ana", f"10.0.1.{n}")) for n in range(TIGHT.per_user + 1)]
    assert outcomes == known == [Unauthenticated] * TIGHT.per_user + [RateLimited]


def test_one_address_guessing_many_names_is_locked_out(connection: Connection, ana: int) -> None:
    for n in range(TIGHT.per_client):
        fail(connection, f"guess{n}", client="203.0.113.7")
    assert isinstance(fail(connection, "ana", client="203.0.113.7"), RateLimited)
    # Another address is not affected.
    login(connection, login="ana", password="correct horse", client="198.51.100.1", limits=TIGHT)


def test_the_lockout_ends_and_a_success_clears_the_names_count(
    connection: Connection, engine: Engine, ana: int
) -> None:
    for _ in range(TIGHT.per_user):
        fail(connection, "ana")
    with engine.begin() as other:
        other.execute(
            text(
                "UPDATE login_failures SET locked_until = now() - interval '1 second',"
                " window_started_at = now() - interval '1 hour'"
            )
        )
    login(connection, login="ana", password="correct horse", client="10.0.0.2", limits=TIGHT)
    connection.commit()
    for _ in range(TIGHT.per_user - 1):
        assert isinstance(fail(connection, "ana", "10.0.0.3"), Unauthenticated)


def test_a_hash_with_old_parameters_is_replaced_at_login(connection: Connection, ana: int) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("correct horse")
    connection.execute(text("UPDATE users SET password_hash = :h"), {"h": weak})
    login(connection, login="ana", password="correct horse", client="10.0.0.1")
    stored = connection.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored != weak
    assert stored.startswith("$argon2id$")
    assert not PasswordHasher().check_needs_rehash(stored)


@pytest.mark.parametrize("hostile", ["", "a\x00b", "\ud800", "x" * 100_000, "ana' OR '1'='1"])
def test_hostile_logins_are_refused_without_error(
    connection: Connection, ana: int, hostile: str
) -> None:
    with pytest.raises(Unauthenticated):
        login(connection, login=hostile, password=hostile, client=hostile)


def test_an_imported_password_less_account_cannot_log_in(connection: Connection) -> None:
    from searxng_cool.accounts.users import get_or_create_user

    get_or_create_user(connection, username="listener")
    with pytest.raises(Unauthenticated):
        login(connection, login="listener", password="!unusable:", client="10.0.0.1")


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(login_text=st.text(max_size=300), password=st.text(max_size=300))
def test_any_text_as_login_or_password_is_refused_cleanly(
    connection: Connection, ana: int, login_text: str, password: str
) -> None:
    roomy = LoginLimits(per_user=10_000, per_client=10_000)
    with pytest.raises(Unauthenticated, match="do not match an account"):
        login(connection, login=login_text, password=password, client="10.1.1.1", limits=roomy)
    connection.rollback()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(token=st.text(max_size=500))
def test_any_text_as_a_token_is_refused_cleanly(connection: Connection, token: str) -> None:
    with pytest.raises(Unauthenticated):
        authenticate_token(connection, token=token)


def test_stale_limiter_rows_and_expired_tokens_do_not_pile_up(
    connection: Connection, engine: Engine, ana: int
) -> None:
    fail(connection, "forgotten-name")
    with engine.begin() as other:
        other.execute(
            text("UPDATE login_failures SET window_started_at = now() - interval '1 day'")
        )
    issued = login(connection, login="ana", password="correct horse", client="10.0.0.1")
    connection.execute(
        text(
            "UPDATE api_tokens SET created_at = now() - interval '2 days',"
            " expires_at = now() - interval '1 day' WHERE id = :id"
        ),
        {"id": issued.id},
    )
    connection.commit()
    fail(connection, "another-name")
    login(connection, login="ana", password="correct horse", client="10.0.0.1")
    with engine.connect() as other:
        keys = other.execute(text("SELECT count(*) FROM login_failures")).scalar_one()
        tokens = other.execute(text("SELECT count(*) FROM api_tokens")).scalar_one()
    assert keys == 2  # the new failure's name and address; the day-old ones are gone
    assert tokens == 1
