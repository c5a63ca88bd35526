"""What every command shares: settings, an engine, and errors shown as one red line."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Connection, Engine, pool
from sqlalchemy.exc import DBAPIError, OperationalError

from searxng_cool.accounts import find_account
from searxng_cool.config import Settings, load_settings, redact
from searxng_cool.db.engine import make_engine
from searxng_cool.errors import SearxngCoolError

console = Console()
errors = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = 1) -> typer.Exit:
    # Escaped: a message may quote brackets ("expects [low, high]") that Rich would eat as markup.
    errors.print(f"[bold red]error:[/] {escape(redact(message))}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def settings() -> Settings:
    return load_settings()


def owner_settings() -> Settings:
    """The settings reaching the database as the schema's owner (DATABASE_OWNER_URL), for
    the commands that run DDL: init, upgrade, downgrade, migrate, backup, restore, optimize."""
    current = load_settings()
    return dataclasses.replace(current, database=current.database.as_owner())


@contextmanager
def engine(current: Settings) -> Iterator[Engine]:
    """A pool-less engine for one command (the spec's pool is for long-running services)."""
    made = make_engine(current.database, poolclass=pool.NullPool)
    try:
        yield made
    finally:
        made.dispose()


@contextmanager
def transaction(current: Settings | None = None) -> Iterator[Connection]:
    """The command's one transaction: commit on success, roll back on any error.

    Every command that reads or writes through the services opens the database this way;
    the few that must commit per batch (ingest) or run outside a transaction (optimize's
    VACUUM, the gated upgrade) take `engine` instead.
    """
    with engine(current or settings()) as made, made.begin() as connection:
        yield connection


def user_id(connection: Connection, ref: str) -> int:
    """The id of the user a command line names: by user name, else by id (all digits)."""
    return find_account(connection, ref=ref).id


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the project's errors and database errors into one clear line and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SearxngCoolError as exc:
            raise fail(str(exc)) from exc
        except OperationalError as exc:
            raise fail(f"cannot reach the database: {str(exc.orig).strip()}") from exc
        except DBAPIError as exc:
            raise fail(f"the database refused: {str(exc.orig).strip()}") from exc

    return wrapper
