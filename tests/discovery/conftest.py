"""Fixtures for discovery tests: a rolled-back Session and a small catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tests.music_catalog import CatalogTrack, make_catalog


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A Session whose work is rolled back at the end (the services never commit)."""
    with Session(engine) as made:
        yield made


@pytest.fixture
def catalog(db: Session) -> list[CatalogTrack]:
    return make_catalog(db)
