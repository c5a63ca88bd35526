"""Probes: /healthz (the process answers) and /readyz (the database answers and is at head)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from searxng_cool.admin import migrations

router = APIRouter(tags=["probes"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    revision: list[str]
    head: list[str]


@router.get("/healthz", response_model=Health, summary="The process is alive")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "database unreachable or not at head"}},
    summary="The database is reachable and migrated to head",
)
def readyz(request: Request) -> JSONResponse:
    engine: Engine = request.app.state.engine
    head = sorted(migrations.heads())
    try:
        with engine.connect() as connection:
            current = sorted(migrations.current(connection))
    except DBAPIError:
        body = Readiness(status="unavailable", database="unreachable", revision=[], head=head)
        return JSONResponse(body.model_dump(), status_code=503)
    ready = current == head
    body = Readiness(
        status="ok" if ready else "unavailable",
        database="at head" if ready else "not at head: run `searxng-cool-db upgrade`",
        revision=current,
        head=head,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)
