"""Keyset pages: an opaque cursor, at most 100 items, and a `next` link to the following page."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel, Field

MAX_PAGE_SIZE = 100

T = TypeVar("T")

PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="items per page (1..100)")]
Cursor = Annotated[
    str | None,
    Query(max_length=512, description="the opaque cursor of the previous page's `next` link"),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next: str | None = Field(description="URL of the next page; null on the last page")


def next_link(request: Request, cursor: str | None) -> str | None:
    """This request's URL with `cursor` replaced, or None when there is no next page."""
    if cursor is None:
        return None
    return str(request.url.include_query_params(cursor=cursor))
