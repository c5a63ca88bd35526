"""/metrics, the Grafana dashboard and the Prometheus alerts agree on every metric name."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, create_engine

from searxng_cool.api.app import create_app
from searxng_cool.api.metrics import METRIC_NAMES
from searxng_cool.config import DatabaseConfig, Settings
from tests.api.server import RunningServer
from tests.conftest import REPO_ROOT
from tests.scale.api_server import serve_with

DASHBOARD = REPO_ROOT / "deploy" / "grafana" / "searxng-cool.json"
ALERTS = REPO_ROOT / "deploy" / "prometheus" / "alerts.yml"
METRIC = re.compile(r"\bsearxng_[a-z0-9_]+")


@pytest.fixture
def served(engine: Engine) -> Iterator[RunningServer]:
    own = create_engine(engine.url, pool_size=4)
    with serve_with(own) as server:
        yield server
    own.dispose()


def exposed_names(server: RunningServer) -> set[str]:
    caller = server.make_user("metrics_reader")
    httpx.get(f"{server.base_url}/api/v1/search", params={"q": "x"}, headers=caller.headers)
    httpx.get(f"{server.base_url}/api/v1/tracks/999999", headers=caller.headers)
    answer = httpx.get(f"{server.base_url}/metrics")
    assert answer.status_code == 200
    names: set[str] = set()
    for family in text_string_to_metric_families(answer.text):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
    return names


def dashboard_names() -> set[str]:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    return {name for expr in exprs for name in METRIC.findall(expr)}


def alert_names() -> set[str]:
    rules = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    exprs = [r["expr"] for g in rules["groups"] for r in g["rules"]]
    return {name for expr in exprs for name in METRIC.findall(expr)}


def test_every_dashboard_panel_and_alert_uses_only_exposed_metrics(
    served: RunningServer,
) -> None:
    exposed = exposed_names(served)
    assert dashboard_names() - exposed == set()
    assert alert_names() - exposed == set()
    assert {n.removesuffix("_total") for n in METRIC_NAMES} <= {
        n.removesuffix("_total") for n in exposed
    }


def test_requests_are_counted_by_route_template_and_status(served: RunningServer) -> None:
    exposed_names(served)
    text = httpx.get(f"{served.base_url}/metrics").text
    assert 'route="/api/v1/tracks/{track_id}",status="404"' in text
    assert 'searxng_db_reads_total{target="primary"}' in text


def test_metrics_are_refused_to_callers_not_on_loopback(engine: Engine) -> None:
    app = create_app(Settings(database=DatabaseConfig(url=engine.url), source="t"), engine=engine)
    with TestClient(app, client=("192.0.2.7", 5000)) as client:
        assert client.get("/metrics").status_code == 403


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (prometheus) not installed")
def test_the_alert_rules_pass_promtool() -> None:
    result = subprocess.run(
        ["promtool", "check", "rules", str(ALERTS)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
