"""The audit trail shows any tampering; concurrent commands never lose or duplicate events."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from onconode.access import audit
from onconode.access import events as S
from onconode.access.schema import event
from onconode.access.workflow import execute, load

from tests.access.conftest import T0, make_person
from onconode.access.roles import Role
from tests.access.helpers import DAY, dar_in_state


def _verify(g):
    with g.engine.connect() as conn:
        return audit.verify(conn)


def test_an_untouched_log_verifies(world):
    dar_in_state(world, S.ACTIVE)
    v = _verify(world.gov)
    assert v.ok and v.events > 20, v.problems


def test_an_edited_event_is_detected(world):
    dar_in_state(world, S.BOARD)
    with world.gov.engine.begin() as conn:
        conn.execute(event.update().where(event.c.type == "scientific_assessment_given").values(payload='{"opinion":"negative","reasons":"x"}'))
    v = _verify(world.gov)
    assert not v.ok and any("edited" in p for p in v.problems)


def test_a_deleted_event_is_detected(world):
    dar_in_state(world, S.BOARD)
    with world.gov.engine.begin() as conn:
        conn.execute(event.delete().where(event.c.type == "assigned"))
    v = _verify(world.gov)
    assert not v.ok and any("missing" in p or "deleted" in p for p in v.problems)


def test_reordered_events_are_detected(world):
    dar_in_state(world, S.BOARD)
    with world.gov.engine.begin() as conn:
        rows = conn.execute(sa.select(event.c.position).where(event.c.type.in_(["submitted", "assigned"])).order_by(event.c.position)).fetchall()
        p1, p2 = rows[0][0], rows[1][0]
        conn.execute(event.update().where(event.c.position == p1).values(position=-1))
        conn.execute(event.update().where(event.c.position == p2).values(position=p1))
        conn.execute(event.update().where(event.c.position == -1).values(position=p2))
    v = _verify(world.gov)
    assert not v.ok and any("reordered" in p for p in v.problems)


def test_removing_the_last_events_is_detected_against_an_anchored_head(world):
    dar_in_state(world, S.BOARD)
    head = _verify(world.gov).head
    with world.gov.engine.begin() as conn:
        last = conn.execute(sa.select(sa.func.max(event.c.position))).fetchall()[0][0]
        conn.execute(event.delete().where(event.c.position == last))
    with world.gov.engine.connect() as conn:
        v = audit.verify(conn, expect_head=head)
    assert not v.ok and "removed from the end" in v.problems[-1]


def test_two_board_members_voting_at_once_both_land_exactly_once(world):
    g = world.gov
    members = [world.dab1, world.dab2] + [make_person(g, f"dab{i}@board.org", (Role.ACCESS_BOARD,)) for i in range(3, 7)]
    a = dar_in_state(world, S.BOARD)
    barrier = threading.Barrier(len(members))
    errors: list[BaseException] = []

    def vote(person):
        try:
            barrier.wait()
            execute(g, a, "vote", person.id, at=T0 + 20 * DAY, vote="approve", reasons=f"vote of {person.email}")
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=vote, args=(p,)) for p in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with g.engine.connect() as conn:
        app = load(conn, a)
        seqs = [r[0] for r in conn.execute(sa.select(event.c.seq).where(event.c.stream == f"application:{a}").order_by(event.c.seq)).fetchall()]
    assert set(app.votes) == {p.id for p in members}
    assert seqs == list(range(1, len(seqs) + 1))
    assert _verify(g).ok


def test_a_member_racing_with_themselves_votes_once(world):
    g = world.gov
    a = dar_in_state(world, S.BOARD)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def vote():
        barrier.wait()
        try:
            execute(g, a, "vote", world.dab1.id, at=T0 + 20 * DAY, vote="approve", reasons="double click")
            outcomes.append("ok")
        except Exception as exc:  # noqa: BLE001
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=vote) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["Denied", "Denied", "Denied", "ok"]
