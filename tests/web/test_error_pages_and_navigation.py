"""Page routes answer errors with the node's HTML page (API routes keep JSON problems), the
node has a favicon, and every page carries the same navigation for a role, releases included."""

from __future__ import annotations

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from onconode.interfaces.http.app import create_app
from tests.web.conftest import login, make_person

HTML = {"accept": "text/html,application/xhtml+xml"}


def test_an_unknown_page_is_an_html_404_page_with_the_navigation(client):
    r = client.get("/no/such/page", headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in r.text and 'href="/catalogue"' in r.text and 'rel="icon"' in r.text


def test_api_routes_keep_json_problems_even_for_a_browser(client):
    r = client.get("/api/no-such-thing", headers=HTML)
    assert r.status_code == 404 and r.json() == {"detail": "Not Found"}
    r = client.get("/beacon/no-such-thing", headers=HTML)
    assert r.status_code == 404 and r.headers["content-type"] == "application/json"  # the Beacon's own error document
    assert client.get("/no/such/page").json() == {"detail": "Not Found"}  # a program that does not ask for HTML


def test_a_forbidden_page_is_an_html_403_page_saying_what_to_do(client, node):
    login(client, make_person(node, "someone@umcu.nl"))
    r = client.get("/access/office", headers=HTML)
    assert r.status_code == 403 and "<h1>Not allowed</h1>" in r.text and "data access office" in r.text


def test_a_page_that_needs_a_login_says_so_with_a_login_link(client):
    r = client.get("/access/mine", headers=HTML)
    assert r.status_code == 401 and "<h1>Please log in</h1>" in r.text and 'href="/login?next=/access/mine"' in r.text


def test_an_unexpected_failure_is_an_html_500_page_and_a_json_500_on_the_api(node):
    app = create_app(node)
    broken = APIRouter()

    @broken.get("/broken-page")
    @broken.get("/api/broken")
    def fail() -> None:
        raise RuntimeError("a bug")

    app.include_router(broken)
    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as c:
        page = c.get("/broken-page", headers=HTML)
        assert page.status_code == 500 and "<h1>Something went wrong on the node</h1>" in page.text and "a bug" not in page.text
        api = c.get("/api/broken", headers=HTML)
        assert api.status_code == 500 and api.json() == {"detail": "the node could not complete this request"}


def test_the_favicon_is_served(client):
    for path in ("/favicon.ico", "/static/favicon.svg"):
        r = client.get(path)
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml") and b"<svg" in r.content


@pytest.mark.parametrize("roles", [(), ("data_access_office",), ("data_access_board",)])
def test_every_page_of_a_role_has_the_same_navigation_with_releases(client, node, roles):
    login(client, make_person(node, f"p{len(roles)}@umcu.nl", *roles))
    navs = set()
    for path in ("/", "/catalogue", "/cohorts", "/access", "/register", "/access/mine", "/releases", "/no/such/page"):
        r = client.get(path, headers=HTML)
        nav = r.text.split('<nav aria-label="Main">')[1].split("</nav>")[0].replace(' aria-current="page"', "")
        navs.add(nav)
        assert 'href="/releases">Releases</a>' in nav, path
    assert len(navs) == 1
