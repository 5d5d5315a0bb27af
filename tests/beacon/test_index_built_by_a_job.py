"""A Beacon position index built by a job while the node serves answers the very next
query: the server looks the index up in the derived-data registry on each request while
it has none (one stat), instead of only when a new store copy is published."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from onconode.access.db import open_governance
from onconode.beacon.positions import NAME
from onconode.db import jobs
from onconode.interfaces.http.app import create_app
from onconode.interfaces.http.beacon import served_now
from onconode.interfaces.http.node import Node
from onconode.store import Store, derived_jobs
from tests.conftest import frozen_synthetic_store
from tests.web.conftest import FAST_ARGON2


def test_an_index_built_by_a_job_while_serving_answers_the_next_beacon_query(tmp_path: Path) -> None:
    home = frozen_synthetic_store(tmp_path / "node", patients=6, seed=3, median_variants=30, freeze="F1")
    with Store.open(home, read_only=True) as store:
        chrom, pos, ref, alt = store.con.execute(
            "SELECT chromosome, position, ref, alt FROM somatic_variant ORDER BY chromosome, position LIMIT 1").fetchall()[0]
    query = {"referenceName": chrom, "start": pos - 1, "referenceBases": ref, "alternateBases": alt}
    node = Node(home, governance_options=FAST_ARGON2)
    try:
        with TestClient(create_app(node), base_url="https://testserver") as c:
            assert c.get("/beacon/g_variants", params=query).json()["responseSummary"]["exists"] is True
            assert served_now(node)[1] is None   # no index yet: the store answered

            with open_governance(home) as gov, Store.open(home, read_only=True) as store:
                job_id = derived_jobs.enqueue(gov.engine, store, NAME, store.resolve("F1"), "test")
            worker = subprocess.run([sys.executable, "-m", "onconode", "--home", str(home), "worker", "--until-idle"],
                                    capture_output=True, text=True, timeout=300)
            assert worker.returncode == 0, worker.stderr
            with open_governance(home) as gov:
                assert jobs.get(gov.engine, job_id).state == jobs.DONE

            assert c.get("/beacon/g_variants", params=query).json()["responseSummary"]["exists"] is True
            index = served_now(node)[1]
            assert index is not None, "the index the job built is used without waiting for the next publish"
            assert index.path.name == jobs.get(node.gov.engine, job_id).result["path"].rsplit("/", 1)[-1]
    finally:
        node.close()
