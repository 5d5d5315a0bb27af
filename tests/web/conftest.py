"""Web fixtures: a small demo-like node (synthetic cohort + freeze + governance), a
TestClient speaking https (session cookies are Secure), accounts with real TOTP, a live
uvicorn server and Debian's headless Chromium through Playwright for end-to-end tests."""

from __future__ import annotations

import datetime as dt
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pyotp
import pytest
from fastapi.testclient import TestClient

from onconode.access import identity
from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.node import Node

from tests.conftest import CHROMIUM, SCREENSHOTS, frozen_synthetic_store, served  # noqa: F401  (browser fixtures live there)

FREEZE = "DR-TEST"
PASSWORD = "correct horse battery staple"
# Cheap password hashing; releases are built on request, not as a side effect of every
# signed DAR in these tests (tests/release covers the automatic build).
FAST_ARGON2 = {"argon2": {"time_cost": 1, "memory_cost": 8192, "parallelism": 1}, "auto_release": False}


@pytest.fixture(scope="session")
def web_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A node with 300 synthetic patients (planted effects included) and freeze DR-TEST."""
    return frozen_synthetic_store(tmp_path_factory.mktemp("web-node"), patients=300, seed=7, median_variants=200, freeze=FREEZE)


def fixed_record_key_secret(home: Path) -> None:
    """A fixed record-key secret, so every test's perturbed figures are the same run after run."""
    path = home / "secrets" / "record-key"
    path.parent.mkdir(mode=0o700)
    path.write_text("5e" * 32 + "\n")
    path.chmod(0o600)


def own_home(web_home: Path, tmp_path: Path) -> Path:
    """A node home on the shared store (linked), for a governance database and record-key secret of a test's own."""
    home = tmp_path / "node"
    home.mkdir()
    fixed_record_key_secret(home)
    for f in web_home.iterdir():
        if f.name.startswith("store.duckdb"):
            (home / f.name).symlink_to(f)
    return home


@pytest.fixture
def node(web_home: Path, tmp_path: Path) -> Iterator[Node]:
    """The shared store, with a governance database and record-key secret of this test's own."""
    n = Node(own_home(web_home, tmp_path), governance_options=FAST_ARGON2)
    yield n
    n.close()


@pytest.fixture
def client(node: Node) -> Iterator[TestClient]:
    with TestClient(create_app(node), base_url="https://testserver") as c:
        yield c


@dataclass
class Person:
    id: int
    email: str
    password: str
    secret: str | None

    def code(self) -> str:
        assert self.secret, f"{self.email} has no MFA"
        return pyotp.TOTP(self.secret).now()


def make_person(node: Node, email: str, *roles: str, mfa: bool = True, **kw) -> Person:
    """An account as a person would have it after registering (and enrolling MFA)."""
    acc = identity.register(node.gov, email, email.split("@")[0].title(), "Tester", PASSWORD, roles=roles, **kw)
    secret = None
    if mfa:
        enrolment = identity.begin_mfa_enrolment(node.gov, acc.id)
        secret = enrolment.secret
        # Enrolled a minute ago, so the code of this 30-second step is still unused for login.
        earlier = node.now() - dt.timedelta(seconds=60)
        identity.confirm_mfa(node.gov, acc.id, pyotp.TOTP(secret).at(earlier), at=earlier)
    return Person(acc.id, acc.email, PASSWORD, secret)


def login(client: TestClient, person: Person) -> str:
    """Log in over REST (with the TOTP step when the account has MFA); returns the CSRF token."""
    r = client.post("/api/session", json={"email": person.email, "password": person.password})
    assert r.status_code == 200, r.text
    body = r.json()
    if body["mfa_required"]:
        r = client.post("/api/session/mfa", json={"code": person.code()})
        assert r.status_code == 200, r.text
        body = r.json()
    client.headers["X-CSRF-Token"] = body["csrf"]
    return body["csrf"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def live_server(node: Node) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, for the browser."""
    with served(create_app(node)) as url:
        yield url
