"""Survival from the kept per-sample arrays (dates and Cox covariates in NumPy) gives the
same answer as the path through `endpoint_data` and the sample attributes in pandas
(what a snapshot without kept tables takes): every curve step, the log-rank test, the
Cox terms and the disclosure-controlled output, for overall survival with and without
delayed entry and for a treatment endpoint. Data: a synthetic cohort of 400 patients
with some sexes, purities and diagnosis dates made unknown, and a later second biopsy for
a third of them whose sample id sorts first (the entry is the earliest biopsy; the Cox
covariates come from the first sample by id, as the attributes table gives them)."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from onconode.analysis import cohort as cohorts
from onconode.analysis import survival, survival_data
from onconode.analysis.cellkey import RecordKeys
from onconode.analysis.disclosure import DisclosureSettings, Rules
from onconode.analysis.risk_sets import risk_table
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.store import Store
from onconode.synth import load_cohort


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows for the store: pandas holds an integer column with empty cells as float NaN."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    store = Store.init(tmp_path_factory.mktemp("survival-paths") / "node")
    load_cohort(store, patients=400, seed=5, median_variants=20)
    now = store.snapshot()
    patient, sample, tumor = (now.table(t).to_pyarrow().to_pandas() for t in ("patient", "sample", "tumor_profile"))
    patient.loc[::8, "sex"] = "unknown"
    patient.loc[3::16, "diagnosis_date"] = None
    tumor.loc[::4, "purity"] = None
    later = sample.iloc[1::3].copy()   # "HMF000002" + "0" sorts before "HMF000002A"
    later["sample_id"] = later.patient_id + "0"
    later["sampling_date"] = later.sampling_date + dt.timedelta(days=200)
    extra = tumor.set_index("sample_id").loc[sample.sample_id.iloc[1::3]].reset_index()
    extra["sample_id"] = later.sample_id.to_numpy()
    extra["purity"] = 1 - extra.purity
    with store.transaction("unknown covariates, second biopsies") as tx:
        tx.replace("patient", to_arrow(TABLES_BY_NAME["patient"], records(patient)))
        tx.replace("sample", to_arrow(TABLES_BY_NAME["sample"], records(pd.concat([sample, later]))))
        tx.replace("tumor_profile", to_arrow(TABLES_BY_NAME["tumor_profile"], records(pd.concat([tumor, extra]))))
    yield store.snapshot()
    store.close()


def _same(a, b, path=""):
    """Equal structure, ints and strings; floats equal to rounding (1e-9 relative)."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and list(a) == list(b), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float):
        assert type(b) is float and (math.isnan(a) and math.isnan(b) or a == pytest.approx(b, rel=1e-9, abs=1e-12)), path
    else:
        assert type(a) is type(b) and a == b, (path, a, b)


GROUPS = {   # by SQL (sample ids) / in memory (sample positions), each the first group then the rest
    "TMB high": {"op": "tmb", "status": "HIGH"},
    "KRAS mutant": {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"},
}


@pytest.mark.parametrize("first", list(GROUPS))
@pytest.mark.parametrize("endpoint, treatment, left_truncation", [
    ("os", None, True), ("os", None, False), ("time_on_treatment", {"mechanism": "Platinum"}, True)])
def test_kept_arrays_and_pandas_path_give_the_same_survival_answer(snap, monkeypatch, first, endpoint, treatment,
                                                                    left_truncation):
    every = cohorts.evaluate(snap, {"op": "all"})
    chosen = cohorts.evaluate(snap, GROUPS[first])
    groups = {first: chosen, "rest": every.without(chosen)}
    covs = ["age", "sex", "purity"]
    assert survival_data.sample_days(snap) is not None   # the NumPy path is taken
    fast = survival.survival_analysis(snap, groups, endpoint, treatment, left_truncation, covs)
    real = survival_data.materialized_arrow
    monkeypatch.setattr(survival_data, "materialized_arrow",
                        lambda snap, name, *a, **k: None if name == "sample_survival" else real(snap, name, *a, **k))
    assert survival_data.sample_days(snap) is None
    groups = {k: cohorts.Cohort(c.sample_ids, c.patient_ids, c.version, c.members) for k, c in groups.items()}   # by ids
    slow = survival.survival_analysis(snap, groups, endpoint, treatment, left_truncation, covs)
    assert "terms" in fast.cox_fit and fast.cox_fit["n"] < sum(len(p) for p in fast.analysed.values())   # unknowns dropped
    assert fast.levels == slow.levels and fast.analysed == slow.analysed
    _same(fast.exact(), slow.exact())
    rules = Rules(DisclosureSettings(), RecordKeys(bytes(32)))
    _same(fast.controlled(rules), slow.controlled(rules))


def test_groups_sharing_a_patient_are_refused_whichever_way_they_are_held(snap):
    every = cohorts.evaluate(snap, {"op": "all"})
    kras = cohorts.evaluate(snap, {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"})
    assert kras.patients > 0
    with pytest.raises(ValueError, match="share patients"):
        survival.survival_analysis(snap, {"KRAS": kras, "all": every}, "os")
    by_ids = cohorts.Cohort(kras.sample_ids, kras.patient_ids, kras.version, kras.members)
    with pytest.raises(ValueError, match="share patients"):
        survival.survival_analysis(snap, {"KRAS": by_ids, "all": every}, "os")
    survival.survival_analysis(snap, {"KRAS": kras, "rest": every.without(kras)}, "os")


def test_a_group_without_analysable_patients_leaves_the_log_rank_test_to_the_others(snap):
    every = cohorts.evaluate(snap, {"op": "all"})
    kras = cohorts.evaluate(snap, {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"})
    nobody = cohorts.Cohort(frozenset(), frozenset(), kras.version, frozenset())
    two = survival.survival_analysis(snap, {"KRAS": kras, "rest": every.without(kras)}, "os").exact()
    three = survival.survival_analysis(snap, {"KRAS": kras, "nobody": nobody, "rest": every.without(kras)}, "os").exact()
    assert three["logrank"] == two["logrank"] and two["logrank"]["df"] == 1
    assert [c["patients"] for c in three["curves"]] == [two["curves"][0]["patients"], 0, two["curves"][1]["patients"]]


def test_curve_steps_are_the_kaplan_meier_table_as_records():
    rng = np.random.default_rng(6)
    entry = np.where(rng.random(300) < .5, 0.0, rng.integers(0, 100, 300).astype(float))
    time = entry + rng.integers(1, 900, 300)
    event = (rng.random(300) < .6).astype(int)
    km = survival.kaplan_meier(time, event, entry)
    steps = survival._steps(survival._product_limit(*risk_table(entry, time, event, np.zeros(300, np.int64), 1).curve_rows(0)))
    _same(steps, km.to_dict("records"))   # NaN (the interval once survival reaches 0) equal to NaN
    assert len(steps) > 100 and any(math.isnan(s["ci_low"]) for s in steps)
    assert all(type(s["at_risk"]) is int and type(s["events"]) is int and type(s["ci_low"]) is float for s in steps)
