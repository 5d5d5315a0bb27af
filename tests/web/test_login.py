"""Logging in: password then TOTP, no user enumeration, rate limits, CSRF, cookie rules."""

from __future__ import annotations

from tests.web.conftest import PASSWORD, login, make_person


def test_an_account_with_mfa_needs_its_code_before_it_is_logged_in(client, node):
    alice = make_person(node, "alice@umcu.nl", "data_access_office")
    r = client.post("/api/session", json={"email": alice.email, "password": PASSWORD})
    assert r.json()["mfa_required"] is True
    assert client.get("/api/session").status_code == 401
    r = client.post("/api/session/mfa", json={"code": alice.code()})
    assert r.status_code == 200
    me = client.get("/api/session").json()["account"]
    assert me["email"] == "alice@umcu.nl" and me["mfa_verified"] is True and "data_access_office" in me["roles"]


def test_a_totp_code_works_only_once(client, node):
    alice = make_person(node, "alice@umcu.nl", "data_access_office")
    login(client, alice)
    client.cookies.clear()
    client.post("/api/session", json={"email": alice.email, "password": PASSWORD})
    assert client.post("/api/session/mfa", json={"code": alice.code()}).status_code == 401


def test_wrong_password_and_unknown_email_get_the_same_answer(client, node):
    make_person(node, "alice@umcu.nl")
    wrong = client.post("/api/session", json={"email": "alice@umcu.nl", "password": "nope"})
    unknown = client.post("/api/session", json={"email": "nobody@umcu.nl", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_repeated_failures_are_rate_limited_even_with_the_right_password_afterwards(client, node):
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    for _ in range(5):
        assert client.post("/api/session", json={"email": bob.email, "password": "guess"}).status_code == 401
    r = client.post("/api/session", json={"email": bob.email, "password": PASSWORD})
    assert r.status_code == 429 and "try again" in r.json()["detail"]
    assert int(r.headers["retry-after"]) > 0


def test_session_cookie_is_secure_httponly_and_samesite(client, node):
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    r = client.post("/api/session", json={"email": bob.email, "password": PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "secure" in cookie and "httponly" in cookie and "samesite=lax" in cookie


def test_state_changing_requests_without_the_csrf_token_are_refused(client, node):
    bob = make_person(node, "bob@umcu.nl", mfa=False)
    token = login(client, bob)
    del client.headers["X-CSRF-Token"]
    assert client.delete("/api/session").status_code == 403
    assert client.delete("/api/session", headers={"X-CSRF-Token": token}).status_code == 200
    assert client.get("/api/session").status_code == 401


def test_login_page_form_flow_with_mfa(client, node):
    alice = make_person(node, "alice@umcu.nl", "scientific_board")
    page = client.get("/login")
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/login", data={"csrf": csrf, "email": alice.email, "password": PASSWORD, "next": "/"})
    assert r.status_code == 200 and "Authentication code" in r.text
    r = client.post("/login/code", data={"csrf": csrf, "code": alice.code(), "next": "/register"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/register"


def test_mfa_enrolment_in_the_browser_shows_a_qr_code_and_recovery_codes(client, node):
    import pyotp

    carol = make_person(node, "carol@umcu.nl", mfa=False)
    csrf = login(client, carol)
    page = client.post("/account/mfa/start", data={"csrf": csrf})
    assert "<svg" in page.text
    secret = page.text.split('id="totp-secret">')[1].split("<")[0]
    done = client.post("/account/mfa/confirm", data={"csrf": csrf, "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and 'id="recovery-codes"' in done.text
    assert client.get("/api/session").json()["account"]["mfa_verified"] is True
