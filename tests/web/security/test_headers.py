"""Security headers on every response (issue 15 item 11): every route of the app, taken
from `app.routes` (web/routes_list.py; so a new route is covered without editing this test), answers with the
CSP and the other headers, whatever its status; pages carry no inline script the CSP would
have to allow."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.headers import CSP, HEADERS
from onconode.interfaces.http.routes_list import walk

TEMPLATES = Path(__file__).resolve().parents[3] / "src" / "onconode" / "interfaces" / "http" / "templates"
PARAM = re.compile(r"\{[^}]+\}")


def requests_for(app) -> list[tuple[str, str]]:
    """(method, concrete path) for every route and method of the app."""
    return [(m, PARAM.sub("x", p) if not p.startswith("/static") else "/static/app.js") for m, p, _ in walk(app.routes)]


def test_every_route_answers_with_the_security_headers(node):
    app = create_app(node)
    calls = requests_for(app)
    assert len(calls) > 100  # the walk really found the app's routes
    missing = {}
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as c:
        for method, path in calls + [("GET", "/no/such/page"), ("GET", "/beacon/g_variants?referenceName=1&start=100&"
                                                                        "alternateBases=A&referenceBases=C")]:
            r = c.request(method, path)
            absent = [h for h in [*HEADERS, "Strict-Transport-Security"] if h.lower() not in r.headers]
            if absent:
                missing[f"{method} {path} ({r.status_code})"] = absent
    assert not missing, missing


def test_the_policy_allows_no_inline_script_no_eval_and_no_framing():
    script = next(d for d in CSP.split(";") if d.strip().startswith("script-src"))
    assert script.strip() == "script-src 'self'"
    assert "frame-ancestors 'none'" in CSP and "object-src 'none'" in CSP and HEADERS["X-Frame-Options"] == "DENY"


def test_hsts_only_over_https(node):
    app = create_app(node)
    with TestClient(app, base_url="http://testserver") as c:
        assert "strict-transport-security" not in c.get("/").headers
    with TestClient(app, base_url="https://testserver") as c:
        assert c.get("/").headers["strict-transport-security"].startswith("max-age=")


def test_the_api_docs_page_runs_under_the_node_wide_policy_with_no_cdn(client):
    r = client.get("/api/docs")
    assert r.status_code == 200 and r.headers["content-security-policy"] == CSP
    assert "https://" not in r.text and not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", r.text)
    assert client.get("/static/vendor/swagger-ui-bundle.js").status_code == 200


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_have_no_inline_script_handlers_or_javascript_urls(template):
    html = template.read_text()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script>: move it to a file under /static"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler: bind it from a script file"
    assert "javascript:" not in html
