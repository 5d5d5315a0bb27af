"""schemathesis against the whole app's OpenAPI (every area, not only access): generated
requests, anonymous and with a logged-in MFA-verified session, never cause a server
error (5xx). Examples per operation are bounded so the run stays short."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from onconode.access.organisations import add_organisation
from onconode.access.workflow import create
from onconode.interfaces.http.app import SESSION_COOKIE, create_app
from onconode.interfaces.http.node import Node
from tests.web.access_api.conftest import dar_form
from tests.web.conftest import FAST_ARGON2, login, make_person

EXAMPLES = settings(max_examples=3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module")
def fuzz_node(web_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Node, dict[str, str]]]:
    """A node with an office account (logged in: its session headers) and one DAR."""
    home = tmp_path_factory.mktemp("fuzz-node")
    for f in web_home.iterdir():
        if f.name.startswith("store.duckdb"):
            (home / f.name).symlink_to(f)
    node = Node(home, governance_options=FAST_ARGON2)
    add_organisation(node.gov, "umcu", "UMC Utrecht", "NL", "non-profit")
    office = make_person(node, "office@foundation.org", "data_access_office")
    applicant = make_person(node, "researcher@umcu.nl", mfa=False)
    create(node.gov, "dar", applicant.id, form=dar_form())
    with TestClient(create_app(node), base_url="https://testserver") as c:
        csrf = login(c, office)
        headers = {"Cookie": f"{SESSION_COOKIE}={c.cookies.get(SESSION_COOKIE)}", "X-CSRF-Token": csrf}
    yield node, headers
    node.close()


@pytest.fixture(scope="module")
def api_schema(fuzz_node):
    return schemathesis.openapi.from_asgi("/api/openapi.json", create_app(fuzz_node[0]))


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@EXAMPLES
def test_anonymous_requests_never_cause_a_server_error(case):
    case.call_and_validate(checks=[schemathesis.checks.not_a_server_error])


@schema.parametrize()
@EXAMPLES
def test_logged_in_requests_never_cause_a_server_error(case, fuzz_node):
    case.call_and_validate(headers=fuzz_node[1], checks=[schemathesis.checks.not_a_server_error])
