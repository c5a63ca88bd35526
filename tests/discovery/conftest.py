"""Fixtures for discovery tests: a small catalog on the test's connection.

The `connection` fixture (tests/conftest.py) is left to roll back: the services never commit.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Connection

from tests.music_catalog import CatalogTrack, make_catalog


@pytest.fixture
def catalog(connection: Connection) -> list[CatalogTrack]:
    return make_catalog(connection)
