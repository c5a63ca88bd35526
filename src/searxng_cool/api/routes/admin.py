"""For admins only: database status, validation, and the list of accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from searxng_cool.accounts import list_accounts
from searxng_cool.admin import status, validator
from searxng_cool.api.deps import AdminUser, DbConnection
from searxng_cool.api.responses import AUTHENTICATED, OWNED
from searxng_cool.config import Settings

router = APIRouter(prefix="/api/v1/admin", tags=["admin"], responses={**AUTHENTICATED, **OWNED})


class CheckOut(BaseModel):
    name: str
    level: str
    value: str
    threshold: str
    details: list[str]


class StatusOut(BaseModel):
    level: str
    checks: list[CheckOut]


class ResultOut(BaseModel):
    group: str
    name: str
    outcome: str
    reason: str


class UserOut(BaseModel):
    id: int
    username: str
    email: str
    is_admin: bool
    created_at: datetime


@router.get("/status", response_model=StatusOut, summary="Database health (as `status`)")
def get_status(request: Request, admin: AdminUser, connection: DbConnection) -> StatusOut:
    settings: Settings = request.app.state.settings
    pool_size = int(settings.database.engine_options.get("pool_size", 20))
    report = status.collect_status(
        connection, ops=settings.operations, pool_size=pool_size, record_sample=False
    )
    return StatusOut(
        level=report.level.label,
        checks=[
            CheckOut(
                name=c.name,
                level=c.level.label,
                value=c.value,
                threshold=c.threshold,
                details=c.details,
            )
            for c in report.checks
        ],
    )


@router.get("/validate", response_model=list[ResultOut], summary="Validation (as `validate`)")
def validate(
    admin: AdminUser,
    connection: DbConnection,
    group: Annotated[
        list[Literal["schema", "relationships", "indexes", "performance", "data", "migrations"]]
        | None,
        Query(),
    ] = None,
) -> list[ResultOut]:
    results = validator.validate(connection, groups=group)
    return [
        ResultOut(group=r.group, name=r.name, outcome=r.outcome.name.lower(), reason=r.reason)
        for r in results
    ]


@router.get("/users", response_model=list[UserOut], summary="Every account")
def users(admin: AdminUser, connection: DbConnection) -> list[UserOut]:
    return [UserOut(**a.__dict__) for a in list_accounts(connection)]
