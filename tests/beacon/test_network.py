"""The Beacon network aggregator against three real node servers (uvicorn on loopback,
each with its own store), a node that is down and one that never answers."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
from typer.testing import CliRunner

from onconode.beacon import network
from onconode.interfaces.cli.main import app
from onconode.interfaces.http.node import Node
from tests.web.conftest import FAST_ARGON2, _free_port

COUNTRIES = {"nl": 30, "se": 20, "es": 25}


def _serve(home: Path) -> tuple[str, object]:
    import uvicorn

    from onconode.interfaces.http.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Node(home, governance_options=FAST_ARGON2)), host="127.0.0.1",
                                           port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "a node server did not start within 30 s"
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}/beacon", server


@pytest.fixture(scope="module")
def nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Three nodes with different synthetic cohorts, each a Beacon with its own id."""
    from onconode.store import Store
    from onconode.synth import load_cohort

    urls, servers = {}, []
    for i, (country, patients) in enumerate(COUNTRIES.items()):
        home = tmp_path_factory.mktemp(f"beacon-{country}")
        with Store.init(home) as store:
            load_cohort(store, patients=patients, seed=20 + i, median_variants=80, workers=1)
            store.create_freeze("DR-1", "release")
        (home / "onconode.toml").write_text(f'[beacon]\nid = "org.onconode.{country}"\nname = "{country.upper()} Beacon"\n')
        urls[country], server = _serve(home)
        servers.append(server)
    yield urls
    for s in servers:
        s.should_exit = True


@pytest.fixture(scope="module")
def silent() -> Iterator[str]:
    """A server that accepts connections and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/beacon"
    sock.close()


def dead() -> str:
    return f"http://127.0.0.1:{_free_port()}/beacon"


def test_a_query_reaches_every_node_and_the_answers_are_merged_per_beacon(nodes):
    doc = network.query(list(nodes.values()), "individuals", params={"includeResultsetResponses": "ALL"})
    assert [m["status"] for m in doc["info"]["members"]] == ["ok"] * 3
    assert {rs["beaconId"] for rs in doc["response"]["resultSets"]} == {f"org.onconode.{c}" for c in COUNTRIES}
    assert doc["responseSummary"]["exists"] is True  # booleans count (ELIXIR loses them)
    assert doc["meta"]["returnedGranularity"] == "boolean"


def test_the_merged_answer_validates_as_a_beacon_resultsets_response(nodes, schemas):
    doc = network.query(list(nodes.values()), "g_variants", params={"geneId": "TP53", "includeResultsetResponses": "ALL"})
    assert schemas.errors("record", doc) == []


def test_a_node_that_is_down_or_silent_is_reported_and_the_rest_still_answer(nodes, silent):
    t0 = time.monotonic()
    members = [nodes["nl"], dead(), silent, nodes["se"]]
    doc = network.query(members, "individuals", params={"includeResultsetResponses": "ALL"}, timeout=1.0)
    assert time.monotonic() - t0 < 10
    status = {m["url"]: m["status"] for m in doc["info"]["members"]}
    assert status == {nodes["nl"]: "ok", members[1]: "unreachable", silent: "timeout", nodes["se"]: "ok"}
    failed = [rs for rs in doc["response"]["resultSets"] if "error" in rs.get("info", {})]
    assert {rs["id"] for rs in failed} == {members[1], silent}


def test_an_error_at_one_node_is_passed_on_with_its_message(nodes):
    doc = network.query([nodes["nl"]], "g_variants", params={"referenceName": "chr99", "start": "5", "alternateBases": "A"})
    [m] = doc["info"]["members"]
    assert m["status"] == "error" and m["http_status"] == 400 and "chromosome" in m["error"]


def test_filtering_terms_are_united_by_id(nodes):
    doc = network.query(list(nodes.values()), "filtering_terms")
    ids = [t["id"] for t in doc["response"]["filteringTerms"]]
    assert len(ids) == len(set(ids)) and "NCIT:C16576" in ids


def test_the_cli_prints_each_node_and_exits_nonzero_only_when_none_answered(nodes):
    r = CliRunner().invoke(app, ["beacon", "network", "--nodes", f"{nodes['nl']},{nodes['es']}", "--path", "individuals"])
    assert r.exit_code == 0, r.output
    assert "org.onconode.nl" in r.output and "org.onconode.es" in r.output
    r = CliRunner().invoke(app, ["beacon", "network", "--nodes", dead(), "--timeout", "1"])
    assert r.exit_code == 1 and "unreachable" in r.output
