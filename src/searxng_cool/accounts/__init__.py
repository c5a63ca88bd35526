"""Accounts: users and password hashing (argon2id).

`create_user(connection, username=..., email=..., password=...)` makes an account with a
password; `get_or_create_user(connection, username=...)` finds or makes a password-less
listener (for imported histories).
"""

from searxng_cool.accounts.users import create_user, get_or_create_user

__all__ = ["create_user", "get_or_create_user"]
