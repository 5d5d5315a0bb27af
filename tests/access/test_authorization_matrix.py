"""Every DAR command × every role × the states it is tried in: allowed or denied as specified.

The specification is written out here independently of the code: for each command,
the roles that may issue it and the states in which it is possible. Everything else
must be denied.
"""

from __future__ import annotations

import pytest

from onconode.access import events as S
from onconode.access.roles import Role
from onconode.access.workflow import REGISTRY, check, load

from tests.access.helpers import dar_in_state

R = Role
AFTER = {S.APPROVED, S.PENDING_SIGNATURES, S.ACTIVE, S.EXTENSION}
OPEN = set(S.STATES) - {S.REJECTED, S.EXPIRED, S.CLOSED, S.REVOKED}
SPEC: dict[str, tuple[set[Role], set[str]]] = {
    "save_draft": ({R.APPLICANT}, {S.DRAFT, S.RETURNED}),
    "attach": ({R.APPLICANT, R.ACCESS_OFFICE}, OPEN),
    "submit": ({R.APPLICANT}, {S.DRAFT, S.RETURNED}),
    "assign": ({R.ACCESS_OFFICE}, {S.SUBMITTED}),
    "assess": ({R.SCIENTIFIC_BOARD}, {S.SCIENTIFIC}),
    "vote": ({R.ACCESS_BOARD}, {S.BOARD}),
    "decide": ({R.ACCESS_BOARD}, {S.BOARD}),
    "issue_licence": ({R.ACCESS_OFFICE}, {S.APPROVED, S.PENDING_SIGNATURES}),
    "sign": ({R.APPLICANT, R.SIGNATORY, R.ACCESS_OFFICE}, {S.PENDING_SIGNATURES}),
    "request_contact": ({R.SIGNATORY}, AFTER),
    "confirm_contact": ({R.ACCESS_OFFICE}, AFTER),
    "request_extension": ({R.SIGNATORY}, {S.ACTIVE}),
    "decide_extension": ({R.ACCESS_BOARD}, {S.EXTENSION}),
    "close": ({R.APPLICANT, R.ACCESS_OFFICE}, OPEN),
    "revoke": ({R.ACCESS_OFFICE}, AFTER),
    "expire": (set(), set()),
}
STATES = [S.DRAFT, S.SUBMITTED, S.SCIENTIFIC, S.BOARD, S.RETURNED, S.APPROVED, S.REJECTED,
          S.PENDING_SIGNATURES, S.ACTIVE, S.EXTENSION, S.EXPIRED, S.CLOSED, S.REVOKED]
# The person in the test world holding exactly that role on the application.
WHO = {
    R.APPLICANT: "applicant", R.SIGNATORY: "signatory", R.DOWNLOAD_CONTACT: "contact",
    R.TREATING_PHYSICIAN: "physician", R.CENTRAL_PI: "central_pi", R.LOCAL_PI: "local_pi",
    R.SCIENTIFIC_BOARD: "sb1", R.ACCESS_BOARD: "dab1", R.ACCESS_OFFICE: "office",
    R.DATA_MANAGER: "manager", R.ADMIN: "admin", R.AUDITOR: "auditor",
}


def test_the_spec_covers_every_command():
    assert set(SPEC) == set(REGISTRY["dar"])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("state", STATES)
def test_authorization_matrix(world, state):
    a = dar_in_state(world, state)
    with world.gov.engine.connect() as conn:
        app = load(conn, a)
        assert app.state == state
        for role, name in WHO.items():
            actor = world.people[name].account
            from onconode.access.identity import get_account

            actor = get_account(conn, actor.id)
            for cmd, (roles, states) in SPEC.items():
                expected = role in roles and state in states
                got = check(app, actor, cmd)
                assert got.allowed == expected, f"{cmd} by {role.value} in {state}: expected {'allowed' if expected else 'denied'}, got {got.reason}"
                if not got.allowed:
                    assert got.reason  # a denial always says why


def test_an_account_with_a_board_role_but_no_mfa_is_denied(world):
    from tests.access.conftest import make_person

    a = dar_in_state(world, S.BOARD)
    nomfa = make_person(world.gov, "nomfa@board.org", (R.ACCESS_BOARD,), mfa=False)
    with world.gov.engine.connect() as conn:
        d = check(load(conn, a), nomfa.account, "vote")
    assert not d.allowed and "multi-factor" in d.reason
