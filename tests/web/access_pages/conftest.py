"""Fixtures for the access pages: the web fixtures, the node on a clock the test moves
(from the access API tests: TOTP codes, six-week deadlines and term ends follow it), and
the cast of people, one per role."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest

from onconode.access import organisations
from onconode.interfaces.http.node import Node
from tests.access.conftest import World
from tests.web.conftest import *  # noqa: F401,F403 - web_home, client, live_server, page, chromium
from tests.web.conftest import Person, make_person
from tests.web.access_api.conftest import Clock, clock, node  # noqa: E402,F401 - after the *: the node on a clock the test moves


def totp(person: Person, clock: Clock) -> str:
    """The code the person's authenticator shows at the node's time, moving the clock on a
    minute first so the previous code (used once already) is never reused."""
    clock.advance(dt.timedelta(minutes=1))
    return pyotp.TOTP(person.secret).at(clock())


@pytest.fixture
def cast(node: Node) -> World:
    """Organisations and one person per role (board, office and staff with MFA)."""
    organisations.add_organisation(node.gov, "umcu", "UMC Utrecht", "NL", "non-profit")
    organisations.add_organisation(node.gov, "uni-br", "Universidade de Sao Paulo", "BR", "non-profit")
    c = World(node.gov)
    spec = {
        "applicant": ("researcher@umcu.nl", (), {"organisation_id": "umcu"}),
        "signatory": ("director@umcu.nl", (), {"organisation_id": "umcu"}),
        "sb": ("sb@board.org", ("scientific_board",), {}),
        "dab": ("dab@board.org", ("data_access_board",), {}),
        "office": ("office@foundation.org", ("data_access_office",), {}),
        "manager": ("manager@foundation.org", ("data_manager",), {}),
        "physician": ("physician@hosp01.nl", ("treating_physician",), {"hospital_code": "HOSP01"}),
        "central_pi": ("central-pi@cpct.nl", ("central_pi",), {}),
        "local_pi": ("local-pi@hosp01.nl", ("local_pi",), {"hospital_code": "HOSP01"}),
        "outsider": ("someone@elsewhere.org", (), {}),
    }
    for name, (email, roles, kw) in spec.items():
        c.people[name] = make_person(node, email, *roles, **kw)
    return c
