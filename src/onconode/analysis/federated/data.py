"""Node side: the one patient-level table every federated algorithm reads.

A task names a cohort (the JSON filter tree), optional treatment criteria and named
biomarker cohorts ("indicators"); this module turns that into one row per cohort
patient with the variables the task may use. The table never leaves the node; the
algorithms reduce it to sums and counts.

Variables:
- numeric: age (at biopsy), purity, ploidy, tmb_per_mb, sex (male 1, female 0, else
  missing), treatment_lines (number of lines), responder (1 CR/PR, 0 SD/PD/clinical
  progression, missing when untreated or not evaluable; needs "treatment");
- categorical: tumour_type (primary tumour location), msi_status, hr_status, tmb_status,
  biopsy_site;
- each indicator: 1 when a sample of the patient is in that cohort, else 0;
- survival (needs "endpoint"): entry, time, event, as `survival_data.endpoint_data`.

Rounds of an iterative algorithm ask for the same table again, so the last few tables
are kept per store version (in node memory only).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from onconode.analysis import cohort as cohorts
from onconode.analysis.federated.base import FederatedError

NUMERIC = ("age", "purity", "ploidy", "tmb_per_mb", "sex", "treatment_lines", "responder")
CATEGORICAL = ("tumour_type", "msi_status", "hr_status", "tmb_status", "biopsy_site")
SURVIVAL = ("entry", "time", "event")


@dataclass(frozen=True)
class FrameSnapshot:
    """A node whose patient table is given directly (benchmarks, or a node that keeps its
    data outside the store): `frame` has patient_id plus any of the variables."""
    frame: pd.DataFrame


_CACHE: "OrderedDict[tuple[Any, str], tuple[Any, pd.DataFrame]]" = OrderedDict()
_CACHE_SIZE = 8


def _key(params: dict) -> str:
    keep = {k: params.get(k) for k in ("cohort", "treatment", "indicators", "endpoint", "left_truncation")}
    return json.dumps(keep, sort_keys=True, default=str)


def check_variables(frame: pd.DataFrame, names: list[str], where: str) -> None:
    """Every variable a task names exists in this node's patient table, or a clear error."""
    known = set(frame.columns) - {"patient_id"}
    for n in names:
        if n not in known:
            raise FederatedError(f"{where}: unknown variable {n!r}; available here: {', '.join(sorted(known))} "
                                 "(survival variables need 'endpoint', indicators need 'indicators')")


def _snapshot_key(snap: Any) -> Any:
    """A store version is immutable, so the same store folder at the same version (seen
    the same way: raw or harmonized) gives the same table even when the node agent opens
    the store afresh for every round."""
    store, version = getattr(snap, "store", None), getattr(snap, "version", None)
    if store is not None and getattr(store, "home", None) is not None and version is not None:
        return (type(snap).__name__, str(store.home), version)
    return ("object", id(snap))


def patient_frame(snap: Any, params: dict) -> pd.DataFrame:
    """One row per cohort patient (sorted by patient_id) with every variable the task's
    parameters make available."""
    if isinstance(snap, FrameSnapshot):
        return snap.frame
    key = (_snapshot_key(snap), _key(params))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key][1]
    frame = _build(snap, params)
    _CACHE[key] = (snap, frame)
    while len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return frame


def _build(snap: Any, params: dict) -> pd.DataFrame:
    tree = params.get("cohort") or {"op": "all"}
    # The whole node (the usual federated cohort) is every sample of the attribute table:
    # no cohort query, no id matching (0.3 s a node at 100,000 patients).
    whole = tree == {"op": "all"} and not params.get("endpoint")
    try:
        cohort = None if whole else cohorts.evaluate(snap, tree)
    except cohorts.CohortError as exc:
        raise FederatedError(f"parameter 'cohort': {exc}") from None
    df = _attributes(snap, cohort)
    lines = _treatment_lines(snap)
    df["treatment_lines"] = df.patient_id.map(lines).fillna(0).astype(float)
    for name, tree in (params.get("indicators") or {}).items():
        try:
            members = cohorts.evaluate(snap, tree).patient_ids
        except cohorts.CohortError as exc:
            raise FederatedError(f"parameter 'indicators.{name}': {exc}") from None
        df[name] = df.patient_id.isin(members).astype(float)
    if params.get("treatment") is not None:
        df["responder"] = df.patient_id.map(_responders(snap, params["treatment"])).astype(float)
    else:
        df["responder"] = np.nan
    if params.get("endpoint"):
        from onconode.analysis.survival_data import endpoint_data

        try:
            s, _ = endpoint_data(snap, cohort, params["endpoint"], params.get("treatment"), bool(params.get("left_truncation", False)))
        except ValueError as exc:
            raise FederatedError(f"parameter 'endpoint': {exc}") from None
        df = df.merge(s, on="patient_id", how="left")
    return df if df.patient_id.is_monotonic_increasing else df.sort_values("patient_id", ignore_index=True)


# The patient table starts from two whole-store tables — every sample's attributes and
# every patient's number of treatment lines — that depend on the store version alone, not
# on the task. They are kept per version (node memory only) and a node agent builds them
# when it starts (`prepare`), so a task's first round spends its time on what the task
# asks (the cohort, the treatment criteria). The cohort is applied in pandas: at 100,000
# patients, shipping its ids into the database (an in-memory table joined in every query)
# and sorting strings in pandas cost more than the queries.
_STORE_TABLES: "OrderedDict[Any, tuple[pd.DataFrame, pd.Series]]" = OrderedDict()


def prepare(snap: Any) -> None:
    """Build this store version's whole-store tables now (a node agent at start)."""
    _store_tables(snap)


def _store_tables(snap: Any) -> tuple[pd.DataFrame, pd.Series]:
    key = _snapshot_key(snap)
    if key in _STORE_TABLES:
        _STORE_TABLES.move_to_end(key)
        return _STORE_TABLES[key]
    s = snap.table("sample")
    p = snap.table("patient").select("patient_id", "sex", "birth_year")
    tp = snap.table("tumor_profile").select("sample_id", "tmb_per_mb", "tmb_status", "msi_status", "hr_status", "purity", "ploidy")
    j = s.left_join(p, "patient_id").left_join(tp, "sample_id")
    j = j.select("sample_id", "patient_id", "sex", "primary_tumor_location", "biopsy_site", "tmb_per_mb", "tmb_status",
                 "msi_status", "hr_status", "purity", "ploidy", age_at_biopsy=j.sampling_date.year() - j.birth_year)
    attrs = j.order_by(["patient_id", "sample_id"]).to_pyarrow().to_pandas()
    t = snap.table("treatment")
    lines = t.group_by("patient_id").aggregate(n=t.count()).to_pyarrow().to_pandas().set_index("patient_id").n
    if key[0] != "object":  # only a store version is known not to change
        _STORE_TABLES[key] = (attrs, lines)
        while len(_STORE_TABLES) > 2:
            _STORE_TABLES.popitem(last=False)
    return attrs, lines


def _attributes(snap: Any, cohort: Any) -> pd.DataFrame:
    """Per cohort patient (every patient when `cohort` is None), the attributes of their
    first cohort sample (by sample id) — the columns of `summary.sample_attributes`,
    renamed for tasks."""
    attrs = _store_tables(snap)[0]
    if cohort is not None and cohort.samples < len(attrs):  # a cohort of every sample needs no filter
        attrs = attrs[_among(attrs.sample_id, cohort.sample_ids)]
    df = attrs.drop_duplicates("patient_id")
    df = df.rename(columns={"age_at_biopsy": "age", "primary_tumor_location": "tumour_type"})
    df = df.assign(sex=df.sex.map({"male": 1.0, "female": 0.0}))
    return df.drop(columns=["sample_id"]).reset_index(drop=True)


def _among(ids: pd.Series, members: frozenset[str]) -> np.ndarray:
    """`ids.isin(members)` by Arrow's hash kernel: a fifth of pandas' time at 100,000 ids."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.is_in(pa.array(ids, pa.string()), value_set=pa.array(list(members), pa.string())).to_numpy(zero_copy_only=False)


def _treatment_lines(snap: Any) -> pd.Series:
    """Number of treatment lines per patient (patients without any are absent)."""
    return _store_tables(snap)[1]


def _responders(snap: Any, treatment: Any) -> pd.Series:
    """Per patient with a matching treatment line: 1.0 when the best response to the first
    such line (by start date, then id) is CR/PR, 0.0 when SD, non-CR/non-PD, PD or clinical
    progression, NaN when not evaluable or not assessed — `response.response_data`'s unit."""
    import ibis

    from onconode.analysis.treatments import NON_RESPONDER, RESPONDER, best_responses, matching_treatments

    try:
        crit = cohorts.TreatmentCriteria.model_validate(treatment)
    except ValueError as exc:
        raise FederatedError(f"parameter 'treatment': {exc}") from None
    t = matching_treatments(snap, crit)
    first = t.mutate(r=ibis.row_number().over(group_by=t.patient_id, order_by=[t.start_date, t.treatment_id]))
    first = first.filter(first.r == 0)
    best = best_responses(snap, first)
    j = first.select("patient_id", "treatment_id").left_join(best.select("treatment_id", "best_response"), "treatment_id")
    code = ibis.cases((j.best_response.isin(RESPONDER), 1.0), (j.best_response.isin(NON_RESPONDER), 0.0),
                      else_=ibis.null().cast("float64"))
    r = j.select("patient_id", responder=code).to_pyarrow().to_pandas()
    return r.set_index("patient_id").responder
