"""The pages' security over plain HTTP: cookie flags, CSRF on every change, the API bridge,
admin-only pages, open redirects, and no page showing another user's private data."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from searxng_cool.discovery import sessions
from searxng_cool.playlists import editing, manage
from tests import factories
from tests.api.server import RunningServer
from tests.web.conftest import Catalog, csrf_of, http_session, make_account


@pytest.fixture(scope="module")
def people(site: tuple[RunningServer, Catalog]) -> dict[str, int]:
    server, catalog = site
    made = {name: make_account(server, name) for name in ("alice", "bob")}
    with server.engine.begin() as connection:
        secret = manage.create_playlist(
            connection, owner_id=made["alice"], name="Alice secret mixtape"
        )
        editing.add_tracks(
            connection, playlist_id=secret, actor_id=made["alice"], track_ids=[catalog.halo]
        )
        made["secret"] = secret
        made["session"] = sessions.start_session(
            connection, user_id=made["alice"], session_type="genre", parameters={"genre": "r&b"}
        )
        factories.interaction(connection, user_id=made["alice"], track_id=catalog.halo)
    return made


@pytest.fixture(scope="module")
def alice(site: tuple[RunningServer, Catalog], people: dict[str, int]) -> Iterator[httpx.Client]:
    client = http_session(site[0].base_url, "alice")
    yield client
    client.close()


@pytest.fixture(scope="module")
def bob(site: tuple[RunningServer, Catalog], people: dict[str, int]) -> Iterator[httpx.Client]:
    client = http_session(site[0].base_url, "bob")
    yield client
    client.close()


def test_the_session_cookie_is_httponly_and_samesite_strict(
    site: tuple[RunningServer, Catalog], people: dict[str, int]
) -> None:
    with httpx.Client(base_url=site[0].base_url) as client:
        token = csrf_of(client.get("/login").text)
        answer = client.post(
            "/login",
            data={"login": "alice", "password": "correct horse battery", "csrf": token},
        )
    cookie = next(value for name, value in answer.headers.multi_items() if name == "set-cookie")
    assert cookie.startswith("sxc_session=")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie


def test_a_form_without_its_csrf_token_changes_nothing(
    alice: httpx.Client, people: dict[str, int]
) -> None:
    refused = alice.post("/playlists", data={"name": "forged"})
    forged = alice.post("/playlists", data={"name": "forged", "csrf": "0" * 64})
    assert (refused.status_code, forged.status_code) == (403, 403)
    assert "forged" not in alice.get("/playlists").text


def test_the_api_takes_the_session_cookie_only_with_the_csrf_header(
    alice: httpx.Client,
) -> None:
    token = csrf_of(alice.get("/").text)
    without = alice.get("/api/v1/me")
    with_header = alice.get("/api/v1/me", headers={"X-CSRF-Token": token})
    assert without.status_code == 401
    assert with_header.json()["username"] == "alice"


def test_pages_carry_a_csp_without_inline_scripts(alice: httpx.Client) -> None:
    page = alice.get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


def test_another_users_private_playlist_is_not_found_and_not_listed(
    bob: httpx.Client, people: dict[str, int]
) -> None:
    secret = people["secret"]
    assert bob.get(f"/playlists/{secret}").status_code == 404
    assert bob.get(f"/playlists/{secret}/export.jspf").status_code == 404
    assert "Alice secret mixtape" not in bob.get("/playlists").text
    with httpx.Client(base_url=str(bob.base_url)) as anonymous:
        assert anonymous.get(f"/playlists/{secret}").status_code == 404


def test_another_users_discovery_session_listening_and_tokens_stay_private(
    bob: httpx.Client, people: dict[str, int]
) -> None:
    assert bob.get(f"/discovery/{people['session']}").status_code in (403, 404)
    listening = bob.get("/listening").text
    assert "0 plays in the last 90 days" in listening
    assert "Halo" not in listening
    assert "alice" not in bob.get("/tokens").text


def test_operator_pages_refuse_a_listener(bob: httpx.Client) -> None:
    token = csrf_of(bob.get("/").text)
    assert bob.get("/admin/").status_code == 403
    assert bob.post("/admin/live/1/terminate", data={"csrf": token}).status_code == 403


def test_login_never_redirects_to_another_site(
    site: tuple[RunningServer, Catalog], people: dict[str, int]
) -> None:
    with httpx.Client(base_url=site[0].base_url) as client:
        token = csrf_of(client.get("/login").text)
        answer = client.post(
            "/login",
            data={
                "login": "bob",
                "password": "correct horse battery",
                "csrf": token,
                "next": "//evil.example/",
            },
        )
    assert answer.headers["location"] == "/"


def test_logging_out_revokes_the_session_token(
    site: tuple[RunningServer, Catalog], people: dict[str, int]
) -> None:
    client = http_session(site[0].base_url, "bob")
    stolen = dict(client.cookies)
    client.post("/logout", data={"csrf": csrf_of(client.get("/").text)})
    with httpx.Client(base_url=site[0].base_url, cookies=stolen) as replay:
        assert replay.get("/playlists").status_code == 303


def test_every_page_route_is_a_page_path_and_no_api_path_is() -> None:
    from searxng_cool.web import admin_pages, pages
    from searxng_cool.web.middleware import is_page_path

    routes = [route.path for route in (*pages.router.routes, *admin_pages.router.routes)]
    assert all(is_page_path(path) for path in routes), routes
    assert not any(is_page_path(p) for p in ("/api/v1/me", "/1/submit-listens", "/docs"))


def test_a_logged_in_browser_is_rate_limited_per_session_not_per_address(
    alice: httpx.Client,
) -> None:
    page = alice.get("/playlists")
    anonymous = httpx.get(f"{alice.base_url}/login")
    assert int(page.headers["x-ratelimit-limit"]) > int(anonymous.headers["x-ratelimit-limit"])


def test_a_public_playlist_is_readable_by_anyone_and_exports_for_its_owner(
    site: tuple[RunningServer, Catalog], alice: httpx.Client, people: dict[str, int]
) -> None:
    server, catalog = site
    with server.engine.begin() as connection:
        shared = manage.create_playlist(
            connection, owner_id=people["alice"], name="Alice public picks", is_public=True
        )
        editing.add_tracks(
            connection, playlist_id=shared, actor_id=people["alice"], track_ids=[catalog.halo]
        )
    with httpx.Client(base_url=server.base_url) as anonymous:
        page = anonymous.get(f"/playlists/{shared}")
    exported = alice.get(f"/playlists/{people['secret']}/export.m3u8")
    assert page.status_code == 200
    assert "Halo" in page.text
    assert 'data-move="up"' not in page.text
    assert exported.headers["content-type"].startswith("audio/x-mpegurl")
    assert "Halo" in exported.text


def test_the_owner_adds_and_removes_a_collaborator_who_then_sees_the_playlist(
    site: tuple[RunningServer, Catalog],
    alice: httpx.Client,
    bob: httpx.Client,
    people: dict[str, int],
) -> None:
    with site[0].engine.begin() as connection:
        secret = manage.create_playlist(
            connection, owner_id=people["alice"], name="Alice and friends", is_collaborative=True
        )

    def form() -> dict[str, str]:
        page = alice.get(f"/playlists/{secret}").text
        version = re.search(r'name="version" value="(\d+)"', page)
        assert version
        return {"csrf": csrf_of(page), "version": version[1], "username": "bob"}

    alice.post(f"/playlists/{secret}/collaborators", data=form())
    seen = bob.get(f"/playlists/{secret}").status_code
    alice.post(f"/playlists/{secret}/collaborators/remove", data=form())
    assert (seen, bob.get(f"/playlists/{secret}").status_code) == (200, 404)


def test_a_smart_playlists_rules_read_as_sentences(
    site: tuple[RunningServer, Catalog], alice: httpx.Client, people: dict[str, int]
) -> None:
    with site[0].engine.begin() as connection:
        smart = manage.create_playlist(
            connection,
            owner_id=people["alice"],
            name="Loud ones",
            dynamic_rules={"all": [{"gt": {"energy": 0.8}}], "sort": "popularity", "limit": 50},
        )
    page = alice.get(f"/playlists/{smart}").text
    assert "energy is more than 0.8" in page
    assert "at most 50 tracks" in page
