"""Derived data is built by jobs: after every publish (a freeze, a withdrawal, an ingest) a
writer queues a `derived-prebuild` job, which a worker turns into one `derived-build` job
per artifact the node serves (the registry's `prebuild` declarations) and builds them, so
the first request after a new version finds them built. Real commands and a real worker
process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from onconode.access.db import open_governance
from onconode.db import jobs
from onconode.interfaces.derived_wiring import register_derived
from onconode.store import Store, derived
from tests.conftest import frozen_synthetic_store

SERVED = {("analysis.passing_mutations", "current"), ("analysis.passing_mutations", "freeze"),
          ("analysis.alteration_events", "current"), ("analysis.alteration_events", "freeze"),
          ("analysis.gene_pairs", "current"), ("analysis.gene_pairs", "freeze"),
          ("federated.node-tables", "current"), ("federated.node-tables", "freeze"), ("beacon.positions", "freeze"),
          ("analysis.beacon_structural_events", "current"), ("analysis.beacon_structural_events", "freeze")}


def _onconode(home: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), *args], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def _jobs(home: Path, kind: str, state: str) -> list[jobs.Job]:
    with open_governance(home) as gov:
        return [j for j in jobs.list_jobs(gov.engine, kind=kind) if j.state == state]


def _built_by_jobs(home: Path) -> set[tuple[str, int]]:
    return {(j.params["name"], j.params["version"]) for j in _jobs(home, "derived-build", jobs.DONE)}


def _served_now(home: Path) -> dict[tuple[str, str], Path | None]:
    """Each artifact the node serves, at the version it serves it for, found built or None."""
    with Store.open(home, read_only=True) as store:
        versions = {"current": store.current_version, "freeze": store.freezes()[-1].version}
        return {(name, which): derived.find(store, name, versions[which]) for name, which in SERVED}


def test_a_publish_queues_the_builds_of_the_artifacts_the_node_serves_and_a_worker_makes_them(tmp_path: Path) -> None:
    home = frozen_synthetic_store(tmp_path / "node", patients=8, seed=5, median_variants=20, freeze="F1")
    open_governance(home).close()   # a node that has served: its governance database (the queue) exists
    register_derived()

    _onconode(home, "freeze", "create", "F2")
    with Store.open(home, read_only=True) as store:
        wanted = set(derived.wanted(store))
        versions = {"current": store.current_version, "freeze": store.resolve("F2")}
    assert {(n, versions[w]) for n, w in SERVED} <= wanted, "the registry names what the node serves"
    assert len(_jobs(home, "derived-prebuild", jobs.QUEUED)) == 1
    assert all(path is None for path in _served_now(home).values())   # not built in the command

    _onconode(home, "worker", "--until-idle")
    assert _built_by_jobs(home) == wanted and all(path is not None for path in _served_now(home).values())

    with Store.open(home, read_only=True) as store:
        patient = store.con.execute("SELECT min(patient_id) FROM patient").fetchall()[0][0]
    _onconode(home, "withdraw", patient)   # a new withdrawal sequence: every key changes
    assert all(path is None for path in _served_now(home).values())
    with Store.open(home, read_only=True) as store:
        wanted |= set(derived.wanted(store))
    assert len(_jobs(home, "derived-prebuild", jobs.QUEUED)) == 1
    _onconode(home, "worker", "--until-idle")
    assert _built_by_jobs(home) == wanted
    built = _served_now(home)
    assert all(path is not None and path.name.endswith("-w1") for path in built.values()), built


def test_a_store_without_a_governance_database_queues_nothing(tmp_path: Path) -> None:
    home = frozen_synthetic_store(tmp_path / "node", patients=4, seed=5, median_variants=10, freeze="F1")
    _onconode(home, "freeze", "create", "F2")
    assert not (home / "governance.sqlite").exists()
