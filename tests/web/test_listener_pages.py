"""A listener's pages in a real Chromium: log in, type-ahead search, artist and track pages,
playlists with drag-to-reorder and the stale-version message, tokens, discovery, listening."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.api.server import RunningServer
from tests.web.conftest import Catalog, log_in, make_account, screenshot


@pytest.fixture(scope="module")
def alice(site: tuple[RunningServer, Catalog]) -> str:
    make_account(site[0], "alice")
    return "alice"


@pytest.fixture
def context(browser: Any) -> Any:
    made = browser.new_context(viewport={"width": 1100, "height": 800})
    yield made
    made.close()


def test_logging_in_and_out_ends_the_session(
    site: tuple[RunningServer, Catalog], alice: str, context: Any
) -> None:
    server, _ = site
    page = log_in(context, server.base_url, alice)
    expect(page.get_by_role("heading", name="Hello, alice")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login$"))
    page.goto(f"{server.base_url}/playlists")
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fplaylists$"))


def test_a_wrong_password_is_refused_without_saying_whether_the_user_exists(
    site: tuple[RunningServer, Catalog], alice: str, context: Any
) -> None:
    server, _ = site
    page = context.new_page()
    page.goto(f"{server.base_url}/login")
    page.get_by_label("User name or e-mail").fill("alice")
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")


def test_typing_beyonse_offers_beyonce_and_picking_it_opens_her_page(
    site: tuple[RunningServer, Catalog], alice: str, context: Any
) -> None:
    server, catalog = site
    page = log_in(context, server.base_url, alice)
    page.get_by_role("combobox").press_sequentially("beyonse", delay=20)
    option = page.get_by_role("option", name=re.compile("Beyoncé"))
    expect(option.first).to_be_visible()
    screenshot(page, "type-ahead")
    page.get_by_role("option", name=re.compile(r"^Artist\s*Beyoncé$")).click()
    page.wait_for_url(f"{server.base_url}/artists/{catalog.beyonce}")
    expect(page.get_by_role("heading", name="Beyoncé", level=1)).to_be_visible()
    page.get_by_role("link", name="Halo").click()
    page.wait_for_url(f"{server.base_url}/tracks/{catalog.halo}")
    expect(page.get_by_role("heading", name="Similar tracks")).to_be_visible()
    expect(page.get_by_role("link", name="Sweet Dreams")).to_be_visible()
    screenshot(page, "track")


def _add_from_search(page: Any, base_url: str, title: str, playlist: str) -> None:
    page.goto(f"{base_url}/search?q={title}")
    page.get_by_label(f"Playlist for {title}").select_option(label=playlist)
    page.get_by_role("button", name=f"Add {title} to playlist").click()


def _titles(page: Any) -> list[str]:
    return [t.strip() for t in page.locator("#tracks li .title").all_inner_texts()]


def test_dragging_the_third_track_to_the_top_holds_after_reload(
    site: tuple[RunningServer, Catalog], alice: str, context: Any
) -> None:
    server, _ = site
    page = log_in(context, server.base_url, alice)
    page.goto(f"{server.base_url}/playlists")
    page.get_by_label("New playlist name").fill("Road trip")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/playlists/\d+$"))
    playlist_url = page.url
    for title in ("Halo", "Sweet Dreams", "Single Ladies"):
        _add_from_search(page, server.base_url, title, "Road trip")
    page.goto(playlist_url)
    assert _titles(page) == ["Halo", "Sweet Dreams", "Single Ladies"]
    rows = page.locator("#tracks li")
    rows.nth(2).drag_to(rows.nth(0))
    page.wait_for_load_state("load")
    expect(page.locator("#tracks li .title").first).to_have_text("Single Ladies")
    page.reload()
    assert _titles(page) == ["Single Ladies", "Halo", "Sweet Dreams"]
    screenshot(page, "playlist")


def test_a_reorder_from_a_stale_page_says_it_changed_elsewhere_and_reloads(
    site: tuple[RunningServer, Catalog], alice: str, browser: Any, context: Any
) -> None:
    server, _ = site
    first = log_in(context, server.base_url, alice)
    first.goto(f"{server.base_url}/playlists")
    first.get_by_role("link", name="Road trip").click()
    other = browser.new_context()
    try:
        second = log_in(other, server.base_url, alice)
        second.goto(first.url)
        second.get_by_role("button", name="Move Halo down").click()
        second.wait_for_load_state("load")
        expect(second.locator("#tracks li .title").nth(2)).to_have_text("Halo")
    finally:
        other.close()
    first.get_by_role("button", name="Move Single Ladies down").click()
    expect(first.get_by_role("alert")).to_contain_text("changed elsewhere — reloaded")
    assert _titles(first) == ["Single Ladies", "Sweet Dreams", "Halo"]
    screenshot(first, "playlist-stale")


def test_a_new_token_is_shown_once_and_revoking_asks_first(
    site: tuple[RunningServer, Catalog], alice: str, context: Any
) -> None:
    server, _ = site
    page = log_in(context, server.base_url, alice)
    page.goto(f"{server.base_url}/tokens")
    expect(page.locator("#api-root")).to_have_text(server.base_url)
    page.get_by_label("Label").fill("phone scrobbler")
    page.get_by_role("button", name="Create token").click()
    token = page.locator("#new-token").inner_text()
    assert len(token) >= 40
    screenshot(page, "tokens")
    page.goto(f"{server.base_url}/tokens")
    assert token not in page.content()
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Revoke token phone scrobbler").click()
    page.wait_for_load_state("load")
    assert "phone scrobbler" in asked[0]
    expect(page.get_by_role("button", name="Revoke token phone scrobbler")).to_have_count(0)
