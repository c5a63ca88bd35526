"""`users ...` and `tokens ...`: accounts and personal API tokens, for the operator.

The person at the command line holds the database's credentials, so these commands act
as the operator (`accounts.OPERATOR`): they may make admins and revoke anyone's token.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from searxng_cool import accounts
from searxng_cool.cli.common import console, errors, handles_errors, transaction, user_id
from searxng_cool.errors import InvalidInput

users_app = typer.Typer(help="Accounts: create, list, show.")
tokens_app = typer.Typer(help="Personal API tokens: create (shown once), list, revoke.")

UserRef = Annotated[str, typer.Argument(help="User name or id.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]
MAX_TOKEN_DAYS = 3650


def _json(value: Any) -> str:
    return json.dumps(value, default=lambda v: v.isoformat(), ensure_ascii=False)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    if not sys.stdin.isatty():
        raise InvalidInput("no terminal to ask for the password; pipe it in with --password-stdin")
    entered: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return entered


@users_app.command("create")
@handles_errors
def create_user(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, _ . -).")],
    email: Annotated[str, typer.Option("--email", help="E-mail address (unique).")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin's first line.")
    ] = False,
    admin: Annotated[bool, typer.Option("--admin", help="Make the account an admin.")] = False,
) -> None:
    """Create an account with a password (asked for, or read from stdin).

    Example: printf '%s\\n' "$PASSWORD" | db_cli.py users create ana --email ana@example.org --password-stdin
    """
    password = _read_password(password_stdin)
    with transaction() as connection:
        made = accounts.register_user(
            connection,
            username=name,
            email=email,
            password=password,
            is_admin=admin,
            by=accounts.OPERATOR,
        )
    role = "admin" if made.is_admin else "user"
    console.print(f"created {role} {escape(made.username)} (id {made.id})", highlight=False)


@users_app.command("password")
@handles_errors
def set_password(
    user: UserRef,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin's first line.")
    ] = False,
) -> None:
    """Set a user's password (no old one needed); also gives an imported listener one.

    Example: printf '%s\\n' "$PASSWORD" | db_cli.py users password ana --password-stdin
    """
    password = _read_password(password_stdin)
    with transaction() as connection:
        accounts.set_password(connection, user_id=user_id(connection, user), new_password=password)
    console.print(f"password set for {escape(user)}", highlight=False)


def _account_table(found: list[accounts.Account]) -> Table:
    table = Table("id", "name", "email", "admin", "created")
    for account in found:
        table.add_row(
            str(account.id),
            escape(account.username),
            escape(account.email),
            "yes" if account.is_admin else "",
            f"{account.created_at:%Y-%m-%d %H:%M}",
        )
    return table


@users_app.command("list")
@handles_errors
def list_users(as_json: Json = False) -> None:
    """List every account, oldest first.

    Example: db_cli.py users list --json
    """
    with transaction() as connection:
        found = accounts.list_accounts(connection)
    if as_json:
        typer.echo(_json([asdict(a) for a in found]))
    else:
        console.print(_account_table(found))


@users_app.command("show")
@handles_errors
def show_user(user: UserRef, as_json: Json = False) -> None:
    """Show one account, by name or id.

    Example: db_cli.py users show ana
    """
    with transaction() as connection:
        account = accounts.find_account(connection, ref=user)
    if as_json:
        typer.echo(_json(asdict(account)))
    else:
        console.print(_account_table([account]))


@tokens_app.command("create")
@handles_errors
def create_token(
    user: UserRef,
    label: Annotated[str | None, typer.Option("--label", help="What the token is for.")] = None,
    expires_in: Annotated[
        int | None,
        typer.Option("--expires-in", help=f"Days until it expires (1..{MAX_TOKEN_DAYS}).", min=1),
    ] = None,
) -> None:
    """Make a personal API token; it is printed once, alone on the last line, and never again.

    Example: TOKEN=$(db_cli.py tokens create ana --label scrobbler --expires-in 90 | tail -n 1)
    """
    if expires_in is not None and expires_in > MAX_TOKEN_DAYS:
        raise InvalidInput(f"--expires-in {expires_in} is over {MAX_TOKEN_DAYS} days")
    expires_at = None if expires_in is None else datetime.now(UTC) + timedelta(days=expires_in)
    with transaction() as connection:
        issued = accounts.create_token(
            connection, user_id=user_id(connection, user), label=label, expires_at=expires_at
        )
    until = (
        "never expires" if issued.expires_at is None else f"expires {issued.expires_at:%Y-%m-%d}"
    )
    errors.print(f"token {issued.id} for {escape(user)} ({until}); it is shown only now:")
    typer.echo(issued.token)


@tokens_app.command("list")
@handles_errors
def list_tokens(user: UserRef, as_json: Json = False) -> None:
    """List a user's tokens (never their text).

    Example: db_cli.py tokens list ana
    """
    with transaction() as connection:
        found = accounts.list_tokens(connection, user_id=user_id(connection, user))
    if as_json:
        typer.echo(_json([asdict(t) for t in found]))
        return
    table = Table("id", "label", "created", "last used", "expires")
    for token in found:
        table.add_row(
            str(token.id),
            escape(token.label or ""),
            f"{token.created_at:%Y-%m-%d %H:%M}",
            "" if token.last_used_at is None else f"{token.last_used_at:%Y-%m-%d %H:%M}",
            "never" if token.expires_at is None else f"{token.expires_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@tokens_app.command("revoke")
@handles_errors
def revoke_token(token_id: Annotated[int, typer.Argument(help="Token id (tokens list).")]) -> None:
    """Revoke a token: the next request that uses it is refused.

    Example: db_cli.py tokens revoke 7
    """
    with transaction() as connection:
        owner = accounts.token_owner(connection, token_id=token_id)
        accounts.revoke_token(connection, user_id=owner, token_id=token_id)
    console.print(f"revoked token {token_id}")


def register(app: typer.Typer) -> None:
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
