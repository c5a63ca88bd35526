"""The pages in a real Chromium: one server, one database and one browser per test module.

Debian's chromium drives the pages through Playwright (its own browser download is not
used); screenshots go to test-artifacts/web/ (git-ignored).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Connection

from searxng_cool.accounts import register_user
from searxng_cool.accounts.registry import OPERATOR
from tests import factories
from tests.api.server import RunningServer, running_server
from tests.conftest import DatabaseFactory

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Catalog:
    beyonce: int
    halo: int
    tracks: list[int]
    titles: list[str]


def seed_catalog(connection: Connection) -> Catalog:
    """Beyoncé with an album of five tracks (with features, so similar tracks exist), and
    a few other artists so search has something to rank."""
    beyonce = factories.artist(connection, name="Beyoncé", popularity=90, genres=["r&b"])
    album = factories.album(connection, artist_id=beyonce, title="I Am... Sasha Fierce")
    titles = ["Halo", "Sweet Dreams", "If I Were a Boy", "Single Ladies", "Broken-Hearted Girl"]
    tracks = [
        factories.track(
            connection,
            title=title,
            artist_id=beyonce,
            album_id=album,
            popularity=80 - n,
            audio_features=factories.audio_features(energy=0.2 + n * 0.15, valence=0.5),
        )
        for n, title in enumerate(titles)
    ]
    for name in ("Metallica", "Tiësto", "Dua Lipa"):
        other = factories.artist(connection, name=name, popularity=50)
        factories.track(
            connection,
            title=f"{name} Song",
            artist_id=other,
            audio_features=factories.audio_features(energy=0.5, valence=0.5),
        )
    return Catalog(beyonce=beyonce, halo=tracks[0], tracks=tracks, titles=titles)


def make_account(server: RunningServer, name: str, *, admin: bool = False) -> int:
    with server.engine.begin() as connection:
        made = register_user(
            connection,
            username=name,
            email=f"{name}@example.org",
            password=PASSWORD,
            is_admin=admin,
            by=OPERATOR,
        )
    return made.id


@pytest.fixture(scope="module")
def site(databases: DatabaseFactory, template_db: str) -> Iterator[tuple[RunningServer, Catalog]]:
    url = databases.create(template=template_db, prefix="web")
    with running_server(url) as server:
        with server.engine.begin() as connection:
            catalog = seed_catalog(connection)
        yield server, catalog
    databases.drop(url)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: run `make setup` (it installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright starts the browser on a fresh, temporary user-data-dir of its own.
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def log_in(context: Any, base_url: str, name: str) -> Any:
    """A new page of `context`, logged in as `name` through the login form."""
    page = context.new_page()
    page.goto(f"{base_url}/login")
    page.get_by_label("User name or e-mail").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/")
    return page


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def csrf_of(html: str) -> str:
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def http_session(base_url: str, name: str) -> httpx.Client:
    """An HTTP client logged in as `name` through the login form (cookies kept)."""
    client = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)
    token = csrf_of(client.get("/login").text)
    answer = client.post("/login", data={"login": name, "password": PASSWORD, "csrf": token})
    assert answer.status_code == 303, answer.text
    return client


INTERACTIVE = {
    "button",
    "link",
    "textbox",
    "combobox",
    "checkbox",
    "listbox",
    "option",
    "searchbox",
    "menuitem",
    "tab",
    "radio",
    "spinbutton",
}


def unnamed_controls(page: Any) -> list[str]:
    session = page.context.new_cdp_session(page)
    tree = session.send("Accessibility.getFullAXTree")
    session.detach()
    unnamed = []
    for node in tree["nodes"]:
        role = (node.get("role") or {}).get("value")
        name = (node.get("name") or {}).get("value")
        if role in INTERACTIVE and not node.get("ignored") and not (name or "").strip():
            unnamed.append(f"{role} {node.get('nodeId')}")
    return unnamed
