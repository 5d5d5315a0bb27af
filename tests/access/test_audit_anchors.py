"""Signed checkpoints anchor the audit trail: a truncated or re-chained log fails `verify`,
and an anchor keeps verifying while new events arrive."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from onconode.access import anchors, audit, organisations
from onconode.access.db import Governance, create_engine, migrate, resolve_url
from onconode.access.schema import event

from tests.access.conftest import FAST_ARGON2, T0


def _gov(home: Path, every: int = anchors.EVERY) -> Governance:
    engine = create_engine(resolve_url(home, f"sqlite:///{home / 'governance.sqlite'}"))
    migrate(engine, home=home)
    return Governance(engine=engine, home=home, options={"argon2": FAST_ARGON2, "audit_checkpoint_every": every})


@pytest.fixture
def gov(tmp_path: Path):
    g = _gov(tmp_path / "node")
    yield g
    g.close()


def _events(gov: Governance, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        organisations.add_organisation(gov, f"org{i}", f"Organisation {i}", "NL", "non-profit", at=T0)


def _checkpoint(gov: Governance) -> anchors.Checkpoint:
    with gov.engine.connect() as conn:
        return anchors.write(gov.home, conn)


def _verify(gov: Governance, files: list[Path] = (), expect_head: str | None = None, key: str | None = None) -> audit.Verification:
    with gov.engine.connect() as conn:
        return anchors.verify(conn, gov.home, files, expect_head, key)


def _rechain(gov: Governance) -> None:
    """What an attacker with write access to the database does after editing an event:
    recompute every hash so the chain is valid on its own again."""
    with gov.engine.begin() as conn:
        rows = conn.execute(sa.select(event).order_by(event.c.position)).fetchall()
        prev = audit.GENESIS
        for r in rows:
            h = audit.event_hash(prev, r.position, r.stream, r.seq, r.type, r.actor, r.at, r.payload)
            conn.execute(event.update().where(event.c.position == r.position).values(prev_hash=prev, hash=h))
            prev = h


def _delete_from(gov: Governance, position: int) -> None:
    with gov.engine.begin() as conn:
        conn.execute(event.delete().where(event.c.position >= position))


def test_truncating_the_tail_is_detected_against_the_nodes_checkpoint(gov):
    _events(gov, 6)
    cp = _checkpoint(gov)
    assert cp.position == 6
    _delete_from(gov, 5)
    with gov.engine.connect() as conn:
        assert audit.verify(conn).ok  # the chain alone cannot see it
    v = _verify(gov)
    assert not v.ok
    assert any(p.startswith("truncated: the log ends at event 4") and "events 5..6 were removed" in p for p in v.problems)


def test_recomputing_the_whole_chain_after_an_edit_is_detected(gov):
    _events(gov, 6)
    _checkpoint(gov)
    with gov.engine.begin() as conn:
        conn.execute(event.update().where(event.c.position == 2).values(payload='{"country":"US","id":"org1"}'))
    _rechain(gov)
    with gov.engine.connect() as conn:
        assert audit.verify(conn).ok  # valid on its own: only the anchor shows it
    v = _verify(gov)
    assert not v.ok and any(p.startswith("re-chained: event 6") for p in v.problems)


def test_an_anchor_keeps_verifying_after_new_events(gov, tmp_path):
    _events(gov, 3)
    saved = tmp_path / "auditor" / "anchors.jsonl"
    saved.parent.mkdir()
    saved.write_text(_checkpoint(gov).line() + "\n")
    head = _verify(gov).head
    _events(gov, 4, start=3)
    v = _verify(gov, [saved], expect_head=head)
    assert v.ok, v.problems
    assert v.events == 7 and v.anchors_checked == 3  # the node's log, the auditor's file, the head


def test_the_expected_head_keeps_working_after_new_events_and_catches_truncation(gov):
    _events(gov, 3)
    with gov.engine.connect() as conn:
        head = audit.verify(conn).head
    _events(gov, 2, start=3)
    with gov.engine.connect() as conn:
        assert audit.verify(conn, expect_head=head).ok
    _delete_from(gov, 3)
    with gov.engine.connect() as conn:
        v = audit.verify(conn, expect_head=head)
    assert not v.ok and "removed from the end" in v.problems[-1]


def test_an_auditors_anchor_catches_truncation_even_when_the_nodes_checkpoints_are_deleted_too(gov, tmp_path):
    _events(gov, 5)
    saved = tmp_path / "anchors.jsonl"
    saved.write_text(_checkpoint(gov).line() + "\n")
    _delete_from(gov, 4)
    anchors.log_path(gov.home).unlink()  # an attacker who can also write the node's files
    v = _verify(gov, [saved])
    assert not v.ok and any(p.startswith("truncated") for p in v.problems)


def test_a_checkpoint_not_signed_by_the_audit_key_is_reported_not_trusted(gov, tmp_path):
    _events(gov, 4)
    real = _checkpoint(gov)
    forged = anchors.sign(Ed25519PrivateKey.generate(), real.position, real.head)
    saved = tmp_path / "anchors.jsonl"
    saved.write_text(forged.line() + "\n")
    v = _verify(gov, [saved])
    assert not v.ok and any("is not signed by the audit key" in p for p in v.problems)
    tampered = json.loads(real.line()) | {"position": 2}
    saved.write_text(json.dumps(tampered) + "\n")
    assert any("forged or altered" in p for p in _verify(gov, [saved]).problems)


def test_a_pinned_audit_key_rejects_checkpoints_signed_with_a_replaced_key(gov, tmp_path):
    _events(gov, 3)
    _checkpoint(gov)
    pinned = anchors.public_key(gov.home)
    assert _verify(gov, key=pinned).ok
    (gov.home / anchors.KEY_FILE).unlink()  # someone swaps the node's audit key and re-signs
    anchors.log_path(gov.home).unlink()
    _checkpoint(gov)
    v = _verify(gov, key=pinned)
    assert not v.ok and any("is not signed by the audit key" in p for p in v.problems)


def test_the_node_writes_a_checkpoint_every_n_committed_events(tmp_path):
    g = _gov(tmp_path / "node", every=4)
    _events(g, 9)
    cps = anchors.read(anchors.log_path(g.home))
    assert [c.position for c in cps] == [4, 8]
    public = anchors.audit_key(g.home).public_key()
    assert all(c.signed_by(public) for c in cps)
    assert anchors.log_path(g.home).stat().st_mode & 0o777 == 0o600
    g.close()


def _cli(home: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), "audit", *args],
                          capture_output=True, text=True, timeout=120)


def test_the_audit_commands_anchor_verify_and_report_truncation(tmp_path):
    home = tmp_path / "node"
    g = _gov(home)
    _events(g, 3)
    head = _cli(home, "head")
    assert head.returncode == 0, head.stderr
    line = json.loads(head.stdout)
    assert line["position"] == 3 and line["key"] == _cli(home, "key").stdout.strip()
    saved = tmp_path / "auditor-anchors.jsonl"
    saved.write_text(head.stdout)
    assert _cli(home, "checkpoints").stdout == head.stdout
    _events(g, 2, start=3)
    ok = _cli(home, "verify", "--anchor", str(saved), "--audit-key", line["key"])
    assert ok.returncode == 0 and "audit trail intact: 5 events" in ok.stdout, ok.stderr
    _delete_from(g, 3)
    broken = _cli(home, "verify", "--anchor", str(saved))
    assert broken.returncode == 3 and "truncated: the log ends at event 2" in broken.stderr
    g.close()


def test_processes_making_the_audit_key_at_once_all_sign_with_the_same_key(tmp_path):
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(4) as pool:
        keys = set(pool.map(anchors.public_key, [tmp_path] * 8))
    assert keys == {anchors.public_key(tmp_path)}
