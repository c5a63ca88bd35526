"""Accounts: create users with argon2id password hashes, verify passwords, and make
password-less accounts for imported listeners (Last.fm scrobbles).
"""

from __future__ import annotations

import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, text

from searxng_cool.errors import Conflict, InvalidInput

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
_hasher = PasswordHasher()
USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,49}")
# No control characters (PostgreSQL refuses NUL) and no lone surrogates (not encodable).
_EMAIL_CHAR = r"[^@\s\x00-\x1f\x7f\ud800-\udfff]"
EMAIL = re.compile(rf"{_EMAIL_CHAR}{{1,64}}@{_EMAIL_CHAR}+\.{_EMAIL_CHAR}+")
MAX_EMAIL = 255
MIN_PASSWORD, MAX_PASSWORD = 8, 1024
PLACEHOLDER_EMAIL_DOMAIN = "users.invalid"  # RFC 2606: can never receive mail
# No argon2 hash starts with "!", so this can never verify, and the random tail keeps two
# imported accounts from sharing a hash.
UNUSABLE_PREFIX = "!unusable:"


def _show(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


def validate_username(username: object) -> str:
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        raise InvalidInput(
            f"username {_show(username)} is not valid: 1-50 characters, letters, digits,"
            " '_', '.', '-', starting with a letter or digit"
        )
    return username


def validate_email(email: object) -> str:
    if not isinstance(email, str) or len(email) > MAX_EMAIL or not EMAIL.fullmatch(email):
        raise InvalidInput(
            f"email {_show(email)} is not valid: expected name@domain.tld, at most 255 characters"
        )
    return email


def validate_password(password: object) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidInput(
            f"the password must be text of {MIN_PASSWORD} to {MAX_PASSWORD} characters"
        )
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput("the password holds characters that are not valid Unicode") from None
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(validate_password(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when `password` matches; False for a wrong password or an unusable hash."""
    if not isinstance(password, str) or not isinstance(password_hash, str):
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _insert(connection: Connection, *, username: str, email: str, password_hash: str) -> int | None:
    row = connection.execute(
        text(
            "INSERT INTO users (username, email, password_hash)"
            " VALUES (:username, :email, :password_hash)"
            " ON CONFLICT DO NOTHING RETURNING id"
        ),
        {"username": username, "email": email, "password_hash": password_hash},
    ).scalar_one_or_none()
    return None if row is None else int(row)


def create_user(connection: Connection, *, username: str, email: str, password: str) -> int:
    """Create an account; Conflict when the username or email is taken."""
    validate_username(username)
    validate_email(email)
    made = _insert(
        connection, username=username, email=email, password_hash=hash_password(password)
    )
    if made is not None:
        return made
    taken_name = connection.execute(
        text("SELECT EXISTS (SELECT FROM users WHERE username = :username)"),
        {"username": username},
    ).scalar_one()
    what = f"username {username!r}" if taken_name else f"email {email!r}"
    raise Conflict(f"{what} is already taken; choose another")


def get_or_create_user(connection: Connection, *, username: str) -> int:
    """The id of `username`, creating a password-less account for an imported listener."""
    validate_username(username)
    existing = connection.execute(
        text("SELECT id FROM users WHERE username = :username"), {"username": username}
    ).scalar_one_or_none()
    if existing is not None:
        return int(existing)
    email = f"{username.lower()}@{PLACEHOLDER_EMAIL_DOMAIN}"
    unusable = UNUSABLE_PREFIX + secrets.token_urlsafe(24)
    made = _insert(connection, username=username, email=email, password_hash=unusable)
    if made is not None:
        return made
    # Lost a race with another import of the same name, or the placeholder email is taken.
    again = connection.execute(
        text("SELECT id FROM users WHERE username = :username"), {"username": username}
    ).scalar_one_or_none()
    if again is None:
        raise Conflict(f"email {email!r} is already taken by another account")
    return int(again)
