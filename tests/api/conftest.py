"""One real API server per test module (module-scoped database cloned from the template)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.server import RunningServer, running_server
from tests.conftest import DatabaseFactory


@pytest.fixture(scope="module")
def api(databases: DatabaseFactory, template_db: str) -> Iterator[RunningServer]:
    url = databases.create(template=template_db, prefix="api")
    with running_server(url) as server:
        yield server
    databases.drop(url)
