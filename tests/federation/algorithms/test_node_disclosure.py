"""Disclosure control at every node: what a node refuses, with the reason, and what it
sends when it does not refuse (aggregates only, never a patient). Small hand-made node
tables (FrameSnapshot) make each threshold exact; the store-backed nodes check that no
patient identifier leaves."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from onconode.analysis.cellkey import RecordKeys
from onconode.analysis.disclosure import DisclosureRefused, DisclosureSettings, Rules
from onconode.analysis.federated import FederatedError, analysed_patients, get_algorithm, run_local
from onconode.analysis.federated.data import FrameSnapshot

RULES = Rules(DisclosureSettings(), RecordKeys(bytes(32)))


def node(n: int, seed: int, **overrides) -> FrameSnapshot:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"patient_id": [f"P{seed}-{i:03d}" for i in range(n)], "age": rng.normal(60, 10, n).round(),
                       "purity": rng.uniform(0.2, 1, n), "sex": (np.arange(n) % 2).astype(float),
                       "responder": (np.arange(n) % 3 == 0).astype(float),
                       "tumour_type": np.where(np.arange(n) % 2, "Lung", "Breast"),
                       "entry": 0.0, "time": rng.uniform(1, 900, n).round(), "event": (np.arange(n) % 4 != 0).astype(int)})
    for k, v in overrides.items():
        df[k] = v
    return FrameSnapshot(df)


def refusal(algorithm: str, snaps: dict, params: dict, rules=RULES) -> str:
    with pytest.raises(DisclosureRefused) as exc:
        run_local(algorithm, snaps, params, rules)
    return str(exc.value)


LOGIT = {"outcome": "responder", "family": "binomial", "covariates": ["age", "purity"]}


def test_a_model_with_more_parameters_than_a_third_of_a_nodes_patients_is_refused_by_that_node():
    snaps = {"NL": node(60, 1), "SE": node(8, 2)}  # 3 parameters > 0.33 × 8
    why = refusal("glm", snaps, LOGIT)
    assert why.startswith("node SE:") and "exceeds 0.33 × N" in why


def test_a_saturated_model_is_refused():
    why = refusal("glm", {"NL": node(60, 1), "SE": node(3, 2)}, LOGIT)
    assert "node SE:" in why and "saturated" in why


def test_a_factor_level_with_fewer_than_five_subjects_is_refused():
    types = ["Lung"] * 37 + ["Breast"] * 3
    why = refusal("glm", {"NL": node(60, 1), "SE": node(40, 2, tumour_type=types)},
                  {**LOGIT, "covariates": ["age", {"factor": "tumour_type", "levels": ["Lung", "Breast"]}]})
    assert "node SE:" in why and "tumour_type has levels with fewer than 5 subjects (Breast)" in why


def test_a_binary_outcome_with_fewer_than_five_in_a_class_is_refused():
    few = np.zeros(40)
    few[:4] = 1
    why = refusal("glm", {"NL": node(60, 1), "ES": node(40, 3, responder=few)}, LOGIT)
    assert "node ES:" in why and "outcome" in why


def test_a_level_a_node_does_not_have_is_no_disclosure_and_the_fit_still_runs():
    lung_only = node(40, 2, tumour_type="Lung")
    params = {**LOGIT, "covariates": ["age", {"factor": "tumour_type", "levels": ["Lung", "Breast"]}]}
    result = run_local("glm", {"NL": node(60, 1), "SE": lung_only}, params, RULES)
    assert result["n"] == 100 and [t["term"] for t in result["terms"]] == ["(intercept)", "age", "tumour_type[Breast]"]


def test_a_table_with_a_small_cell_is_refused_naming_the_cell():
    sex = np.zeros(40)
    sex[:3] = 1
    params = {"row": "sex", "row_levels": ["1", "0"], "column": "tumour_type", "column_levels": ["Breast", "Lung"]}
    why = refusal("contingency", {"NL": node(60, 1), "SE": node(40, 2, sex=sex, tumour_type="Lung")}, params)
    assert "node SE:" in why and "sex=1 × tumour_type=Lung" in why


def test_a_stricter_node_refuses_what_the_default_allows():
    snaps = {"NL": node(60, 1), "SE": node(20, 2)}
    assert run_local("glm", snaps, LOGIT, RULES)["n"] == 80
    strict = {"NL": RULES, "SE": Rules(DisclosureSettings(regression_max_parameter_ratio=0.1))}
    assert "node SE:" in refusal("glm", snaps, LOGIT, strict)


def test_survival_needs_five_events_in_every_time_bin_at_every_node():
    few_events = (np.arange(30) < 4).astype(int)
    why = refusal("km", {"NL": node(60, 1), "SE": node(30, 2, event=few_events)}, {"endpoint": "os"})
    assert "node SE:" in why and "fewer than 5 events" in why
    why = refusal("cox", {"NL": node(60, 1), "SE": node(30, 2, event=few_events)}, {"endpoint": "os", "covariates": ["age"]})
    assert "node SE:" in why and "event" in why


def test_counts_leave_a_node_perturbed_by_its_cell_keys_and_small_ones_suppressed():
    types = ["Lung"] * 30 + ["Breast"] * 3 + ["Skin"] * 7
    algo = get_algorithm("counts")
    snap = node(40, 2, tumour_type=types)
    part = algo.partial(snap, {"by": ["tumour_type"]}, {}, RULES)
    by_type = part["by"]["tumour_type"]
    assert by_type["Breast"] == "<5" or by_type["Breast"] >= 5
    assert abs(by_type["Lung"] - 30) <= 3 and by_type == algo.partial(snap, {"by": ["tumour_type"]}, {}, RULES)["by"]["tumour_type"]
    result = run_local("counts", {"NL": node(60, 1), "SE": node(40, 2, tumour_type=types)}, {"by": ["tumour_type"]}, RULES)
    if by_type["Breast"] == "<5":
        assert result["by"]["tumour_type"]["Breast"]["hidden_at"] == ["SE"]
    with pytest.raises(DisclosureRefused, match="fewer than 5 patients"):
        algo.partial(node(3, 4), {}, {}, RULES)


def test_nothing_a_node_sends_names_a_patient(snaps):
    tp53 = {"TP53": {"op": "gene_altered", "gene": "TP53", "alteration": "mutation"}}
    tasks = {
        "counts": {"by": ["sex", "tumour_type"]},
        "frequency": {"genes": ["TP53", "KRAS"]},
        "contingency": {"indicators": tp53, "row": "TP53", "row_levels": ["1", "0"], "column": "sex", "column_levels": ["1", "0"]},
        "glm": {"treatment": {}, "indicators": tp53, "outcome": "responder", "family": "binomial", "covariates": ["TP53", "age"]},
        "km": {"endpoint": "os"},
        "cox": {"endpoint": "os", "covariates": ["age", "sex"], "baseline": "common"},
    }
    snap = snaps["NL"]
    ids = set(pd.concat([snap.table("patient").select("patient_id").to_pandas()]).patient_id)
    for name, params in tasks.items():
        algo = get_algorithm(name)
        state = algo.start(params)
        for _ in range(2):
            sent = json.dumps(algo.partial(snap, params, state, RULES))
            assert not any(p in sent for p in ids), name
            state, result = algo.combine(params, state, {"NL": json.loads(sent)})
            if result is not None:
                break


def test_the_differencing_guard_gets_the_patients_behind_each_group_and_they_stay_on_the_node(snaps):
    params = {"endpoint": "os", "indicators": {"KRAS": {"op": "gene_altered", "gene": "KRAS"}}, "group": "KRAS",
              "group_levels": ["1", "0"]}
    groups = analysed_patients("km", snaps["NL"], params)
    assert set(groups) == {"1", "0"} and not groups["1"] & groups["0"]
    from onconode.analysis.federated.data import patient_frame
    df = patient_frame(snaps["NL"], params).dropna(subset=["time", "event"])
    assert groups["1"] == frozenset(df.patient_id[df.KRAS == 1])


def test_a_task_that_names_an_unknown_variable_or_algorithm_version_says_what_exists():
    with pytest.raises(FederatedError, match="unknown variable 'weight'.*available here: .*age"):
        run_local("glm", {"NL": node(60, 1)}, {"outcome": "weight", "covariates": ["age"]}, RULES)
    with pytest.raises(FederatedError, match="version 1.0 here, the task asks for 2.0"):
        get_algorithm("glm", "2.0")
    with pytest.raises(FederatedError, match="unknown algorithm 'svm'; available: contingency, counts, cox"):
        get_algorithm("svm")


def test_survival_partials_carry_no_event_time_only_sums_and_bin_edges():
    snap = node(80, 5)
    cox = get_algorithm("cox")
    params = {"endpoint": "os", "covariates": ["age", "sex"]}
    part = cox.partial(snap, params, cox.start(params), RULES)
    assert set(part) == {"n", "events", "loglik", "score", "hessian"}
    km = get_algorithm("km")
    edges = km.partial(snap, {"endpoint": "os"}, km.start({"endpoint": "os"}), RULES)
    assert all(e % 30 == 0 for e in edges["edges"] + [edges["top"]])  # 30-day bin edges, never a patient's time


def test_a_whole_node_task_sees_the_same_patient_table_as_a_cohort_of_everyone(snaps):
    from onconode.analysis.federated.data import _build

    params = {"family": "binomial", "outcome": "responder", "treatment": {}}
    everyone = {"op": "or", "args": [{"op": "all"}, {"op": "all"}]}   # evaluated as a cohort query
    for snap in snaps.values():
        assert _build(snap, params).equals(_build(snap, {**params, "cohort": everyone}))
