"""The researcher's federation pages on a node's portal, against a live coordinator and a
node agent (in threads here; tests/federation/protocol runs them as processes)."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from onconode.analysis import cohort as cohorts
from onconode.federation import keys
from onconode.federation.agent import NodeAgent
from onconode.federation.coordinator import Coordinator
from onconode.federation.coordinator_app import create_coordinator_app
from onconode.federation.demo import free_port, write_policy, write_registry
from onconode.federation.policy import NodePolicy
from onconode.settings import update_file
from onconode.federation.registry import Registry, token_hash
from tests.web.conftest import login, make_person


@pytest.fixture
def federation_portal(node, tmp_path: Path):
    """A coordinator serving one collaboration with this node as NL, its agent polling."""
    ckey = keys.generate(tmp_path / "coordinator.key", tmp_path)
    nkey = keys.generate(node.home / "federation" / "node.key", node.home)
    write_policy(node.home, "NL", keys.public_text(ckey), ["demo"], {"counts": ["1.0"]}, ["DAR-7"])
    write_registry(tmp_path / "registry.toml", {"NL": keys.public_text(nkey)}, {"demo": ["NL"]},
                   {"DAR-7": {"requester": "rita@uni.example", "token_sha256": token_hash("t0ken"), "collaborations": ["demo"]}})
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_coordinator_app(Coordinator(Registry.load(tmp_path / "registry.toml"), ckey)),
                                           host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    url = f"http://127.0.0.1:{port}"
    update_file(node.home, "federation.portal", {"url": url})
    node.__dict__.pop("settings", None)   # a server reads its settings at start: as if restarted
    stop = threading.Event()
    agent = NodeAgent(node.home, NodePolicy.load(node.home), nkey)
    t = threading.Thread(target=agent.serve, args=(url,), kwargs={"wait": 1.0, "stop": stop.is_set}, daemon=True)
    t.start()
    yield url
    stop.set()
    server.should_exit = True
    t.join(10)


def test_a_researcher_runs_a_count_from_the_portal_and_sees_each_node_and_the_result(client, node, federation_portal) -> None:
    rita = make_person(node, "rita@uni.example")
    csrf = login(client, rita)
    page = client.get("/federation")
    assert page.status_code == 200 and "demo" in page.text and 'value="NL"' in page.text
    cohort = '{"op": "sex", "values": ["female"]}'
    r = client.post("/federation/runs", data={"csrf": csrf, "collaboration": "demo", "nodes": ["NL"], "algorithm": "counts",
                                              "cohort": cohort, "params": "", "dar": "DAR-7", "token": "t0ken"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    run_url = r.headers["location"]
    end = time.monotonic() + 120
    while "running" in (page := client.get(run_url)).text and time.monotonic() < end:
        time.sleep(0.3)
    assert "<strong class=\"status-done\">done</strong>" in page.text
    with node.snapshot() as snap:
        females = cohorts.evaluate(snap, {"op": "sex", "values": ["female"]}).patients
    assert re.search(rf'"patients": {females}\b', page.text)
    assert "Covers NL" in page.text


def test_a_wrong_token_is_shown_with_the_coordinators_reason(client, node, federation_portal) -> None:
    csrf = login(client, make_person(node, "rita@uni.example"))
    r = client.post("/federation/runs", data={"csrf": csrf, "collaboration": "demo", "algorithm": "counts",
                                              "dar": "DAR-7", "token": "wrong"})
    assert r.status_code == 400 and "not approved" in r.text
