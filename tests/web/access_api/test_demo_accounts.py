"""`onconode demo` creates one account per role; each logs in over REST with the demo
password (and, where the role needs MFA, the code `onconode access user totp` prints).
The code command refuses on a real node."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from onconode.access.demo_accounts import DEMO_PASSWORD, ROLES, create_demo_accounts, demo_totp_code
from onconode.store.purpose import is_demo_node
from onconode.access.roles import GLOBAL_ROLES
from onconode.interfaces.cli.main import app as cli
from onconode.demo import _prepare_home
from onconode.store import Store
from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.node import Node
from tests.web.conftest import FAST_ARGON2

runner = CliRunner()


@pytest.fixture
def demo_node(tmp_path: Path):
    _prepare_home(tmp_path).close()  # an empty store marked as a demo, as `onconode demo` makes it
    node = Node(tmp_path, governance_options=FAST_ARGON2)
    yield node
    node.close()


def test_every_role_has_a_demo_account_that_logs_in(demo_node: Node):
    accounts = create_demo_accounts(demo_node.gov)
    assert {r for a in accounts for r in a.role.roles} == set(GLOBAL_ROLES)
    assert {"applicant (researcher)", "licensee signatory", "download contact"} <= {a.role.label for a in accounts}
    client = TestClient(create_app(demo_node), base_url="https://testserver")
    for a in accounts:
        client.cookies.clear()
        r = client.post("/api/session", json={"email": a.role.email, "password": DEMO_PASSWORD})
        assert r.status_code == 200, (a.role.email, r.text)
        assert r.json()["mfa_required"] is a.role.mfa
        if a.role.mfa:
            r = client.post("/api/session/mfa", json={"code": demo_totp_code(demo_node.gov, a.role.email, demo_node=is_demo_node(demo_node.home))})
            assert r.status_code == 200, (a.role.email, r.text)
        assert client.get("/api/session").json()["account"]["email"] == a.role.email


def test_a_rebuilt_demo_keeps_its_accounts_and_secrets(demo_node: Node):
    first = create_demo_accounts(demo_node.gov)
    again = create_demo_accounts(demo_node.gov)
    assert [(a.account_id, a.totp_secret) for a in first] == [(a.account_id, a.totp_secret) for a in again]
    assert len(first) == len(ROLES) == 12


def test_the_code_command_prints_demo_codes_only_on_a_demo_node(demo_node: Node, tmp_path: Path):
    create_demo_accounts(demo_node.gov)
    ok = runner.invoke(cli, ["--home", str(tmp_path), "access", "user", "totp", "office@demo.onconode.org"])
    assert ok.exit_code == 0 and ok.stdout.strip().isdigit() and len(ok.stdout.strip()) == 6
    stranger = runner.invoke(cli, ["--home", str(tmp_path), "access", "user", "totp", "someone@umcu.nl"])
    assert stranger.exit_code == 1 and "not a demo account" in stranger.output

    real = tmp_path / "real"
    Store.init(real).close()
    node = Node(real, governance_options=FAST_ARGON2)
    create_demo_accounts(node.gov)  # even with the same accounts, a real node never prints codes
    node.close()
    refused = runner.invoke(cli, ["--home", str(real), "access", "user", "totp", "office@demo.onconode.org"])
    assert refused.exit_code == 1 and "is not a demo node" in refused.output
