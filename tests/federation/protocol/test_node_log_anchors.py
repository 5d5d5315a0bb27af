"""The node's federation audit log is anchored like the governance log: cutting its tail
or recomputing its chain shows against the signed checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

from onconode.access import anchors
from onconode.access.audit import GENESIS, canonical, event_hash
from onconode.federation.nodelog import LOG_FILE, STREAM, NodeLog


def _log(home: Path, n: int, every: int = 3) -> NodeLog:
    log = NodeLog(home / LOG_FILE, home, every=every)
    for i in range(n):
        log.append("task.accepted", {"run": f"r{i}", "round": 1})
    return log


def test_the_node_log_writes_signed_checkpoints_every_n_lines(tmp_path: Path):
    log = _log(tmp_path, 7)
    cps = anchors.read(log.checkpoints)
    assert [c.position for c in cps] == [3, 6]
    assert all(c.signed_by(anchors.audit_key(tmp_path).public_key()) for c in cps)
    v = log.verify()
    assert v.ok and v.anchors_checked == 2, v.problems


def test_cutting_the_tail_of_the_node_log_is_detected(tmp_path: Path):
    log = _log(tmp_path, 7)
    lines = log.path.read_text().splitlines(keepends=True)
    log.path.write_text("".join(lines[:4]))
    v = NodeLog(log.path, tmp_path).verify()
    assert not v.ok and any(p.startswith("truncated: the log ends at event 4") for p in v.problems)


def test_recomputing_the_node_log_chain_after_an_edit_is_detected(tmp_path: Path):
    log = _log(tmp_path, 6)
    rows = [json.loads(line) for line in log.path.read_text().splitlines()]
    rows[1]["payload"]["run"] = "forged"
    prev = GENESIS
    for r in rows:
        r["prev_hash"] = prev
        r["hash"] = prev = event_hash(prev, r["position"], STREAM, r["position"], r["type"], None, r["at"], canonical(r["payload"]))
    log.path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert NodeLog(log.path).verify().ok  # without its anchors the chain looks fine
    v = NodeLog(log.path, tmp_path).verify()
    assert not v.ok and any(p.startswith("re-chained: event 3") for p in v.problems)
