"""Two board members at once never lose or duplicate events; the disclosure gate gives
exact figures inside a user's licence and controlled ones outside it."""

from __future__ import annotations

import threading

import pytest

from onconode.access import audit, duo
from onconode.access import events as S
from onconode.access.review import requester_for
from onconode.access.workflow import execute, load, stream
from onconode.analysis import saved
from onconode.analysis.disclosure import DisclosureRefused
from tests.access.helpers import dar_in_state
from tests.web.access_api.conftest import FREEZE, dar_form


def _at_once(calls) -> list:
    """Run the calls in threads released together; returns their responses in order."""
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        out[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_two_board_members_voting_at_once_both_land_once(world, as_):
    a = dar_in_state(world, S.BOARD)
    one, two = as_(world.dab1), as_(world.dab2)
    r1, r2 = _at_once([
        lambda: one.post(f"/api/applications/{a}/commands/vote", json={"vote": "approve", "reasons": "Proportionate."}),
        lambda: two.post(f"/api/applications/{a}/commands/vote", json={"vote": "return", "reasons": "Clarify the cohort."}),
    ])
    assert (r1.status_code, r2.status_code) == (200, 200), (r1.text, r2.text)
    with world.gov.engine.connect() as conn:
        events = audit.stream_events(conn, stream(a))
        app = load(conn, a)
    votes = [e for e in events if e.type == "voted"]
    assert sorted(e.actor for e in votes) == sorted([world.dab1.id, world.dab2.id])
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert set(app.votes) == {world.dab1.id, world.dab2.id}


def test_one_member_voting_twice_at_once_counts_once(world, as_):
    a = dar_in_state(world, S.BOARD)
    first, second = as_(world.dab1), as_(world.dab1)
    body = {"vote": "approve", "reasons": "Proportionate."}
    responses = _at_once([lambda: first.post(f"/api/applications/{a}/commands/vote", json=body),
                          lambda: second.post(f"/api/applications/{a}/commands/vote", json=body)])
    assert sorted(r.status_code for r in responses) == [200, 403]
    assert "already voted" in next(r for r in responses if r.status_code == 403).json()["detail"]
    with world.gov.engine.connect() as conn:
        assert [e.type for e in audit.stream_events(conn, stream(a))].count("voted") == 1


@pytest.fixture
def licensed(world, node):
    """An active DAR on the synthetic dataset at DR-TEST; the contact is analyst@umcu.nl."""
    return dar_in_state(world, S.ACTIVE, form=dar_form(datasets=["HMF-SYNTH"], freeze=FREEZE))


def _covered(world, node, app_id: str) -> set[str]:
    """The dataset's patients whose consent covers the DAR's purpose (the licence's reach)."""
    with world.gov.engine.connect() as conn:
        app = load(conn, app_id)
        requester = requester_for(conn, app, node.now())
    with node.snapshot(FREEZE) as snap:
        everyone = set(snap.table("patient").select("patient_id").to_pyarrow().column(0).to_pylist())
        excluded = duo.excluded_patients(node.store, duo.Purpose.from_form(app.form["purpose"]), requester, freeze=FREEZE)
    return everyone - set(excluded)


def test_inside_the_licence_figures_are_exact_outside_controlled(world, node, licensed):
    covered = _covered(world, node, licensed)
    with node.snapshot(FREEZE) as snap:
        scope = node.licensed_scope(world.contact.email, snap)
        assert scope == covered and 0 < len(scope) < 300  # consent excludes some patients
        three = set(sorted(scope)[:3])
        assert node.gate.admit(world.contact.email, snap, {"cohort": three}).exact
        # the applicant is not a download contact: controlled (refused, or shown perturbed
        # when the node's noise lifts the three to five or more)
        assert _controlled(lambda: node.gate.admit(world.applicant.email, snap, {"cohort": three}))
        outside = next(p for p in sorted(_all(snap)) if p not in scope)
        # one patient outside the licence: the whole cohort is controlled
        assert _controlled(lambda: node.gate.admit(world.contact.email, snap, {"cohort": set(sorted(scope)[3:5]) | {outside}}))


def _controlled(admit) -> bool:
    """True when the gate does not give exact figures: it refuses, or admits perturbed."""
    try:
        return not admit().exact
    except DisclosureRefused:
        return True


def _all(snap) -> set[str]:
    return set(snap.table("patient").select("patient_id").to_pyarrow().column(0).to_pylist())


def test_a_revoked_licence_covers_nobody(world, node, licensed):
    execute(world.gov, licensed, "revoke", world.office.id, at=node.now(), reasons="Breach of the licence terms.")
    with node.snapshot(FREEZE) as snap:
        assert node.licensed_scope(world.contact.email, snap) == set()


def test_a_licence_on_a_saved_cohort_covers_only_that_cohort(world, node):
    women = saved.save(node.store, "women", {"op": "sex", "values": ["female"]}, created_by=world.applicant.email, freeze=FREEZE)
    a = dar_in_state(world, S.ACTIVE, form=dar_form(datasets=["HMF-SYNTH"], freeze=FREEZE, cohort=women.cohort_id))
    with node.snapshot(FREEZE) as snap:
        female = set(snap.table("patient").filter(lambda t: t.sex == "female").select("patient_id").to_pyarrow().column(0).to_pylist())
        scope = node.licensed_scope(world.contact.email, snap)
    assert scope and scope <= female and scope == female & _covered(world, node, a)
