"""The institution login in Chromium: the button on the login page, the provider's own login
form, back to the node's code page, logged in with MFA."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.web.conftest import make_person
from tests.web.oidc.conftest import configure, start_provider, stop_provider


@pytest.fixture
def provider_for_live_server(live_server: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A provider whose client may redirect to this live server's callback (its port is per test)."""
    proc, issuer = start_provider(f"{live_server}/login/oidc/callback")
    configure(monkeypatch, issuer)
    yield issuer
    stop_provider(proc)


def test_a_board_member_logs_in_with_the_institution_then_the_node_code_in_the_browser(node, live_server, provider_for_live_server, page):
    person = make_person(node, "bea.board@uni.example", "data_access_board")
    page.goto(f"{live_server}/login?next=/account/mfa")
    page.get_by_role("link", name="Log in with Test University").click()

    page.wait_for_url(f"{provider_for_live_server}/interaction/**")
    page.fill("input[name=login]", person.email)
    page.fill("input[name=password]", "the institution checks this, not the node")
    page.get_by_role("button", name="Sign-in").click()

    page.wait_for_url(f"{live_server}/login/oidc/callback**")
    assert page.get_by_role("heading", name="Authentication code").is_visible()
    page.fill("#code", person.code())
    page.get_by_role("button", name="Verify").click()

    page.wait_for_url(f"{live_server}/account/mfa")
    me = page.request.get(f"{live_server}/api/session").json()["account"]
    assert me["email"] == person.email and me["mfa_verified"] is True
