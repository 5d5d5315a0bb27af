"""Rounds of a run, in one process: a Coordinator and a NodeAgent object exchanging the same
signed messages the HTTP endpoints carry."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import numpy as np
import pytest

from onconode.federation import keys, messages
from onconode.federation.agent import NodeAgent
from onconode.federation.coordinator import Coordinator
from onconode.federation.demo import write_policy, write_registry
from onconode.federation.nodelog import NodeLog
from onconode.federation.policy import NodePolicy
from onconode.federation.registry import Registry, token_hash
from onconode.store import Store
from onconode.store.withdraw import withdraw_patient

PARAMS = {"family": "binomial", "outcome": "responder", "treatment": {}, "covariates": ["age", "sex"]}


def _load(home: Path, seed: int) -> None:
    from onconode.synth import load_cohort

    with (Store.open(home) if (home / "store.duckdb").exists() else Store.init(home)) as store:
        load_cohort(store, patients=120, seed=seed, median_variants=5, workers=1)


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Coordinator, NodeAgent, Path]:
    home = tmp_path / "NL"
    _load(home, 5)
    ckey = keys.generate(tmp_path / "coordinator.key", tmp_path)
    nkey = keys.generate(home / "federation" / "node.key", home)
    write_policy(home, "NL", keys.public_text(ckey), ["c"], {"glm": ["1.0"]}, ["DAR-1"])
    reg = write_registry(tmp_path / "registry.toml", {"NL": keys.public_text(nkey)}, {"c": ["NL"]},
                         {"DAR-1": {"requester": "alice", "token_sha256": token_hash("t"), "collaborations": ["c"]}})
    agent = NodeAgent(home, NodePolicy.load(home), nkey)
    agent.warm_up()
    return Coordinator(Registry.load(reg), ckey), agent, home


def _round(coord: Coordinator, agent: NodeAgent) -> int:
    """One poll by the node and its answers; returns how many tasks it answered."""
    poll = messages.sign(agent.key, "NL", "poll", {"coverage": agent.published}, dt.timedelta(minutes=1))
    tasks = coord.poll(poll, 0)
    for task in tasks:
        coord.accept_result(agent.handle(task))
    return len(tasks)


def _fit(coord: Coordinator, agent: NodeAgent, between_rounds=lambda: None) -> dict:
    run = coord.submit({"collaboration": "c", "dar": "DAR-1", "algorithm": "glm", "params": PARAMS}, "t")
    while run.status == "running":
        assert _round(coord, agent) == 1
        between_rounds()
    assert run.status == "done", run.error
    return run.result  # type: ignore[return-value]


def _pooled_coefs(home: Path) -> np.ndarray:
    """Newton on the node's current patient table alone (no protocol), the expected answer."""
    from onconode.analysis.disclosure import DisclosureSettings, Rules
    from onconode.analysis.federated import run_local
    from onconode.analysis.federated.data import FrameSnapshot, patient_frame

    with Store.open(home, read_only=True) as store:
        frame = patient_frame(store.snapshot(None), PARAMS)
    fit = run_local("glm", {"NL": FrameSnapshot(frame)}, PARAMS, Rules(DisclosureSettings()))
    return np.array([t["coef"] for t in fit["terms"]])


def test_every_round_of_a_run_computes_on_the_data_of_its_first_round(pair) -> None:
    coord, agent, home = pair
    before = _pooled_coefs(home)
    reloaded = []

    def new_store_version() -> None:  # the operator loads other data while the fit is running
        if not reloaded:
            _load(home, 6)
            reloaded.append(True)

    fit = _fit(coord, agent, new_store_version)
    after = _pooled_coefs(home)
    assert not np.allclose(before, after, atol=1e-6), "the reload should change the data"
    np.testing.assert_allclose([t["coef"] for t in fit["terms"]], before, atol=1e-8)
    # a new run reads the new version
    np.testing.assert_allclose([t["coef"] for t in _fit(coord, agent)["terms"]], after, atol=1e-8)


def test_a_consent_withdrawal_during_a_run_refuses_its_next_round(pair) -> None:
    coord, agent, home = pair
    run = coord.submit({"collaboration": "c", "dar": "DAR-1", "algorithm": "glm", "params": PARAMS}, "t")
    assert _round(coord, agent) == 1 and run.status == "running"  # round 1 pinned the patient table
    with Store.open(home, read_only=True) as store:
        patient = store.con.execute("SELECT min(patient_id) FROM patient").fetchall()[0][0]
    with Store.open(home) as store:
        withdraw_patient(store, patient)
    assert _round(coord, agent) == 1
    node = coord.view(run.id)["nodes"]["NL"]
    assert node["state"] == "refused" and "data changed: patient withdrawn, resubmit" in node["reason"]
    assert run.status == "failed"
    again = coord.submit({"collaboration": "c", "dar": "DAR-1", "algorithm": "glm", "params": PARAMS}, "t")
    assert _round(coord, agent) == 1
    # The resubmission reads the store as it is now (one patient fewer), which this same
    # requester's differencing guard then refuses: comparing it with the first run would
    # describe the withdrawn patient.
    assert "differs from a cohort you queried before" in coord.view(again.id)["nodes"]["NL"]["reason"]


def test_later_rounds_still_refuse_a_replayed_task(pair) -> None:
    coord, agent, _ = pair
    run = coord.submit({"collaboration": "c", "dar": "DAR-1", "algorithm": "glm", "params": PARAMS}, "t")
    assert _round(coord, agent) == 1
    poll = messages.sign(agent.key, "NL", "poll", {"coverage": agent.published}, dt.timedelta(minutes=1))
    task = coord.poll(poll, 0)[0]
    assert agent.handle(task)["body"]["status"] == "done"
    replay = agent.handle(task)
    assert replay["body"]["status"] == "refused" and "replayed message" in replay["body"]["reason"]
    assert run.round == 2


def test_a_researcher_waiting_on_a_run_hears_of_the_next_change(pair) -> None:
    coord, agent, _ = pair
    run = coord.submit({"collaboration": "c", "dar": "DAR-1", "algorithm": "glm", "params": PARAMS}, "t")
    seen = coord.view(run.id)
    # nothing happens: the long poll ends at its time limit with the same view
    assert coord.view(run.id, wait=0.2, after=seen["changes"])["changes"] == seen["changes"]
    answers: list[dict] = []
    waiter = threading.Thread(target=lambda: answers.append(coord.view(run.id, wait=25, after=seen["changes"])))
    waiter.start()
    _round(coord, agent)
    waiter.join(30)
    assert answers and answers[0]["changes"] > seen["changes"]
    while coord.view(run.id)["status"] == "running":
        _round(coord, agent)
    final = coord.view(run.id, wait=25, after=answers[0]["changes"])  # a finished run answers at once
    assert final["status"] == "done" and final["result"]["n"] > 0


def test_the_audit_chain_continues_when_another_writer_appended(tmp_path: Path) -> None:
    a, b = NodeLog(tmp_path / "audit.jsonl"), NodeLog(tmp_path / "audit.jsonl")
    a.append("task.received", {"run": "r1"})
    b.append("task.received", {"run": "r2"})
    a.append("task.done", {"run": "r1"})
    v = a.verify()
    assert v.ok and v.events == 3, v.problems


def _append_many(path: Path, writer: int, n: int) -> None:
    log = NodeLog(path)
    for i in range(n):
        log.append("task.received", {"run": f"w{writer}-{i}"})


def test_the_audit_chain_holds_when_processes_append_at_the_same_time(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "audit.jsonl"
    ctx = multiprocessing.get_context("fork")   # two node agents (or a restart's overlap) on one home
    procs = [ctx.Process(target=_append_many, args=(path, w, 100)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    v = NodeLog(path).verify()
    assert v.ok and v.events == 400, v.problems[:3]


def test_a_node_that_stops_after_round_one_stops_the_run_instead_of_mixing_cohorts(tmp_path: Path) -> None:
    """Round 1 of a GLM used both nodes' data; if one refuses round 2, carrying on with the
    other would combine a state computed on both with partials from one."""
    ckey = keys.generate(tmp_path / "coordinator.key", tmp_path)
    agents = {}
    for name, seed in (("NL", 5), ("SE", 6)):
        home = tmp_path / name
        _load(home, seed)
        nkey = keys.generate(home / "federation" / "node.key", home)
        write_policy(home, name, keys.public_text(ckey), ["c"], {"glm": ["1.0"]}, ["DAR-1"])
        agents[name] = NodeAgent(home, NodePolicy.load(home), nkey)
        agents[name].warm_up()
    reg = write_registry(tmp_path / "registry.toml", {n: keys.public_text(a.key) for n, a in agents.items()},
                         {"c": list(agents)},
                         {"DAR-1": {"requester": "alice", "token_sha256": token_hash("t"), "collaborations": ["c"]}})
    coord = Coordinator(Registry.load(reg), ckey)

    def round_of_both() -> None:
        for name, agent in agents.items():
            poll = messages.sign(agent.key, name, "poll", {"coverage": agent.published}, dt.timedelta(minutes=1))
            for task in coord.poll(poll, 0):
                coord.accept_result(agent.handle(task))

    run = coord.submit({"collaboration": "c", "dar": "DAR-1", "algorithm": "glm", "params": PARAMS}, "t")
    round_of_both()
    assert run.status == "running" and run.round == 2
    with Store.open(tmp_path / "SE") as store:
        withdraw_patient(store, store.con.execute("SELECT min(patient_id) FROM patient").fetchall()[0][0])
    round_of_both()
    assert run.status == "failed" and run.result is None
    assert "SE stopped taking part in round 2" in run.error and "resubmit" in run.error
    assert coord.view(run.id)["nodes"]["NL"]["state"] == "done"
