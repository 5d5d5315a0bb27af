"""Fixtures of the access REST API tests: the web node (synthetic store, freeze DR-TEST)
with a governance database of each test's own, a clock the test controls (so TOTP codes
and terms do not depend on the day the suite runs), the access test world (one person
per role) on that node, and logged-in HTTP clients."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.node import Node
from tests.access.conftest import PASSWORD, T0, Person, World, dar_form, make_person, world  # noqa: F401
from tests.web.conftest import FAST_ARGON2, FREEZE, web_home  # noqa: F401

NOW = T0 + dt.timedelta(days=60)  # after every event the domain helpers write


class Clock:
    """The node's clock; every MFA login moves it past the TOTP step just used."""

    def __init__(self, start: dt.datetime) -> None:
        self.t = start

    def __call__(self) -> dt.datetime:
        return self.t

    def advance(self, delta: dt.timedelta) -> None:
        self.t += delta


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def node(web_home: Path, tmp_path: Path, clock: Clock) -> Iterator[Node]:  # noqa: F811
    home = tmp_path / "node"
    home.mkdir()
    for f in web_home.iterdir():
        if f.name.startswith("store.duckdb"):
            (home / f.name).symlink_to(f)
    n = Node(home, governance_options=FAST_ARGON2, clock=clock)
    yield n
    n.close()


@pytest.fixture
def gov(node: Node):
    """The access world's fixtures run on this node's governance database."""
    return node.gov


@pytest.fixture
def app(node: Node) -> FastAPI:
    return create_app(node)


def anonymous(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="https://testserver")


def login_as(app: FastAPI, clock: Clock, person: Person) -> TestClient:
    """A client logged in over REST as `person` (password, then the TOTP code of now)."""
    c = anonymous(app)
    r = c.post("/api/session", json={"email": person.email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    if body["mfa_required"]:
        r = c.post("/api/session/mfa", json={"code": person.code(clock())})
        assert r.status_code == 200, r.text
        body = r.json()
        clock.advance(dt.timedelta(seconds=31))
    c.headers["X-CSRF-Token"] = body["csrf"]
    return c


@pytest.fixture
def as_(app: FastAPI, clock: Clock) -> Callable[[Person], TestClient]:
    return lambda person: login_as(app, clock, person)
