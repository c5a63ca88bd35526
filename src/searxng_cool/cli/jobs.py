"""`jobs run [--once]`: the periodic work's one runner."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from searxng_cool.admin.jobs import JOBS, run_due, seconds_until_due
from searxng_cool.cli.common import console, engine, errors, handles_errors, settings

app = typer.Typer(
    help="Periodic work: partitions, popularity refresh, token expiry, slot check.",
    no_args_is_help=True,
)


@app.callback()
def jobs() -> None:
    """Periodic work: partitions, popularity refresh, token expiry, slot check."""


@app.command()
@handles_errors
def run(
    once: Annotated[bool, typer.Option("--once", help="Run every job once and exit.")] = False,
) -> None:
    """Run each periodic job when it is due (partitions ensure 6 h, popularity refresh 1 h,
    token expiry 1 h, slot check 5 min), each in its own transaction, until stopped;
    with --once run them all once (for cron). Exit code 1 when a job failed (--once).

    Example: searxng-cool-db jobs run --once
    """
    current = settings()
    last_run: dict[str, float] = {}
    failed = False
    with engine(current) as made:
        while True:
            for outcome in run_due(made, ops=current.operations, last_run=last_run):
                if outcome.ok:
                    console.print(f"{outcome.job}: {outcome.message}", highlight=False)
                else:
                    failed = True
                    errors.print(f"[red]{outcome.job} failed:[/] {outcome.message}")
            if once:
                break
            time.sleep(seconds_until_due(last_run))
    if failed:
        raise typer.Exit(1)


__all__ = ["JOBS", "app"]
