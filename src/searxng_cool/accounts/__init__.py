"""Accounts: users, passwords, login, personal API tokens and the failed-login limiter."""

from searxng_cool.accounts.limiter import LoginLimits
from searxng_cool.accounts.login import login
from searxng_cool.accounts.passwords import change_password
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

__all__ = [
    "OPERATOR",
    "Account",
    "IssuedToken",
    "LoginLimits",
    "TokenInfo",
    "authenticate_token",
    "change_password",
    "create_token",
    "find_account",
    "get_account",
    "list_accounts",
    "list_tokens",
    "login",
    "register_user",
    "revoke_token",
    "token_owner",
]
