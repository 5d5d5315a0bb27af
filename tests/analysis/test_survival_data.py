"""Survival endpoints on the hand-made store: every time is counted by hand from the
dates in analysis_builder.py."""

from __future__ import annotations

import datetime as dt

import analysis_builder as ab
from onconode.analysis import cohort as cohorts
from onconode.analysis.survival_data import endpoint_data
from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME


def days(a: dt.date, b: dt.date) -> float:
    return float((b - a).days)


def by_patient(df):
    return {r.patient_id: (r.entry, r.time, r.event) for r in df.itertuples()}


def test_overall_survival_runs_from_diagnosis_with_entry_at_biopsy(store):
    ab.load(store)
    snap = store.snapshot()
    crc = cohorts.evaluate(snap, {"op": "tumour_type", "doids": ["9256"]})
    got = by_patient(endpoint_data(snap, crc, "os")[0])
    # P01: diagnosed 2019-01-01, biopsied 2020-01-10, died 2021-01-01
    assert got["P01"] == (days(dt.date(2019, 1, 1), dt.date(2020, 1, 10)), days(dt.date(2019, 1, 1), dt.date(2021, 1, 1)), 1)
    # P03: two biopsies, the first (2020-03-10) is the entry; alive at 2025-01-01
    assert got["P03"] == (days(dt.date(2019, 3, 1), dt.date(2020, 3, 10)), days(dt.date(2019, 3, 1), ab.LAST_FOLLOW_UP), 0)
    plain = by_patient(endpoint_data(snap, crc, "os", left_truncation=False)[0])
    assert plain["P01"] == (0.0, days(dt.date(2020, 1, 10), dt.date(2021, 1, 1)), 1)


def test_patients_without_a_diagnosis_date_are_excluded_and_counted(store):
    ab.load(store)
    rows = [dict(r, diagnosis_date=None) if r["patient_id"] == "P02" else r for r in ab.rows()["patient"] if r["patient_id"] == "P02"]
    with store.transaction("no diagnosis") as tx:
        tx.replace("patient", to_arrow(TABLES_BY_NAME["patient"], rows))
    snap = store.snapshot()
    crc = cohorts.evaluate(snap, {"op": "tumour_type", "doids": ["9256"]})
    data, excluded = endpoint_data(snap, crc, "os")
    assert "P02" not in set(data.patient_id) and excluded == 1
    data, excluded = endpoint_data(snap, crc, "os", left_truncation=False)
    assert "P02" in set(data.patient_id) and excluded == 0


def test_time_on_treatment_and_to_progression_from_the_first_matching_line(store):
    ab.load(store)
    snap = store.snapshot()
    everyone = cohorts.evaluate(snap, {"op": "all"})
    tot = by_patient(endpoint_data(snap, everyone, "time_on_treatment", {"mechanism": "Anti-EGFR"})[0])
    ttp = by_patient(endpoint_data(snap, everyone, "time_to_progression", {"mechanism": "Anti-EGFR"})[0])
    assert set(tot) == {"P01", "P03"}
    assert tot["P01"] == (0.0, days(dt.date(2020, 2, 1), dt.date(2020, 8, 1)), 1)       # stopped
    assert ttp["P01"] == (0.0, days(dt.date(2020, 2, 1), dt.date(2020, 6, 1)), 1)       # PD on 2020-06-01
    assert tot["P03"] == (0.0, days(dt.date(2020, 4, 1), ab.LAST_FOLLOW_UP), 0)         # ongoing: censored
    assert ttp["P03"] == (0.0, days(dt.date(2020, 4, 1), ab.LAST_FOLLOW_UP), 0)         # never progressed
    # P04's first anti-PD-1 line is its second line
    pd1 = by_patient(endpoint_data(snap, everyone, "time_on_treatment", {"drug": "Pembrolizumab"})[0])
    assert pd1["P04"] == (0.0, days(dt.date(2022, 1, 1), dt.date(2022, 5, 1)), 1)


def test_a_line_started_before_the_biopsy_enters_at_the_biopsy(store):
    ab.load(store)
    early = [{"treatment_id": "P09-T0", "patient_id": "P09", "line": 1, "start_date": dt.date(2023, 6, 1), "end_date": dt.date(2024, 6, 1)}]
    with store.transaction("pre-biopsy line") as tx:
        tx.replace("treatment", to_arrow(TABLES_BY_NAME["treatment"], early))
        tx.replace("treatment_drug", to_arrow(TABLES_BY_NAME["treatment_drug"], [
            {"treatment_id": "P09-T0", "patient_id": "P09", "drug": "Etoposide", "type": "Chemotherapy", "mechanism": "Topoisomerase inhibitor"}]))
    snap = store.snapshot()
    everyone = cohorts.evaluate(snap, {"op": "all"})
    got = by_patient(endpoint_data(snap, everyone, "time_on_treatment", {"drug": "Etoposide"})[0])
    assert got["P09"] == (days(dt.date(2023, 6, 1), dt.date(2023, 9, 9)), days(dt.date(2023, 6, 1), dt.date(2024, 6, 1)), 1)


def test_overall_survival_from_the_kept_day_arrays_equals_the_pandas_path(store, monkeypatch):
    from onconode.analysis import survival_data

    ab.load(store)
    rows = ab.rows()
    edits = {"P02": {"diagnosis_date": None}, "P03": {"diagnosis_date": dt.date(2021, 1, 1)},   # none / after biopsy
             "P04": {"death_date": None, "last_follow_up_date": None}, "P05": {"death_date": dt.date(2018, 1, 1)}}
    patients = [dict(r, **edits.get(r["patient_id"], {})) for r in rows["patient"]]
    samples = rows["sample"] + [dict(rows["sample"][0], sample_id="P01X", sampling_date=None),
                                dict(rows["sample"][0], sample_id="P01Y", sampling_date=dt.date(2019, 6, 1))]
    with store.transaction("edge cases") as tx:
        tx.replace("patient", to_arrow(TABLES_BY_NAME["patient"], patients))
        tx.replace("sample", to_arrow(TABLES_BY_NAME["sample"], samples))
    snap = store.snapshot()
    everyone = cohorts.evaluate(snap, {"op": "all"})
    assert survival_data.sample_days(snap) is not None   # the NumPy path is taken
    for left_truncation in (True, False):
        fast = endpoint_data(snap, everyone, "os", left_truncation=left_truncation)
        with monkeypatch.context() as m:
            real = survival_data.materialized_arrow
            m.setattr(survival_data, "materialized_arrow",
                      lambda snap, name, *a, **k: None if name == "sample_survival" else real(snap, name, *a, **k))
            slow = endpoint_data(snap, everyone, "os", left_truncation=left_truncation)
        assert fast[1] == slow[1] and fast[1] > 0
        assert fast[0].equals(slow[0]) and list(fast[0].dtypes) == list(slow[0].dtypes)
