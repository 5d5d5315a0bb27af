"""A real OpenID Connect provider (npm oidc-provider, tests/oidc/provider/server.mjs) run as
a subprocess on a free loopback port, and a driver that logs in at it over HTTP the way a
browser would (login form, redirects, cookies)."""

from __future__ import annotations

import html
import os
import re
import select
import subprocess
import time
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import urljoin

import httpx
import pytest

from tests.web.conftest import *  # noqa: F403  (node, client, make_person, login, live_server, page)

PROVIDER = Path(__file__).resolve().parents[2] / "oidc" / "provider"
CLIENT_ID, CLIENT_SECRET = "onconode", "onconode-test-secret"
TESTSERVER_CALLBACK = "https://testserver/login/oidc/callback"


def start_provider(*redirect_uris: str) -> tuple[subprocess.Popen, str]:
    """Start server.mjs for a client with these redirect URIs; returns (process, issuer URL)."""
    if not (PROVIDER / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"oidc-provider is not installed: run `npm ci` in {PROVIDER} (./scripts/test does it)")
    env = {**os.environ, "PORT": "0", "REDIRECT_URIS": " ".join(redirect_uris), "CLIENT_ID": CLIENT_ID,
           "CLIENT_SECRET": CLIENT_SECRET}
    proc = subprocess.Popen(["node", "server.mjs"], cwd=PROVIDER, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.5)
        if ready:
            line = proc.stdout.readline()
            if line.startswith("listening "):
                return proc, line.split()[1]
        if proc.poll() is not None:
            break
    proc.kill()
    pytest.fail(f"the OIDC provider in {PROVIDER} did not start (exit code {proc.poll()})")


def stop_provider(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def issuer() -> Iterator[str]:
    """One provider for the TestClient tests (redirect URI https://testserver/...)."""
    proc, url = start_provider(TESTSERVER_CALLBACK)
    yield url
    stop_provider(proc)


def configure(monkeypatch: pytest.MonkeyPatch, issuer: str, **extra: str) -> None:
    """Point the node at the provider through its ONCONODE_OIDC_* settings."""
    monkeypatch.delenv("ONCONODE_CONFIG", raising=False)
    for key, value in {"ISSUER": issuer, "CLIENT_ID": CLIENT_ID, "CLIENT_SECRET": CLIENT_SECRET,
                       "DISPLAY_NAME": "Test University", **extra}.items():
        monkeypatch.setenv(f"ONCONODE_OIDC_{key}", value)


@pytest.fixture
def oidc_client(monkeypatch: pytest.MonkeyPatch, issuer: str, client):
    configure(monkeypatch, issuer)
    return client


def sign_in_at_provider(authorize_url: str, email: str, back_to: str) -> str:
    """Follow the provider's redirects, fill in its login form, and return the first URL that
    leads back to the node (starting with `back_to`) — what a browser would open next."""
    with httpx.Client(timeout=20) as browser:
        url, form_sent = authorize_url, False
        for _ in range(20):
            r = browser.get(url) if not url.startswith("POST ") else browser.post(url[5:], data=form)
            if r.is_redirect:
                url = urljoin(str(r.url), r.headers["location"])
                if url.startswith(back_to):
                    return url
                continue
            assert r.status_code == 200 and not form_sent, f"provider answered {r.status_code}: {r.text[:500]}"
            action = html.unescape(re.search(r'<form[^>]*action="([^"]+)"', r.text).group(1))
            form = {"prompt": "login", "login": email, "password": "any password"}
            url, form_sent = "POST " + urljoin(str(r.url), action), True
        raise AssertionError("the provider never redirected back to the node")


def provider_login(client, email: str, *, tamper: Callable[[str], str] = lambda u: u, next: str = "/") -> httpx.Response:
    """The whole redirect dance: node → provider (login as `email`) → node's callback."""
    start = client.get("/login/oidc", params={"next": next}, follow_redirects=False)
    assert start.status_code in (302, 303), start.text
    callback = sign_in_at_provider(tamper(start.headers["location"]), email, "https://testserver/")
    return client.get(callback.removeprefix("https://testserver"), follow_redirects=False,
                      headers={"accept": "text/html"})
