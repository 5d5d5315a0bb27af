"""The federation protocol with real processes: a coordinator, three node agents, HTTPS."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import statsmodels.api as sm

from onconode.analysis.federated.data import patient_frame
from onconode.federation.nodelog import LOG_FILE, NodeLog
from onconode.store import Store

from tests.federation.protocol.conftest import OTHER_TOKEN, Federation

FEMALE = {"op": "sex", "values": ["female"]}


def local_frames(fed: Federation, params: dict) -> dict:
    out = {}
    for name, home in fed.homes.items():
        with Store.open(home, read_only=True) as store:
            out[name] = patient_frame(store.snapshot(None), params).copy()
    return out


def test_a_count_over_three_nodes_equals_the_count_of_the_pooled_data(federation: Federation) -> None:
    view = federation.run(algorithm="counts", cohort=FEMALE)
    pooled = sum(len(f) for f in local_frames(federation, {"cohort": FEMALE}).values())
    assert view["status"] == "done", view
    assert view["covers"] == ["ES", "NL", "SE"]
    assert {n: s["state"] for n, s in view["nodes"].items()} == {"NL": "done", "SE": "done", "ES": "done"}
    assert view["result"]["patients"] == pooled


def test_every_node_publishes_its_model_version_and_code_systems_to_the_coordinator(federation: Federation) -> None:
    import httpx

    from onconode.model import MODEL_VERSION

    nodes = httpx.get(federation.url + "/api/nodes", verify=federation.verify()).json()
    assert sorted(nodes) == ["ES", "NL", "SE"]
    for n, seen in nodes.items():
        assert seen["last_seen"] and seen["coverage"]["model_version"] == MODEL_VERSION
        assert seen["coverage"]["tumour_codes"] == "DOID" and seen["coverage"]["doids_answerable"] > 0


def test_an_iterative_glm_runs_rounds_and_equals_statsmodels_on_the_pooled_data(federation: Federation) -> None:
    params = {"family": "gaussian", "outcome": "purity", "covariates": ["age", "tmb_per_mb"]}
    view = federation.run(algorithm="glm", params=params)
    assert view["status"] == "done", view
    assert view["round"] >= 2
    pooled = pd.concat(local_frames(federation, params).values()).dropna(subset=["purity", "age", "tmb_per_mb"])
    fit = sm.GLM(pooled.purity, sm.add_constant(pooled[["age", "tmb_per_mb"]]), family=sm.families.Gaussian()).fit()
    coefs = [t["coef"] for t in view["result"]["terms"]]
    np.testing.assert_allclose(coefs, fit.params.to_numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose([t["se"] for t in view["result"]["terms"]], fit.bse.to_numpy(), rtol=1e-6)


def test_the_researcher_command_runs_an_analysis_and_prints_the_combined_result(federation: Federation) -> None:
    out = subprocess.run([sys.executable, "-m", "onconode", "federation", "run", "--coordinator", federation.url,
                          "--cafile", str(federation.cafile), "-c", "eucancan", "--algorithm", "counts", "--nodes", "NL,SE",
                          "--cohort", json.dumps({"op": "sex", "values": ["male"]}), "--params", '{"by": ["msi_status"]}',
                          "--dar", "DAR-1", "--token", "token-of-dar-1", "--json"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    view = json.loads(out.stdout)
    males = {n: len(f) for n, f in local_frames(federation, {"cohort": {"op": "sex", "values": ["male"]}}).items()}
    assert view["covers"] == ["NL", "SE"] and list(view["nodes"]) == ["NL", "SE"]
    assert view["result"]["patients"] == males["NL"] + males["SE"]


def test_a_wrong_token_is_refused_by_the_coordinator_before_any_node_sees_a_task(federation: Federation) -> None:
    out = subprocess.run([sys.executable, "-m", "onconode", "federation", "run", "--coordinator", federation.url,
                          "--cafile", str(federation.cafile), "-c", "eucancan", "--algorithm", "counts",
                          "--dar", "DAR-1", "--token", "guessed"], capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert "403" in out.stderr and "not approved" in out.stderr


def test_a_node_that_does_not_honour_the_requesters_dar_refuses_with_its_reason(federation: Federation) -> None:
    view = federation.run(token=OTHER_TOKEN, algorithm="counts")
    assert view["status"] == "done"
    assert view["nodes"]["SE"]["state"] == "refused"
    assert "does not honour data access request 'DAR-2'" in view["nodes"]["SE"]["reason"]
    assert view["covers"] == ["ES", "NL"] and "SE" in view["not_covered"]


def test_a_node_whose_policy_forbids_the_algorithm_refuses_with_the_reason(federation: Federation) -> None:
    view = federation.run(algorithm="frequency", params={"genes": ["TP53", "KRAS"]})
    assert view["nodes"]["ES"]["state"] == "refused"
    assert "does not allow algorithm 'frequency'" in view["nodes"]["ES"]["reason"]
    assert view["covers"] == ["NL", "SE"]


def test_a_task_altered_after_signing_is_refused(federation: Federation) -> None:
    federation.proxy.mode = "tamper"  # the next task NL receives gets a different cohort
    view = federation.run(algorithm="counts", cohort={"op": "tumour_location", "locations": ["Lung", "Colorectum", "Breast"]})
    assert view["nodes"]["NL"]["state"] == "refused"
    assert "altered or forged" in view["nodes"]["NL"]["reason"]
    assert view["covers"] == ["ES", "SE"]
    log = NodeLog(federation.homes["NL"] / LOG_FILE)
    assert log.entries()[-1]["type"] == "task.rejected" and log.verify().ok


def test_a_cohort_differing_by_a_few_patients_from_an_earlier_one_is_refused_at_each_node_it_would_expose(
        federation: Federation) -> None:
    from onconode.analysis import cohort as cohorts

    before = {"op": "tumour_location", "locations": ["Lung", "Colorectum", "Breast"]}
    after = {"op": "tumour_location", "locations": ["Lung", "Colorectum", "Breast", "Liver"]}
    federation.run(algorithm="counts", cohort=before)
    view = federation.run(algorithm="counts", cohort=after)
    exposed = set()
    for name, home in federation.homes.items():
        with Store.open(home, read_only=True) as store:
            snap = store.snapshot(None)
            if 1 <= len(cohorts.evaluate(snap, before).patient_ids ^ cohorts.evaluate(snap, after).patient_ids) <= 4:
                exposed.add(name)
    assert exposed, "the synthetic nodes should hold a few liver-cancer patients"
    refused = {n for n, s in view["nodes"].items() if s["state"] == "refused"}
    assert refused == exposed
    assert all("differs from a cohort you queried before" in view["nodes"][n]["reason"] for n in refused)


def test_a_replayed_task_is_refused_and_the_run_still_completes(federation: Federation) -> None:
    federation.proxy.mode = "duplicate"  # NL receives its task twice
    view = federation.run(algorithm="counts", cohort={"op": "sex", "values": ["male"]})
    assert view["status"] == "done" and view["covers"] == ["ES", "NL", "SE"]

    def replay_rejected() -> bool:
        rejected = [e for e in NodeLog(federation.homes["NL"] / LOG_FILE).entries() if e["type"] == "task.rejected"]
        return any("replayed message" in e["payload"]["reason"] and e["payload"]["run"] == view["run"] for e in rejected)

    # NL meets the copy after posting its answer to the original, which may complete the run
    # before the copy is rejected: wait for the rejection, not for a fixed time.
    end = time.monotonic() + 15
    while not replay_rejected() and time.monotonic() < end:
        time.sleep(0.1)
    assert replay_rejected()


def test_what_a_node_sends_holds_no_patient_level_data(federation: Federation) -> None:
    sent = b"".join(federation.proxy.sent)
    assert b'"kind":"result"' in sent.replace(b" ", b"")  # the capture holds NL's results
    with Store.open(federation.homes["NL"], read_only=True) as store:
        snap = store.snapshot(None)
        ids = [r for col in (snap.table("patient").patient_id, snap.table("sample").sample_id)
               for r in col.to_pyarrow().to_pylist()]
    assert ids and not [i for i in ids if i.encode() in sent]

    def arrays(x):  # every JSON array in everything NL sent
        if isinstance(x, list):
            yield x
            for v in x:
                yield from arrays(v)
        elif isinstance(x, dict):
            for v in x.values():
                yield from arrays(v)

    longest = max((len(a) for body in federation.proxy.sent if body for a in arrays(json.loads(body))), default=0)
    assert longest < 10, "a list as long as a cohort left the node: row-level data"


def test_a_node_killed_mid_task_is_marked_failed_and_the_run_completes_without_it(federation: Federation) -> None:
    from onconode.federation.client import CoordinatorClient

    with CoordinatorClient(federation.url, federation.verify(), "token-of-dar-1") as c:
        run = c.submit({"collaboration": "eucancan", "dar": "DAR-1", "algorithm": "slow_counts",
                        "params": {"sleep": 1, "cohort": {"op": "sex", "values": ["male", "female"]}}, "timeout_seconds": 12})
        end = time.monotonic() + 60
        while c.run(run["run"])["nodes"]["ES"]["state"] != "running" and time.monotonic() < end:
            time.sleep(0.05)
        federation.kill("ES")  # while ES computes
        view = c.follow(run["run"], timeout=120)
    federation.start_node("ES")
    federation.wait_ready()
    assert view["status"] == "done"
    assert view["nodes"]["ES"]["state"] == "failed" and "no answer within 12 s" in view["nodes"]["ES"]["reason"]
    assert view["covers"] == ["NL", "SE"]
    both = local_frames(federation, {"cohort": {"op": "sex", "values": ["male", "female"]}})
    assert view["result"]["patients"] == len(both["NL"]) + len(both["SE"])
