"""A listener's pages in a real Chromium: log in, type-ahead search, artist and track pages,
playlists with drag-to-reorder and the stale-version message, tokens, discovery, listening."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from searxng_cool import accounts
from searxng_cool.playlists import editing, manage
from tests import factories
from tests.api.server import RunningServer
from tests.web.conftest import Catalog, log_in, make_account, screenshot, unnamed_controls


@pytest.fixture(scope="module")
def alice(site: tuple[RunningServer, Catalog]) -> str:
    make_account(site[0], "alice")
    return "alice"


@pytest.fixture(scope="module")
def alice_state(site: tuple[RunningServer, Catalog], alice: str, browser: Any) -> Any:
    """alice's logged-in cookies, made once through the login form and reused."""
    made = browser.new_context()
    log_in(made, site[0].base_url, alice)
    state = made.storage_state()
    made.close()
    return state


@pytest.fixture
def mixtape(site: tuple[RunningServer, Catalog], alice: str) -> str:
    """A fresh playlist of alice's: Halo, Sweet Dreams, Single Ladies (its page's path)."""
    server, catalog = site
    with server.engine.begin() as connection:
        owner = accounts.get_account(connection, user=alice).id
        made = manage.create_playlist(connection, owner_id=owner, name="Mixtape")
        editing.add_tracks(
            connection,
            playlist_id=made,
            actor_id=owner,
            track_ids=[catalog.tracks[0], catalog.tracks[1], catalog.tracks[3]],
        )
    return f"/playlists/{made}"


@pytest.fixture
def context(browser: Any) -> Any:
    made = browser.new_context(viewport={"width": 1100, "height": 800})
    yield made
    made.close()


@pytest.fixture
def signed_in(browser: Any, alice_state: Any) -> Any:
    """A context already logged in as alice."""
    made = browser.new_context(viewport={"width": 1100, "height": 800}, storage_state=alice_state)
    yield made
    made.close()


def home(context: Any, base_url: str) -> Any:
    page = context.new_page()
    page.goto(f"{base_url}/")
    return page


def test_logging_in_and_out_ends_the_session(
    site: tuple[RunningServer, Catalog], alice: str, context: Any
) -> None:
    server, _ = site
    page = log_in(context, server.base_url, alice)
    expect(page.get_by_role("heading", name="Hello, alice")).to_be_visible()
    screenshot(page, "logged-in")
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
    screenshot(page, "login-refused")


def test_typing_beyonse_offers_beyonce_and_picking_it_opens_her_page(
    site: tuple[RunningServer, Catalog], signed_in: Any
) -> None:
    server, catalog = site
    page = home(signed_in, server.base_url)
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
    site: tuple[RunningServer, Catalog], signed_in: Any
) -> None:
    server, _ = site
    page = home(signed_in, server.base_url)
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
    site: tuple[RunningServer, Catalog],
    browser: Any,
    alice_state: Any,
    signed_in: Any,
    mixtape: str,
) -> None:
    server, _ = site
    first = signed_in.new_page()
    first.goto(f"{server.base_url}{mixtape}")
    other = browser.new_context(storage_state=alice_state)
    try:
        second = other.new_page()
        second.goto(first.url)
        second.get_by_role("button", name="Move Halo down").click()
        second.wait_for_load_state("load")
        expect(second.locator("#tracks li .title").nth(1)).to_have_text("Halo")
    finally:
        other.close()
    first.get_by_role("button", name="Move Sweet Dreams down").click()
    expect(first.get_by_role("alert")).to_contain_text("changed elsewhere — reloaded")
    assert _titles(first) == ["Sweet Dreams", "Halo", "Single Ladies"]
    screenshot(first, "playlist-stale")


def test_a_new_token_is_shown_once_and_revoking_asks_first(
    site: tuple[RunningServer, Catalog], signed_in: Any
) -> None:
    server, _ = site
    page = home(signed_in, server.base_url)
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


def test_a_discovery_session_shows_reasons_and_takes_a_like(
    site: tuple[RunningServer, Catalog], signed_in: Any
) -> None:
    server, catalog = site
    page = home(signed_in, server.base_url)
    page.get_by_role("link", name="Discovery").click()
    page.get_by_label("Similar to track (id)").fill(str(catalog.halo))
    page.get_by_role("button", name="Start from a track").click()
    page.wait_for_url(re.compile(r"/discovery/\d+$"))
    like = page.get_by_role("button", name=re.compile(r"^Like "))
    expect(like.first).to_be_visible()
    expect(page.locator(".reasons").first).not_to_be_empty()
    like.first.click()
    expect(page.locator(".done").first).to_have_text("liked")
    screenshot(page, "discovery")
    page.get_by_label("Rate this session").select_option("4")
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(f"{server.base_url}/discovery")


def test_my_listening_charts_plays_per_day_and_lists_top_tracks(
    site: tuple[RunningServer, Catalog], signed_in: Any
) -> None:
    server, catalog = site
    with server.engine.begin() as connection:
        alice_id = connection.exec_driver_sql(
            "SELECT id FROM users WHERE username = 'alice'"
        ).scalar_one()
        for _ in range(3):
            factories.interaction(connection, user_id=alice_id, track_id=catalog.halo)
    page = home(signed_in, server.base_url)
    page.get_by_role("link", name="My listening").click()
    chart = page.get_by_role("img", name="My plays per day, last 90 days")
    expect(chart).to_be_visible()
    assert page.locator("svg.chart rect.bar").count() == 90
    expect(page.get_by_role("heading", name="Top tracks")).to_be_visible()
    expect(
        page.locator("section", has_text="Top tracks").get_by_role("link", name="Halo")
    ).to_be_visible()
    screenshot(page, "listening")


def _focus_by_tab(page: Any, accessible_name: str, *, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e.getAttribute('aria-label') || e.textContent.trim() || e.id }"
        )
        if focused == accessible_name:
            return
    raise AssertionError(f"Tab never reached {accessible_name!r}")


def test_search_choosing_a_result_and_reordering_work_with_the_keyboard_alone(
    site: tuple[RunningServer, Catalog], signed_in: Any, mixtape: str
) -> None:
    server, catalog = site
    page = home(signed_in, server.base_url)
    _focus_by_tab(page, "q")
    page.keyboard.type("beyonce", delay=20)
    expect(page.get_by_role("option").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.base_url}/artists/{catalog.beyonce}")
    page.goto(f"{server.base_url}/playlists")
    page.get_by_role("link", name="Mixtape").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/playlists/\d+$"))
    before = _titles(page)
    _focus_by_tab(page, f"Move {before[1]} up")
    page.keyboard.press("Enter")
    expect(page.locator("#tracks li .title").first).to_have_text(before[1])
    assert _titles(page) == [before[1], before[0], *before[2:]]
    screenshot(page, "keyboard-reorder")


def test_every_control_on_every_listener_page_has_an_accessible_name_and_pages_stay_small(
    site: tuple[RunningServer, Catalog], signed_in: Any, mixtape: str
) -> None:
    server, catalog = site
    page = signed_in.new_page()
    weights: dict[str, int] = {}
    page.on(
        "response",
        lambda r: (
            weights.__setitem__(r.url, len(r.body()))
            if r.request.resource_type in ("document", "stylesheet", "script")
            else None
        ),
    )
    playlist = mixtape
    paths = [
        "/",
        "/search?q=beyonce",
        f"/artists/{catalog.beyonce}",
        f"/tracks/{catalog.halo}",
        "/playlists",
        playlist,
        "/tokens",
        "/listening",
        "/discovery",
    ]
    for path in paths:
        weights.clear()
        response = page.goto(f"{server.base_url}{path}")
        assert response is not None
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert page.locator("script:not([src])").count() == 0
        assert unnamed_controls(page) == [], path
        total = sum(weights.values())
        assert total <= 200 * 1024, f"{path} weighs {total} bytes"
