"""What every command shares: settings, an engine, and errors shown as one red line."""

from __future__ import annotations

import dataclasses
import functools
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TextIO, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import Connection, Engine, pool
from sqlalchemy.exc import DBAPIError, OperationalError
from typer.core import TyperOption

from searxng_cool.accounts import find_account
from searxng_cool.config import Settings, load_settings, redact
from searxng_cool.db.engine import make_engine
from searxng_cool.errors import SearxngCoolError

# Piped or redirected output is not cut to Rich's default 80 columns (a terminal's width
# is used when there is one; COLUMNS, when set, wins).
PIPED_WIDTH = 1000


def _width(stream: TextIO) -> int | None:
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    return None if stream.isatty() else PIPED_WIDTH


console = Console(width=_width(sys.stdout))
errors = Console(stderr=True, width=_width(sys.stderr))


def _flags_show_no_type(self: TyperOption, ctx: Any) -> str | None:
    """Help lists a flag as `--json`, not `--json <bool>`: a flag takes no value."""
    return None if self.is_flag else _typed_option(self, ctx)


# Typer shows every option's type, flags' too; this keeps it for options that take a value.
_typed_option = TyperOption.display_type_rich
TyperOption.display_type_rich = _flags_show_no_type  # type: ignore[method-assign]
log = logging.getLogger("searxng_cool.cli")
DEBUG_LOG_ENV = "SEARXNG_COOL_DEBUG_LOG"

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


def _first_line(error: BaseException | None) -> str:
    """The server's one-line message: no SQL text, no CONTEXT or DETAIL lines for a user."""
    text = str(error or "").strip()
    return text.splitlines()[0] if text else "no message"


def user_id(connection: Connection, ref: str) -> int:
    """The id of the user a command line names: by user name, else by id (all digits)."""
    return find_account(connection, ref=ref).id


def handles_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn every error into one clear line and exit code 1 (2 for a bug); never a traceback.

    The full detail (statement, CONTEXT lines, traceback) goes to the debug log only
    (`SEARXNG_COOL_DEBUG_LOG=FILE` writes it to FILE).
    """

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except SearxngCoolError as exc:
            log.debug("refused", exc_info=exc)
            raise fail(str(exc)) from exc
        except OperationalError as exc:
            log.debug("database unreachable", exc_info=exc)
            raise fail(f"cannot reach the database: {_first_line(exc.orig)}") from exc
        except DBAPIError as exc:
            log.debug("database error", exc_info=exc)
            raise fail(f"the database refused: {_first_line(exc.orig)}") from exc
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            log.error("unexpected error", exc_info=exc)
            raise fail(
                f"internal error ({type(exc).__name__}: {_first_line(exc)}); "
                f"set {DEBUG_LOG_ENV}=FILE and run again for the details",
                code=2,
            ) from exc

    return wrapper


def configure_debug_log() -> None:
    """Send the debug log to the file named by SEARXNG_COOL_DEBUG_LOG, if any (the CLI's edge)."""
    target = os.environ.get(DEBUG_LOG_ENV)
    if target:
        handler = logging.FileHandler(target, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.DEBUG)
