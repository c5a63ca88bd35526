"""The browser session: a login token in an HttpOnly, SameSite=Strict cookie, and CSRF.

The cookie holds `<token id>.<token>` of the token `accounts.login` issued; logging out
revokes it. The CSRF token of a page is an HMAC of the session cookie (or, before login,
of a random pre-session cookie), so only a page this server rendered can know it; every
form carries it as `csrf` and every script sends it as `X-CSRF-Token`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Connection

from searxng_cool.accounts import Account, authenticate_token
from searxng_cool.api.deps import DbConnection
from searxng_cool.errors import Forbidden, Unauthenticated

SESSION_COOKIE = "sxc_session"
PRE_SESSION_COOKIE = "sxc_pre"
CSRF_FIELD = "csrf"
CSRF_HEADER = "X-CSRF-Token"
MAX_COOKIE = 512


class LoginRequired(Exception):  # noqa: N818 - a page's answer, not a failure
    """The page needs a logged-in user; answered with a redirect to /login."""


def split_cookie(value: str | None) -> tuple[int, str] | None:
    """(token id, token) of a session cookie, or None when it is absent or malformed."""
    if not value or len(value) > MAX_COOKIE:
        return None
    token_id, _, token = value.partition(".")
    if not token_id.isdigit() or not token:
        return None
    return int(token_id), token


def csrf_for(secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), b"csrf", hashlib.sha256).hexdigest()


def csrf_secret(request: Request) -> str | None:
    """What this request's CSRF token derives from: the session, else the pre-session."""
    session = request.cookies.get(SESSION_COOKIE)
    if split_cookie(session) is not None:
        return session
    pre = request.cookies.get(PRE_SESSION_COOKIE)
    return pre if pre and len(pre) <= MAX_COOKIE else None


def new_pre_session() -> str:
    return secrets.token_urlsafe(32)


def csrf_valid(request: Request, presented: str | None) -> bool:
    secret = csrf_secret(request)
    if secret is None or not presented:
        return False
    return hmac.compare_digest(csrf_for(secret), presented)


def session_account(connection: Connection, request: Request) -> Account | None:
    found = split_cookie(request.cookies.get(SESSION_COOKIE))
    if found is None:
        return None
    try:
        return authenticate_token(connection, token=found[1])
    except Unauthenticated:
        return None


def _optional(request: Request, connection: DbConnection) -> Account | None:
    return session_account(connection, request)


PageViewer = Annotated[Account | None, Depends(_optional)]


def _required(viewer: PageViewer) -> Account:
    if viewer is None:
        raise LoginRequired
    return viewer


PageUser = Annotated[Account, Depends(_required)]


def _admin(user: PageUser) -> Account:
    if not user.is_admin:
        raise Forbidden(f"user {user.username!r} is not an admin; these pages are for admins")
    return user


PageAdmin = Annotated[Account, Depends(_admin)]


async def _check_form_csrf(request: Request) -> None:
    form = await request.form()
    value = form.get(CSRF_FIELD)
    if not csrf_valid(request, value if isinstance(value, str) else None):
        raise Forbidden("the form's CSRF token is missing or stale; reload the page and retry")


CsrfChecked = Depends(_check_form_csrf)
