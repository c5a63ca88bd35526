"""Operator pages (`/admin/...`, admins only): overview, live queries, maintenance, activity.
Fed by the admin services (status, optimize, activity); no SQL here."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse

from searxng_cool.admin import activity as live
from searxng_cool.admin import optimize, status
from searxng_cool.admin.health_checks import Level
from searxng_cool.api.deps import DbConnection
from searxng_cool.config import Settings
from searxng_cool.listening import activity
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
def maintenance(request: Request, admin: PageAdmin, connection: DbConnection) -> Response:
    actions = optimize.plan_optimize(connection, ops=_settings(request).operations)
    return render(
        request, "admin/maintenance.html", viewer=admin, actions=actions, section="maintenance"
    )


@router.get("/activity", response_class=HTMLResponse)
def activity_charts(request: Request, admin: PageAdmin, connection: DbConnection) -> Response:
    days = activity.plays_per_day(connection, days=90)
    hours = activity.plays_per_hour(connection, hours=48)
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
        section="activity",
    )
