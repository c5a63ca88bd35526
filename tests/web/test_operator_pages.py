"""The operator's pages in a real Chromium: the overview shows every status check with a
verdict; live queries can be cancelled or terminated, after a confirmation naming the query."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from searxng_cool.admin import status
from searxng_cool.config import OperationsConfig
from tests.api.server import RunningServer
from tests.web.conftest import Catalog, log_in, make_account, screenshot, unnamed_controls


@pytest.fixture(scope="module")
def operator(site: tuple[RunningServer, Catalog], browser: Any) -> Any:
    server, _ = site
    make_account(server, "root", admin=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = log_in(context, server.base_url, "root")
    yield page
    context.close()


def test_the_overview_shows_every_status_check_and_a_verdict(
    site: tuple[RunningServer, Catalog], operator: Any
) -> None:
    server, _ = site
    with server.engine.begin() as connection:
        expected = status.collect_status(
            connection, ops=OperationsConfig(), pool_size=20, record_sample=False
        )
    operator.goto(f"{server.base_url}/admin/")
    expect(operator.locator("#verdict")).not_to_be_empty()
    shown = operator.locator("table.checks tbody th").all_inner_texts()
    assert [name.strip() for name in shown] == [check.name for check in expected.checks]
    assert unnamed_controls(operator) == []
    screenshot(operator, "operator-overview")


def test_the_activity_page_charts_plays_new_tracks_and_lists_ingest_runs(
    site: tuple[RunningServer, Catalog], operator: Any
) -> None:
    server, _ = site
    operator.goto(f"{server.base_url}/admin/activity")
    expect(operator.get_by_role("img", name="Plays per day, last 90 days")).to_be_visible()
    expect(operator.get_by_role("img", name="Listens per hour, last 48 hours")).to_be_visible()
    expect(operator.get_by_role("img", name="New tracks per day, last 90 days")).to_be_visible()
    expect(operator.get_by_role("table", name="Ingest runs, newest first")).to_be_visible()


def test_terminating_a_live_query_asks_first_naming_it(
    site: tuple[RunningServer, Catalog], operator: Any
) -> None:
    server, _ = site
    outcome: list[str] = []
    sleeper = create_engine(server.engine.url)

    def long_query() -> None:
        try:
            with sleeper.connect() as connection:
                connection.execute(text("SELECT pg_sleep(60) AS web_test_sleeper"))
            outcome.append("finished")
        except DBAPIError as error:
            outcome.append(type(error.orig).__name__)

    thread = threading.Thread(target=long_query, daemon=True)
    thread.start()
    try:
        operator.goto(f"{server.base_url}/admin/live")
        for _ in range(50):
            if operator.get_by_text("web_test_sleeper").count():
                break
            operator.wait_for_timeout(100)
            operator.reload()
        button = operator.get_by_role("button", name="Terminate connection").first
        asked: list[str] = []
        operator.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
        button.click()
        assert "web_test_sleeper" in asked[0]
        expect(operator.get_by_text("web_test_sleeper")).to_be_visible()
        assert thread.is_alive()
        screenshot(operator, "operator-live")
        assert unnamed_controls(operator) == []
        operator.once("dialog", lambda d: (asked.append(d.message), d.accept()))
        button.click()
        thread.join(timeout=10)
        assert outcome
        assert outcome[0] != "finished"
        # The backend exits shortly after the signal: the list may need a reload or two.
        for _ in range(50):
            if operator.get_by_text("web_test_sleeper").count() == 0:
                break
            operator.wait_for_timeout(100)
            operator.reload()
        expect(operator.get_by_text("web_test_sleeper")).to_have_count(0)
    finally:
        thread.join(timeout=65)
        sleeper.dispose()


def test_queries_explain_a_statement_and_reset_asks_first(
    site: tuple[RunningServer, Catalog], operator: Any
) -> None:
    server, _ = site
    operator.goto(f"{server.base_url}/admin/queries")
    expect(operator.get_by_role("table", name=re.compile("pg_stat_statements"))).to_be_visible()
    asked: list[str] = []
    operator.once("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    operator.get_by_role("button", name="Reset statistics").click()
    assert "Reset pg_stat_statements" in asked[0]
    operator.get_by_role("link", name="Explain a statement").click()
    operator.get_by_label(re.compile("^Statement")).fill("SELECT count(*) FROM tracks")
    operator.get_by_role("checkbox", name=re.compile("ANALYZE")).check()
    operator.get_by_role("button", name="Explain").click()
    expect(operator.locator("pre.plan")).to_contain_text("actual time")


@pytest.mark.parametrize(
    ("path", "table"),
    [
        ("space", "Tables and indexes by size"),
        ("partitions", "Monthly partitions"),
        ("migrations", "History, newest first"),
        ("maintenance", "Vacuum and analyze per table"),
        ("backups", "Backups, newest first"),
    ],
)
def test_each_operator_page_shows_its_table_with_named_controls(
    site: tuple[RunningServer, Catalog], operator: Any, path: str, table: str
) -> None:
    server, _ = site
    operator.goto(f"{server.base_url}/admin/{path}")
    expect(operator.get_by_role("table", name=re.compile(table))).to_be_visible()
    if path == "space":
        chart = operator.get_by_role("img", name="The 15 largest tables and indexes (MB)")
        expect(chart.locator("rect.bar")).to_have_count(15)
    assert unnamed_controls(operator) == []
