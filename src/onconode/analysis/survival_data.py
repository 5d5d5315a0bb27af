"""Survival endpoints: per patient (entry, time, event) in days, from the store.

- `os`: overall survival. With left truncation (the default) time runs from diagnosis
  and a patient enters the risk set at the biopsy: a database of biopsied patients only
  sees those who lived until their biopsy, and ignoring that makes survival look better
  than it is. Without it, time runs from the biopsy. Event: death; censored at the last
  follow-up. Patients without a diagnosis date (or with one after the biopsy) cannot be
  placed on the diagnosis time scale and are counted as excluded.
- `time_on_treatment`: from the start of the patient's first matching treatment line to
  its end (event) or, while ongoing, to the last follow-up (censored).
- `time_to_progression`: from that start to the first PD or clinical progression
  assessment (event), else censored at the last follow-up or death.
  For both treatment endpoints, a line that started before the biopsy enters at the
  biopsy (delayed entry) when left truncation is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from onconode.analysis.treatments import matching_treatments
from onconode.analysis.cohort import Cohort, TreatmentCriteria
from onconode.analysis.materialized import materialized, materialized_arrow
from onconode.analysis.queries import Snapshot

Endpoint = Literal["os", "time_on_treatment", "time_to_progression"]
PROGRESSION = ("PD", "CLINICAL_PROGRESSION")


def _days(a: pd.Series, b: pd.Series) -> pd.Series:
    return (_datetime(b) - _datetime(a)).dt.days.astype("float")


def _datetime(s: pd.Series) -> pd.Series:
    """`s` as datetime64; as it is when it already is (pd.to_datetime would still turn a
    sample of it into Timestamps to decide on caching: ~20 ms per call at 5,000 rows)."""
    return s if pd.api.types.is_datetime64_any_dtype(s) else pd.to_datetime(s)


def _patients(snap: Snapshot, cohort: Cohort) -> pd.DataFrame:
    """Per cohort patient: first cohort biopsy date, diagnosis, death, last follow-up."""
    s = all_sample_dates_frame(snap)
    s = s[s.sample_id.isin(cohort.sample_ids)]
    # datetime64, not Python dates (`all_sample_dates_frame`): pandas' min over objects is a Python loop
    s = s.groupby("patient_id", as_index=False).agg(
        sampling_date=("sampling_date", "min"), diagnosis_date=("diagnosis_date", "first"), death_date=("death_date", "first"),
        last_follow_up_date=("last_follow_up_date", "first"))
    return s


def all_sample_dates_frame(snap: Snapshot) -> pd.DataFrame:
    """`all_sample_dates` as pandas with datetime64 dates (pandas' per-patient "first" and
    "min" over Python date objects are Python loops), converted once per store snapshot
    on a DuckDB store; callers select rows (a copy), never change it in place."""
    kept = materialized_arrow(snap, "sample_dates_frame", lambda: all_sample_dates(snap), _dates_frame)
    return kept if kept is not None else _dates_frame(all_sample_dates(snap).to_pyarrow())


def _dates_frame(rows: pa.Table) -> pd.DataFrame:
    df = rows.to_pandas()
    for c in ("sampling_date", "diagnosis_date", "death_date", "last_follow_up_date"):
        df[c] = pd.to_datetime(df[c])
    return df


@dataclass(frozen=True)
class _SampleDays:
    """Every sample's dates as float days since 1970 (NaN = missing), for overall survival
    in NumPy: per cohort, a few array operations instead of a pandas group-by (~25 ms)."""
    row_of: dict[str, int]     # sample_id -> row
    patient: np.ndarray        # per row: index into `patients` (-1: no patient id)
    patients: np.ndarray       # the patient ids, sorted (object array)
    sampling: np.ndarray
    diagnosis: np.ndarray      # the patient's dates, repeated on each of their samples
    death: np.ndarray
    follow_up: np.ndarray


def _sample_days(rows: pa.Table) -> _SampleDays | None:
    ids = rows.column("sample_id").to_pylist()
    row_of = {x: i for i, x in enumerate(ids)}
    if len(row_of) != len(ids) or None in row_of:
        return None   # a sample twice (or none): leave the pandas path's "first" to decide
    pid = np.array(rows.column("patient_id").to_pylist(), dtype=object)
    known = np.array([p is not None for p in pid], dtype=bool)
    patients, code = np.unique(pid[known], return_inverse=True)
    patient = np.full(len(ids), -1, np.int64)
    patient[known] = code

    def days(c: str) -> np.ndarray:
        d = rows.column(c).cast(pa.date32()).cast(pa.int32()).to_numpy(zero_copy_only=False)
        return np.asarray(pd.array(d, dtype="Int64").to_numpy(dtype=float, na_value=np.nan), float)
    return _SampleDays(row_of, patient, patients, days("sampling_date"), days("diagnosis_date"), days("death_date"),
                       days("last_follow_up_date"))


def sample_days(snap: Snapshot) -> _SampleDays | None:
    """The kept day arrays of `snap` (built on first use); None off a DuckDB store."""
    return materialized_arrow(snap, "sample_days", lambda: all_sample_dates(snap), _sample_days)


def _overall_survival(a: _SampleDays, cohort: Cohort, left_truncation: bool) -> tuple[pd.DataFrame, int]:
    """`endpoint_data(..., "os")` from the kept day arrays: the same rows and count."""
    rows = np.fromiter((a.row_of[x] for x in cohort.sample_ids if x in a.row_of), np.int64)
    rows = rows[a.patient[rows] >= 0]
    # per patient (sorted by id) the earliest known biopsy of the cohort: sort by patient, then date (NaN last)
    rows = rows[np.lexsort((a.sampling[rows], a.patient[rows]))]
    pts, first = np.unique(a.patient[rows], return_index=True)
    r = rows[first]
    sampling, diagnosis, death = a.sampling[r], a.diagnosis[r], a.death[r]
    end = np.where(np.isnan(death), a.follow_up[r], death)
    with np.errstate(invalid="ignore"):
        if left_truncation:
            ok = ~np.isnan(diagnosis) & (diagnosis <= sampling)
            entry, time = sampling - diagnosis, end - diagnosis
        else:
            ok, entry, time = np.ones(len(r), bool), np.zeros(len(r)), end - sampling
        ok &= ~np.isnan(end) & ~np.isnan(time) & (time >= 0)
        ok &= (entry < time) | ((entry == 0) & (time == 0))   # entered after the end: never at risk
    df = pd.DataFrame({"patient_id": a.patients[pts[ok]], "entry": entry[ok], "time": time[ok],
                       "event": (~np.isnan(death[ok])).astype(np.int64)})
    return df, len(r) - int(ok.sum())


def all_sample_dates(snap: Snapshot):
    """Every sample with its patient's dates: one small table per store snapshot."""
    def build():
        s = snap.table("sample").select("sample_id", "patient_id", "sampling_date")
        p = snap.table("patient").select("patient_id", "diagnosis_date", "death_date", "last_follow_up_date")
        return s.left_join(p, "patient_id").select("sample_id", "patient_id", "sampling_date", "diagnosis_date", "death_date",
                                                  "last_follow_up_date")
    return materialized(snap, "sample_dates", build)


def endpoint_data(snap: Snapshot, cohort: Cohort, endpoint: Endpoint, treatment: TreatmentCriteria | dict[str, Any] | None = None,
                  left_truncation: bool = True) -> tuple[pd.DataFrame, int]:
    """(one row per analysable patient: patient_id, entry, time, event; how many eligible
    patients — all for OS, the treated ones otherwise — lacked the dates to be placed)."""
    if endpoint == "os":
        days = sample_days(snap)
        if days is not None:
            return _overall_survival(days, cohort, left_truncation)
    pts = _patients(snap, cohort)
    end = pts.death_date.fillna(pts.last_follow_up_date)
    if endpoint == "os":
        if left_truncation:
            origin = pts.diagnosis_date
            ok = origin.notna() & (_datetime(origin) <= _datetime(pts.sampling_date))
            entry = _days(origin, pts.sampling_date)
        else:
            origin, ok, entry = pts.sampling_date, pd.Series(True, index=pts.index), pd.Series(0.0, index=pts.index)
        df = pd.DataFrame({"patient_id": pts.patient_id, "entry": entry, "time": _days(origin, end),
                           "event": pts.death_date.notna().astype(int)})
        ok = ok & end.notna()
    else:
        if treatment is None:
            raise ValueError(f"endpoint {endpoint} needs treatment criteria (drug, drug_type, mechanism or line)")
        crit = treatment if isinstance(treatment, TreatmentCriteria) else TreatmentCriteria.model_validate(treatment)
        members = ibis.memtable(pd.DataFrame({"patient_id": sorted(cohort.patient_ids)}, dtype="string"))
        t = matching_treatments(snap, crit).semi_join(members, "patient_id")
        first = t.mutate(r=ibis.row_number().over(group_by=t.patient_id, order_by=[t.start_date, t.treatment_id])).filter(lambda x: x.r == 0)
        tr = first.select("patient_id", "treatment_id", "start_date", "end_date").to_pyarrow().to_pandas()
        tr = tr.merge(pts.assign(end_fu=end), on="patient_id", how="left")
        if endpoint == "time_on_treatment":
            stop = tr.end_date.fillna(tr.end_fu)
            event = tr.end_date.notna().astype(int)
        else:
            r = snap.table("treatment_response")
            r = r.filter(r.response.isin(PROGRESSION)).select("treatment_id", "response_date").to_pyarrow().to_pandas()
            r = r[r.treatment_id.isin(tr.treatment_id)].groupby("treatment_id", as_index=False).response_date.min()
            tr = tr.merge(r, on="treatment_id", how="left")
            stop = tr.response_date.fillna(tr.end_fu)
            event = tr.response_date.notna().astype(int)
        entry = _days(tr.start_date, tr.sampling_date).clip(lower=0) if left_truncation else pd.Series(0.0, index=tr.index)
        df = pd.DataFrame({"patient_id": tr.patient_id, "entry": entry, "time": _days(tr.start_date, stop), "event": event})
        ok = stop.notna()
    ok &= df.time.notna() & (df.time >= 0)
    eligible = len(df)
    df = df[ok.to_numpy()]
    df = df[(df.entry < df.time) | ((df.entry == 0) & (df.time == 0))].copy()  # entered after the end: never at risk
    return df.sort_values("patient_id", ignore_index=True), eligible - len(df)
