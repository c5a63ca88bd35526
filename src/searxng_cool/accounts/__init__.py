"""Accounts: users, passwords, login, personal API tokens and the failed-login limiter.

`create_user(connection, username=..., email=..., password=...)` makes an account with a
password; `get_or_create_user(connection, username=...)` finds or makes a password-less
listener (for imported histories). `register_user` applies the registration policy and
returns an `Account`; `login` and `authenticate_token` are what an API authenticates with.
"""

from searxng_cool.accounts.limiter import LoginLimits
from searxng_cool.accounts.login import login
from searxng_cool.accounts.passwords import change_password, set_password
from searxng_cool.accounts.registry import (
    OPERATOR,
    Account,
    find_account,
    get_account,
    list_accounts,
    register_user,
)
from searxng_cool.accounts.tokens import (
    IssuedToken,
    TokenInfo,
    authenticate_token,
    create_token,
    list_tokens,
    revoke_token,
    token_owner,
)
from searxng_cool.accounts.users import create_user, get_or_create_user

__all__ = [
    "OPERATOR",
    "Account",
    "IssuedToken",
    "LoginLimits",
    "TokenInfo",
    "authenticate_token",
    "change_password",
    "create_token",
    "create_user",
    "find_account",
    "get_account",
    "get_or_create_user",
    "list_accounts",
    "list_tokens",
    "login",
    "register_user",
    "revoke_token",
    "set_password",
    "token_owner",
]
