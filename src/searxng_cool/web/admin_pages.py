"""Operator pages (`/admin/...`, admins only): overview, live queries, maintenance, activity.
Fed by the admin services (status, optimize, activity); no SQL here."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request, Response
from fastapi.responses import HTMLResponse

from searxng_cool.admin import activity as live
from searxng_cool.admin import backup_list, migrations, optimize, space, statements, status
from searxng_cool.admin.health_checks import Level
from searxng_cool.api.deps import DbConnection
from searxng_cool.catalog import growth
from searxng_cool.config import Settings
from searxng_cool.db import maintenance
from searxng_cool.errors import NotFound
from searxng_cool.listening import activity, partitions
from searxng_cool.web.charts import bar_chart
from searxng_cool.web.rendering import PageRoute, redirect, render
from searxng_cool.web.session import CsrfChecked, PageAdmin

router = APIRouter(prefix="/admin", route_class=PageRoute, include_in_schema=False)

VERDICTS = {
    Level.OK: "All checks pass.",
    Level.INFO: "All checks pass (some notes below).",
    Level.WARNING: "Needs attention: at least one check warns.",
    Level.CRITICAL: "Critical: at least one check failed.",
}


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, admin: PageAdmin, connection: DbConnection) -> Response:
    settings = _settings(request)
    pool_size = int(settings.database.engine_options.get("pool_size", 20))
    report = status.collect_status(
        connection, ops=settings.operations, pool_size=pool_size, record_sample=False
    )
    problems = [c for c in report.checks if c.level >= Level.WARNING]
    return render(
        request,
        "admin/overview.html",
        viewer=admin,
        report=report,
        verdict=VERDICTS[report.level],
        problems=problems,
        section="overview",
    )


@router.get("/live", response_class=HTMLResponse)
def live_queries(request: Request, admin: PageAdmin, connection: DbConnection) -> Response:
    return render(
        request,
        "admin/live.html",
        viewer=admin,
        queries=live.live_queries(connection),
        section="live",
    )


@router.post("/live/{pid}/{how}", dependencies=[CsrfChecked])
def stop_query(
    pid: Annotated[int, Path(ge=1, le=2**31 - 1)],
    how: Literal["cancel", "terminate"],
    admin: PageAdmin,
    connection: DbConnection,
) -> Response:
    live.stop_query(connection, pid=pid, terminate=how == "terminate")
    return redirect("/admin/live")


@router.get("/maintenance", response_class=HTMLResponse)
def maintenance_page(request: Request, admin: PageAdmin, connection: DbConnection) -> Response:
    actions = optimize.plan_optimize(connection, ops=_settings(request).operations)
    return render(
        request,
        "admin/maintenance.html",
        viewer=admin,
        actions=actions,
        tables=space.table_maintenance(connection),
        section="maintenance",
    )


@router.get("/activity", response_class=HTMLResponse)
def activity_charts(request: Request, admin: PageAdmin, connection: DbConnection) -> Response:
    days = activity.plays_per_day(connection, days=90)
    hours = activity.plays_per_hour(connection, hours=48)
    added = growth.tracks_added_per_day(connection, days=90)
    return render(
        request,
        "admin/activity.html",
        viewer=admin,
        per_day=bar_chart(
            [(d.isoformat(), float(n)) for d, n in days],
            title="Plays per day, last 90 days",
            unit=" plays",
        ),
        per_hour=bar_chart(
            [(h.strftime("%m-%d %H:00"), float(n)) for h, n in hours],
            title="Listens per hour, last 48 hours",
            unit=" plays",
        ),
        new_tracks=bar_chart(
            [(d.isoformat(), float(n)) for d, n in added],
            title="New tracks per day, last 90 days",
            unit=" tracks",
        ),
        ingests=maintenance.recent_events(connection, action=maintenance.INGEST, limit=20),
        section="activity",
    )


@router.get("/queries", response_class=HTMLResponse)
def queries(
    request: Request,
    admin: PageAdmin,
    connection: DbConnection,
    order: Annotated[Literal["total", "mean", "calls", "rows"], Query()] = "total",
) -> Response:
    try:
        found = statements.top_statements(connection, order=order, limit=50)
        missing = None
    except NotFound as absent:
        found, missing = [], str(absent)
    return render(
        request,
        "admin/queries.html",
        viewer=admin,
        statements=found,
        order=order,
        missing=missing,
        section="queries",
    )


@router.post("/queries/reset", dependencies=[CsrfChecked])
def reset_queries(admin: PageAdmin, connection: DbConnection) -> Response:
    statements.reset_statistics(connection)
    return redirect("/admin/queries")


@router.get("/queries/explain", response_class=HTMLResponse)
def explain_form(
    request: Request,
    admin: PageAdmin,
    connection: DbConnection,
    query_id: Annotated[int | None, Query(ge=-(2**63), le=2**63 - 1)] = None,
) -> Response:
    sql = "" if query_id is None else statements.statement_text(connection, query_id=query_id)
    return render(
        request, "admin/explain.html", viewer=admin, sql=sql, plan=None, section="queries"
    )


@router.post("/queries/explain", response_class=HTMLResponse, dependencies=[CsrfChecked])
def explain(
    request: Request,
    admin: PageAdmin,
    connection: DbConnection,
    sql: Annotated[str, Form(max_length=20_000)],
    analyze: Annotated[bool, Form()] = False,
) -> Response:
    plan = statements.explain(connection, sql=sql, analyze=analyze)
    return render(
        request,
        "admin/explain.html",
        viewer=admin,
        sql=sql,
        plan=plan,
        analyzed=analyze,
        section="queries",
    )


@router.get("/space", response_class=HTMLResponse)
def space_page(request: Request, admin: PageAdmin, connection: DbConnection) -> Response:
    history = space.database_size_history(connection, days=30)
    chart = bar_chart(
        [(at.strftime("%Y-%m-%d %H:%M"), size / 1048576) for at, size in history],
        title="Database size (MB), samples of the last 30 days",
        unit=" MB",
    )
    relations = space.relation_sizes(connection, limit=60)
    largest = bar_chart(
        [(r.name, r.total_bytes / 1048576) for r in relations[:15]],
        title="The 15 largest tables and indexes (MB)",
        unit=" MB",
    )
    return render(
        request,
        "admin/space.html",
        viewer=admin,
        relations=relations,
        chart=chart,
        largest=largest,
        section="space",
    )


@router.get("/partitions", response_class=HTMLResponse)
def partitions_page(request: Request, admin: PageAdmin, connection: DbConnection) -> Response:
    found = partitions.list_partitions(connection)
    sizes = space.relation_bytes(connection, names=[p.name for p in found])
    this_month = datetime.now(UTC).date().replace(day=1)
    ahead = sum(1 for p in found if p.month is not None and p.month > this_month)
    return render(
        request,
        "admin/partitions.html",
        viewer=admin,
        partitions=found,
        sizes=sizes,
        ahead=ahead,
        section="partitions",
    )


@router.get("/migrations", response_class=HTMLResponse)
def migrations_page(request: Request, admin: PageAdmin, connection: DbConnection) -> Response:
    return render(
        request,
        "admin/migrations.html",
        viewer=admin,
        current=migrations.current(connection),
        heads=migrations.heads(),
        pending=migrations.pending(connection),
        history=migrations.history(),
        section="migrations",
    )


def _backup_folder() -> FilePath:
    """Where `backup` files are looked for: BACKUP_DIR, else ./backups (the README's)."""
    return FilePath(os.environ.get("BACKUP_DIR", "backups"))


@router.get("/backups", response_class=HTMLResponse)
def backups_page(
    request: Request,
    admin: PageAdmin,
    verify: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:
    folder = _backup_folder()
    return render(
        request,
        "admin/backups.html",
        viewer=admin,
        folder=str(folder),
        backups=backup_list.list_backups(folder, verify=verify),
        section="backups",
    )
