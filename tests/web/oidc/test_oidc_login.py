"""Logging in with the institution's identity provider (OpenID Connect, a real oidc-provider
running locally): who gets in, who is sent to the node's TOTP step, and what is refused."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

from onconode.access import audit
from tests.web.conftest import make_person
from tests.web.oidc.conftest import configure, provider_login


def _replace_param(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, value if k == name else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _events(node, stream: str) -> list:
    with node.gov.engine.connect() as conn:
        return audit.stream_events(conn, stream)


def test_without_configuration_the_login_page_has_no_institution_button_and_the_routes_say_how_to_configure(client, monkeypatch):
    monkeypatch.delenv("ONCONODE_CONFIG", raising=False)
    for name in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET"):
        monkeypatch.delenv(f"ONCONODE_OIDC_{name}", raising=False)
    assert "Log in with" not in client.get("/login").text
    for path in ("/login/oidc", "/login/oidc/callback?code=x&state=y"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 404
        assert "ONCONODE_OIDC_ISSUER" in r.json()["detail"]


def test_the_login_page_offers_the_institution_when_configured(oidc_client):
    page = oidc_client.get("/login?next=/portal").text
    assert "Log in with Test University" in page
    assert 'href="/login/oidc?next=/portal"' in page


def test_the_node_asks_the_provider_for_a_pkce_protected_code_with_state_and_nonce(oidc_client, issuer):
    r = oidc_client.get("/login/oidc", follow_redirects=False)
    params = dict(parse_qsl(urlsplit(r.headers["location"]).query))
    assert r.headers["location"].startswith(issuer)
    assert params["response_type"] == "code" and params["code_challenge_method"] == "S256"
    assert {"state", "nonce", "code_challenge"} <= params.keys()
    assert "openid" in params["scope"].split() and "email" in params["scope"].split()


def test_an_account_without_mfa_is_logged_in_by_verified_email_and_the_login_is_audited(oidc_client, node, issuer):
    person = make_person(node, "ana.applicant@uni.example", mfa=False)
    r = provider_login(oidc_client, "Ana.Applicant@uni.example", next="/portal")
    assert r.status_code == 303 and r.headers["location"] == "/portal"
    me = oidc_client.get("/api/session").json()["account"]
    assert me["email"] == person.email and me["mfa_verified"] is False
    [event] = [e for e in _events(node, f"account:{person.id}") if e.type == "login"]
    assert event.payload["via"] == "oidc" and event.payload["issuer"] == issuer
    assert event.payload["sub"] == "Ana.Applicant@uni.example"


def test_an_account_with_mfa_continues_with_the_nodes_own_code_after_the_provider(oidc_client, node):
    person = make_person(node, "bo.board@uni.example", "data_access_board")
    r = provider_login(oidc_client, person.email, next="/access")
    assert r.status_code == 200 and "Authentication code" in r.text
    assert oidc_client.get("/api/session").status_code == 401, "not logged in before the code"
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text).group(1)
    r = oidc_client.post("/login/code", data={"csrf": csrf, "code": person.code(), "next": "/access"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/access"
    assert oidc_client.get("/api/session").json()["account"]["mfa_verified"] is True
    assert [e.type for e in _events(node, f"account:{person.id}")][-2:] == ["login_idp_verified", "login"]


def test_an_authorization_response_for_another_state_is_refused(oidc_client, node):
    make_person(node, "eve.applicant@uni.example", mfa=False)
    r = provider_login(oidc_client, "eve.applicant@uni.example", tamper=lambda url: _replace_param(url, "state", "forged-state"))
    assert r.status_code == 400 and "not accepted" in r.text
    assert oidc_client.get("/api/session").status_code == 401


def test_an_id_token_with_another_nonce_is_refused(oidc_client, node):
    make_person(node, "nina.applicant@uni.example", mfa=False)
    r = provider_login(oidc_client, "nina.applicant@uni.example", tamper=lambda url: _replace_param(url, "nonce", "replayed-nonce"))
    assert r.status_code == 400 and "nonce" in r.text
    assert oidc_client.get("/api/session").status_code == 401


def test_an_email_the_provider_has_not_verified_is_refused_even_when_an_account_has_it(oidc_client, node):
    make_person(node, "unverified.ulla@uni.example", mfa=False)
    r = provider_login(oidc_client, "unverified.ulla@uni.example")
    assert r.status_code == 403 and "verified email" in r.text
    assert oidc_client.get("/api/session").status_code == 401
    assert [e.payload["reason"] for e in _events(node, "oidc")] == ["UnverifiedEmail"]


def test_an_unknown_email_is_told_to_register_or_ask_the_office(oidc_client, node):
    r = provider_login(oidc_client, "new.researcher@uni.example")
    assert r.status_code == 403
    assert "no account on this node uses new.researcher@uni.example" in r.text
    assert 'href="/account/register"' in r.text and "data access office" in r.text
    assert oidc_client.get("/api/session").status_code == 401
    assert [e.payload["reason"] for e in _events(node, "oidc")] == ["UnknownEmail"]


@pytest.mark.parametrize("trusted, logged_in_with_mfa", [("false", False), ("true", True)])
def test_the_providers_mfa_replaces_the_node_code_only_when_the_operator_trusts_it(client, node, issuer, monkeypatch,
                                                                                 trusted, logged_in_with_mfa):
    configure(monkeypatch, issuer, TRUST_IDP_MFA=trusted)
    person = make_person(node, "mfa.mo@uni.example", "data_access_office")  # the provider reports amr ["pwd", "mfa"]
    r = provider_login(client, person.email, next="/access")
    if logged_in_with_mfa:
        assert r.status_code == 303 and r.headers["location"] == "/access"
        assert client.get("/api/session").json()["account"]["mfa_verified"] is True
        assert _events(node, f"account:{person.id}")[-1].payload["mfa"] == "idp"
    else:
        assert r.status_code == 200 and "Authentication code" in r.text
        assert client.get("/api/session").status_code == 401


def test_a_password_only_login_at_the_provider_never_counts_as_mfa(client, node, issuer, monkeypatch):
    configure(monkeypatch, issuer, TRUST_IDP_MFA="true")
    person = make_person(node, "pia.office@uni.example", "data_access_office")  # amr ["pwd"]
    r = provider_login(client, person.email)
    assert r.status_code == 200 and "Authentication code" in r.text


def test_a_discovery_document_naming_another_issuer_is_refused(client, monkeypatch, issuer):
    configure(monkeypatch, issuer.replace("127.0.0.1", "localhost"))
    r = client.get("/login/oidc", follow_redirects=False)
    assert r.status_code == 502
    assert "names issuer" in r.json()["detail"] and "fix ONCONODE_OIDC_ISSUER" in r.json()["detail"]


def test_settings_come_from_the_oidc_table_of_the_toml_file_and_the_environment_wins(tmp_path, monkeypatch):
    from onconode.settings import Settings

    toml = tmp_path / "onconode.toml"
    toml.write_text('[node]\nname = "x"\n[oidc]\nissuer = "https://idp.example.org"\nclient_id = "from-file"\n'
                    'display_name = "Example University"\n')
    monkeypatch.setenv("ONCONODE_CONFIG", str(toml))
    monkeypatch.setenv("ONCONODE_OIDC_CLIENT_ID", "from-env")
    monkeypatch.delenv("ONCONODE_OIDC_ISSUER", raising=False)
    settings = Settings.load(tmp_path / "elsewhere").oidc
    assert (settings.issuer, settings.client_id, settings.display_name) == ("https://idp.example.org", "from-env", "Example University")
    assert settings.configured and settings.trust_idp_mfa is False
    assert settings.discovery_url == "https://idp.example.org/.well-known/openid-configuration"


def test_a_self_registered_account_whose_email_link_was_not_opened_is_not_confirmed_by_the_provider(oidc_client, node):
    make_person(node, "sam.self@uni.example", mfa=False, confirmed=False)
    r = provider_login(oidc_client, "sam.self@uni.example")
    assert r.status_code == 403 and "has not been confirmed yet" in r.text
    assert oidc_client.get("/api/session").status_code == 401
    assert [e.payload["reason"] for e in _events(node, "oidc")] == ["InactiveAccount"]
