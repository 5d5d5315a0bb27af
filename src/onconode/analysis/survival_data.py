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
- `given:<NAME>` (e.g. `given:OS`, `given:DFS`, `given:PFS`): an endpoint as its source
  gave it (`survival_endpoint`: cBioPortal's `<NAME>_MONTHS` / `<NAME>_STATUS`), not
  derived from dates: time from the source's own anchor in months × 365.25 / 12 days,
  its event, everyone entering at 0 (the source says nothing of entry). This is survival
  exactly as cBioPortal shows it, for studies that carry no dates.
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
from onconode.analysis.sample_rows import SampleRows
from onconode.model.codes import DAYS_PER_MONTH
from onconode.analysis.summary import all_sample_attributes

Endpoint = Literal["os", "time_on_treatment", "time_to_progression"] | str   # or given:<NAME>
DERIVED_ENDPOINTS = ("os", "time_on_treatment", "time_to_progression")
GIVEN = "given:"
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
    """Every sample's dates as float days since 1970 (NaN = missing) and the Cox
    covariates of survival (age at biopsy, sex as 1 male / 0 female, purity; NaN =
    unknown), for survival in NumPy: per cohort, a few array operations instead of a
    pandas group-by (~25 ms) and a merge with the sample attributes (~10 ms)."""
    sample_ids: list[str]      # per row
    rows: SampleRows           # sample_id -> row
    patient: np.ndarray        # per row: index into `patients` (-1: no patient id)
    patients: np.ndarray       # the patient ids, sorted (object array)
    sampling: np.ndarray
    diagnosis: np.ndarray      # the patient's dates, repeated on each of their samples
    death: np.ndarray
    follow_up: np.ndarray
    age: np.ndarray            # summary's age_at_biopsy
    sex: np.ndarray
    purity: np.ndarray
    by_date: np.ndarray        # rows with a patient, by patient then sampling date (missing last)
    by_id: np.ndarray          # rows with a patient, by patient then sample id


def _sample_days(rows: pa.Table) -> _SampleDays | None:
    ids = rows.column("sample_id").to_pylist()
    if len(set(ids)) != len(ids) or None in ids:
        return None   # a sample twice (or none): leave the pandas path's "first" to decide
    pid = np.array(rows.column("patient_id").to_pylist(), dtype=object)
    known = np.array([p is not None for p in pid], dtype=bool)
    patients, code = np.unique(pid[known], return_inverse=True)
    patient = np.full(len(ids), -1, np.int64)
    patient[known] = code

    def floats(c: str) -> np.ndarray:
        col = rows.column(c)
        if pa.types.is_date(col.type):
            col = col.cast(pa.date32()).cast(pa.int32())
        return np.asarray(pd.array(col.to_numpy(zero_copy_only=False), dtype="Float64").to_numpy(dtype=float, na_value=np.nan), float)
    sampling = floats("sampling_date")
    sex = np.array([SEX_CODES.get(s, np.nan) for s in rows.column("sex").to_pylist()], float)
    with_patient = np.flatnonzero(known)
    id_rank = np.empty(len(ids), np.int64)
    id_rank[np.argsort(np.array(ids, dtype=object), kind="stable")] = np.arange(len(ids))
    by_date = with_patient[np.lexsort((sampling[with_patient], patient[with_patient]))]   # NaN sorts last
    by_id = with_patient[np.lexsort((id_rank[with_patient], patient[with_patient]))]
    return _SampleDays(ids, SampleRows(ids), patient, patients, sampling, floats("diagnosis_date"), floats("death_date"),
                       floats("last_follow_up_date"), floats("age_at_biopsy"), sex, floats("purity"), by_date, by_id)


SEX_CODES = {"male": 1.0, "female": 0.0}   # the Cox covariate "sex"; other values are missing


def sample_days(snap: Snapshot) -> _SampleDays | None:
    """The kept per-sample arrays of `snap` (built on first use); None off a DuckDB store."""
    return materialized_arrow(snap, "sample_survival", lambda: all_sample_survival(snap), _sample_days)


def cohort_rows(a: _SampleDays, cohort: Cohort) -> np.ndarray:
    """Which rows of `a` are the cohort's samples (a mask over every sample)."""
    mask = np.zeros(len(a.sample_ids), bool)
    mask[a.rows.of_cohort(cohort)] = True
    return mask


def _first_per_patient(order: np.ndarray, mask: np.ndarray, patient: np.ndarray) -> np.ndarray:
    """The first row of each patient among the masked rows of `order` (sorted by patient)."""
    rows = order[mask[order]]
    p = patient[rows]
    first = np.ones(len(rows), bool)
    np.not_equal(p[1:], p[:-1], out=first[1:])
    return rows[first]


@dataclass(frozen=True)
class PatientTimes:
    """Per analysable patient (sorted by patient id): index into `_SampleDays.patients`,
    entry, time, event, and the sample row whose covariates the Cox model uses (the
    patient's first cohort sample by sample id)."""
    patient: np.ndarray
    entry: np.ndarray
    time: np.ndarray
    event: np.ndarray
    covariate_row: np.ndarray


def covariate_rows(a: _SampleDays, mask: np.ndarray) -> np.ndarray:
    """Per cohort patient (sorted by id), the row of their first cohort sample by sample id."""
    return _first_per_patient(a.by_id, mask, a.patient)


def overall_survival(a: _SampleDays, mask: np.ndarray, left_truncation: bool) -> tuple[PatientTimes, int]:
    """`endpoint_data(..., "os")` from the kept arrays for the cohort rows `mask`: the
    same patients, times and exclusion count, as arrays."""
    # per patient (sorted by id) the earliest known biopsy of the cohort
    r = _first_per_patient(a.by_date, mask, a.patient)
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
    times = PatientTimes(a.patient[r[ok]], entry[ok], time[ok], (~np.isnan(death[ok])).astype(np.int64),
                         covariate_rows(a, mask)[ok])   # the same patients in the same order
    return times, len(r) - int(ok.sum())


def _overall_survival(a: _SampleDays, cohort: Cohort, left_truncation: bool) -> tuple[pd.DataFrame, int]:
    """`endpoint_data(..., "os")` from the kept day arrays: the same rows and count."""
    t, excluded = overall_survival(a, cohort_rows(a, cohort), left_truncation)
    df = pd.DataFrame({"patient_id": a.patients[t.patient], "entry": t.entry, "time": t.time, "event": t.event})
    return df, excluded


def all_sample_survival(snap: Snapshot):
    """Every sample with its patient's dates and the Cox covariates, as the summaries
    define them (`summary.all_sample_attributes`): one small table per store snapshot."""
    def build():
        d = all_sample_dates(snap)
        a = all_sample_attributes(snap)
        a = a.select(a.sample_id.name("attribute_sample_id"), "sex", "purity", "age_at_biopsy")
        j = d.left_join(a, d.sample_id == a.attribute_sample_id)
        return j.select("sample_id", "patient_id", "sampling_date", "diagnosis_date", "death_date", "last_follow_up_date",
                        "sex", "purity", "age_at_biopsy")
    return materialized(snap, "sample_survival", build)


def all_sample_dates(snap: Snapshot):
    """Every sample with its patient's dates: one small table per store snapshot."""
    def build():
        s = snap.table("sample").select("sample_id", "patient_id", "sampling_date")
        p = snap.table("patient").select("patient_id", "diagnosis_date", "death_date", "last_follow_up_date")
        return s.left_join(p, "patient_id").select("sample_id", "patient_id", "sampling_date", "diagnosis_date", "death_date",
                                                  "last_follow_up_date")
    return materialized(snap, "sample_dates", build)


def given_endpoints(snap: Snapshot) -> list[str]:
    """The names of the endpoints stored as given (`survival_endpoint.endpoint`), sorted."""
    e = snap.table("survival_endpoint")
    return sorted(e.select("endpoint").distinct().to_pyarrow().column("endpoint").to_pylist())


def is_given(endpoint: str) -> bool:
    """Whether `endpoint` is read as given (`given:<NAME>`) rather than derived from dates;
    a given endpoint has no entry time, so left truncation does not apply to it."""
    return endpoint.startswith(GIVEN)


def check_endpoint(snap: Snapshot, endpoint: str) -> None:
    """Refuse an endpoint that is neither derived nor stored, naming the ones there are."""
    if endpoint in DERIVED_ENDPOINTS:
        return
    given = given_endpoints(snap)
    if is_given(endpoint) and endpoint[len(GIVEN):] in given:
        return
    shown = ", ".join([*DERIVED_ENDPOINTS, *(GIVEN + g for g in given)])
    raise ValueError(f"unknown survival endpoint {endpoint!r}; this store has: {shown}")


def _given_endpoint(snap: Snapshot, cohort: Cohort, name: str) -> tuple[pd.DataFrame, int]:
    """`endpoint_data` of `given:<name>`: the cohort's patients with that endpoint stored,
    entering at 0, time in days; the cohort's other patients are the excluded ones."""
    patients = sorted(cohort.patient_ids - {None})
    members = ibis.memtable(pd.DataFrame({"patient_id": patients}, dtype="string"))
    e = snap.table("survival_endpoint")
    e = e.filter(e.endpoint == name).semi_join(members, "patient_id")
    rows = e.select("patient_id", "months", "event").to_pyarrow().to_pandas()
    df = pd.DataFrame({"patient_id": rows.patient_id, "entry": 0.0, "time": rows.months.astype(float) * DAYS_PER_MONTH,
                       "event": rows.event.astype(int)})
    return df.sort_values("patient_id", ignore_index=True), len(patients) - len(df)


def endpoint_data(snap: Snapshot, cohort: Cohort, endpoint: Endpoint, treatment: TreatmentCriteria | dict[str, Any] | None = None,
                  left_truncation: bool = True) -> tuple[pd.DataFrame, int]:
    """(one row per analysable patient: patient_id, entry, time, event; how many eligible
    patients — all for OS, the treated ones otherwise — lacked the dates to be placed)."""
    check_endpoint(snap, endpoint)
    if is_given(endpoint):
        return _given_endpoint(snap, cohort, endpoint[len(GIVEN):])
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
