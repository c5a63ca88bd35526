"""schemathesis against /openapi.json with a valid token: every operation, bounded examples;
no answer is a 5xx, and every answer matches what the document says (status, content type,
body schema, headers).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from searxng_cool.config import ApiConfig
from tests.api.server import Caller, RunningServer, running_server
from tests.conftest import DatabaseFactory

# High enough that the limiter never answers for the generated calls (it has its own test).
EXAMPLES = 6
UNLIMITED = ApiConfig(rate_limit_per_token=10**9, rate_limit_per_address=10**9)
CHECKS = (
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
)


@pytest.fixture(scope="module")
def conformance(
    databases: DatabaseFactory, template_db: str
) -> Iterator[tuple[RunningServer, Caller]]:
    url = databases.create(template=template_db, prefix="api")
    with running_server(url, UNLIMITED) as server:
        # Accounts made first hold the small token ids that generated ids hit most often.
        for n in range(3):
            server.make_user(f"decoy{n}")
        yield server, server.make_user("fuzzer")
    databases.drop(url)


def _operations(server: RunningServer) -> list[schemathesis.APIOperation]:
    loaded = schemathesis.openapi.from_url(server.base_url + "/openapi.json")
    # Revoking a token by a generated id could revoke the fuzzer's own token and turn every
    # later call into a 401; revocation is covered by the matrix and the v1 tests.
    kept = loaded.exclude(method="DELETE", path="/api/v1/me/tokens/{token_id}")
    return [result.ok() for result in kept.get_all_operations()]


def _exercise(operation: schemathesis.APIOperation, fuzzer: Caller) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=fuzzer.headers, checks=CHECKS)

    run()


def test_every_operation_answers_as_documented_and_never_5xx(
    conformance: tuple[RunningServer, Caller],
) -> None:
    server, fuzzer = conformance
    operations = _operations(server)
    assert len(operations) > 40
    failures = []
    for operation in operations:
        try:
            _exercise(operation, fuzzer)
        except (Exception, BaseExceptionGroup) as exc:  # every operation runs; all are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
