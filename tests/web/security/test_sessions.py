"""Sessions end on the server (issue 15 item 12): a cookie copied before logout, a password
change, an account being disabled or an MFA reset is refused when replayed afterwards, by
every server worker (the state is in the governance database)."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from onconode.access.schema import web_session
from onconode.interfaces.http.app import SESSION_COOKIE, create_app
from onconode.interfaces.http.node import Node

from tests.web.conftest import FAST_ARGON2, PASSWORD, login, make_person


def _replay(app, cookie: str) -> int:
    """GET /api/session with only this cookie, from a fresh client: the status code."""
    with TestClient(app, base_url="https://testserver") as other:
        return other.get("/api/session", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}).status_code


def _logged_in(app, person) -> tuple[TestClient, str]:
    c = TestClient(app, base_url="https://testserver")
    login(c, person)
    return c, c.cookies[SESSION_COOKIE]


def test_the_cookie_holds_only_a_random_id_and_the_database_its_hash(client, node):
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    login(client, bob)
    cookie = client.cookies[SESSION_COOKIE]
    assert "." not in cookie and len(cookie) >= 40  # no signed payload, just an id
    with node.gov.engine.connect() as conn:
        rows = conn.execute(sa.select(web_session.c.id_hash, web_session.c.account_id)).fetchall()
    assert [r.account_id for r in rows] == [bob.id] and cookie not in {r.id_hash for r in rows}


def test_a_cookie_replayed_after_logout_is_refused(client, node):
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    login(client, bob)
    cookie = client.cookies[SESSION_COOKIE]
    assert _replay(client.app, cookie) == 200
    assert client.delete("/api/session").status_code == 200
    assert _replay(client.app, cookie) == 401


def test_logout_in_one_worker_ends_the_session_in_every_worker(node, tmp_path):
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    worker_a = create_app(node)
    other = Node(node.home, governance_options=FAST_ARGON2)  # a second server process on the same home
    try:
        worker_b = create_app(other)
        a, cookie = _logged_in(worker_a, bob)
        assert _replay(worker_b, cookie) == 200
        with TestClient(worker_b, base_url="https://testserver") as b:
            b.cookies.set(SESSION_COOKIE, cookie)
            csrf = a.headers["X-CSRF-Token"]
            assert b.delete("/api/session", headers={"X-CSRF-Token": csrf}).status_code == 200
        assert _replay(worker_a, cookie) == 401
    finally:
        other.close()


def test_a_password_change_ends_every_other_session_of_the_account(client, node):
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    _, laptop = _logged_in(client.app, bob)
    login(client, bob)
    phone = client.cookies[SESSION_COOKIE]
    r = client.post("/api/session/password", json={"current": PASSWORD, "new": "a much better passphrase"})
    assert r.status_code == 200, r.text
    assert _replay(client.app, laptop) == 401 and _replay(client.app, phone) == 401
    assert client.get("/api/session").status_code == 200  # the session that changed it goes on under a new id
    assert client.cookies[SESSION_COOKIE] != phone


def test_a_wrong_current_password_changes_nothing(client, node):
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    login(client, bob)
    r = client.post("/api/session/password", json={"current": "not it at all", "new": "a much better passphrase"})
    assert r.status_code == 401 and "nothing was changed" in r.json()["detail"]
    assert client.get("/api/session").status_code == 200


def test_disabling_an_account_ends_its_sessions(client, node):
    admin = make_person(node, "admin@node.org", "admin")
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    _, cookie = _logged_in(client.app, bob)
    login(client, admin)
    assert client.post(f"/api/accounts/{bob.id}/disable").json()["active"] is False
    assert _replay(client.app, cookie) == 401
    with node.gov.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).where(web_session.c.account_id == bob.id)).scalar() == 0


def test_an_mfa_reset_ends_the_accounts_sessions(client, node):
    admin = make_person(node, "admin@node.org", "admin")
    carol = make_person(node, "carol@umcu.nl", "data_access_office")
    _, cookie = _logged_in(client.app, carol)
    login(client, admin)
    assert client.post(f"/api/accounts/{carol.id}/mfa/reset").json()["mfa_enabled"] is False
    assert _replay(client.app, cookie) == 401


def test_only_an_admin_disables_accounts_or_resets_mfa(client, node):
    office = make_person(node, "office@node.org", "data_access_office")
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    login(client, office)
    assert client.post(f"/api/accounts/{bob.id}/disable").status_code == 403
    assert client.post(f"/api/accounts/{bob.id}/mfa/reset").status_code == 403


def test_a_login_issues_a_new_session_id(client, node):
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    client.get("/api/analysis/caller")  # an anonymous session with a CSRF token
    before = client.cookies[SESSION_COOKIE]
    login(client, bob)
    assert client.cookies[SESSION_COOKIE] != before and _replay(client.app, before) == 401
