"""An option of the test set-up: run the API's tests through PgBouncer.

With SEARXNG_COOL_TEST_POOLER=1 the API test servers connect through a pgbouncer in
transaction mode in front of the shared embedded test cluster (started once, left
running for later sessions like the cluster itself; `pooler stop` with
SEARXNG_COOL_PGDATA pointing at the test cluster stops it).
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy.engine import URL

POOLER_OPTION = "SEARXNG_COOL_TEST_POOLER"


def through_pooler(url: URL) -> tuple[URL, dict[str, Any]]:
    """The URL the API under test uses, and the connect arguments it needs."""
    if os.environ.get(POOLER_OPTION) != "1" or os.environ.get("TEST_DATABASE_URL"):
        return url, {}
    from searxng_cool.admin.pooler import Pooler
    from searxng_cool.db.embedded import EmbeddedCluster
    from tests.conftest import TEST_CLUSTER_SETTINGS, test_cluster_dir

    pooler = Pooler(EmbeddedCluster(test_cluster_dir(), settings=TEST_CLUSTER_SETTINGS))
    # The user list is written at start: a running pooler knows the roles made since then
    # only after a restart, so restart it when the API's database needs a role it lacks.
    pooler.start(pool_size=20, max_clients=2000)
    assert url.database is not None
    pooled = pooler.url(user=url.username or "postgres", database=url.database)
    return pooled, {"prepare_threshold": None}
