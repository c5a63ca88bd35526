"""Rate limits on a server configured tight: ListenBrainz's headers count down, then 429."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from searxng_cool.config import ApiConfig
from tests.api.server import RunningServer, running_server
from tests.conftest import DatabaseFactory

PER_TOKEN, PER_ADDRESS = 4, 3


@pytest.fixture(scope="module")
def api(databases: DatabaseFactory, template_db: str) -> Iterator[RunningServer]:
    url = databases.create(template=template_db, prefix="api")
    limits = ApiConfig(
        rate_limit_per_token=PER_TOKEN,
        rate_limit_per_address=PER_ADDRESS,
        rate_limit_window_seconds=3600,
    )
    with running_server(url, limits) as server:
        yield server
    databases.drop(url)


def test_the_headers_count_down_and_the_call_after_the_limit_gets_429(api: RunningServer) -> None:
    caller = api.make_user("counted")
    answers = [
        httpx.get(api.base_url + "/api/v1/me", headers=caller.headers) for _ in range(PER_TOKEN + 1)
    ]
    assert [a.status_code for a in answers] == [200] * PER_TOKEN + [429]
    assert [int(a.headers["X-RateLimit-Remaining"]) for a in answers] == [3, 2, 1, 0, 0]
    assert {a.headers["X-RateLimit-Limit"] for a in answers} == {str(PER_TOKEN)}
    refused = answers[-1]
    assert 0 < int(refused.headers["Retry-After"]) <= 3600
    assert 0 < int(refused.headers["X-RateLimit-Reset-In"]) <= 3600
    assert int(refused.headers["X-RateLimit-Reset"]) > 1_700_000_000
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["status"] == 429


def test_listenbrainz_paths_answer_429_in_listenbrainz_shape(api: RunningServer) -> None:
    caller = api.make_user("scrobbler")
    for _ in range(PER_TOKEN):
        httpx.get(api.base_url + "/1/validate-token", headers=caller.headers)
    refused = httpx.get(api.base_url + "/1/validate-token", headers=caller.headers)
    assert refused.status_code == 429
    assert refused.json()["code"] == 429
    assert "Retry-After" in refused.headers


def test_each_token_and_anonymous_callers_have_their_own_budget(api: RunningServer) -> None:
    first, second = api.make_user("first"), api.make_user("second")
    for _ in range(PER_TOKEN + 1):
        httpx.get(api.base_url + "/api/v1/me", headers=first.headers)
    assert httpx.get(api.base_url + "/api/v1/me", headers=second.headers).status_code == 200
    anonymous = [httpx.get(api.base_url + "/healthz") for _ in range(PER_ADDRESS + 1)]
    assert [a.status_code for a in anonymous] == [200] * PER_ADDRESS + [429]
