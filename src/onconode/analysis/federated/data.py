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
    from onconode.analysis.summary import sample_attributes

    try:
        cohort = cohorts.evaluate(snap, params.get("cohort") or {"op": "all"})
    except cohorts.CohortError as exc:
        raise FederatedError(f"parameter 'cohort': {exc}") from None
    attrs = sample_attributes(snap, cohort).sort_values(["patient_id", "sample_id"]).drop_duplicates("patient_id")
    df = attrs.rename(columns={"age_at_biopsy": "age", "primary_tumor_location": "tumour_type"})
    df["sex"] = df.sex.map({"male": 1.0, "female": 0.0})
    df = df.drop(columns=["sample_id"]).reset_index(drop=True)
    t = snap.table("treatment").select("patient_id").to_pyarrow().to_pandas()
    lines = t[t.patient_id.isin(cohort.patient_ids)].groupby("patient_id").size()
    df["treatment_lines"] = df.patient_id.map(lines).fillna(0).astype(float)
    for name, tree in (params.get("indicators") or {}).items():
        try:
            members = cohorts.evaluate(snap, tree).patient_ids
        except cohorts.CohortError as exc:
            raise FederatedError(f"parameter 'indicators.{name}': {exc}") from None
        df[name] = df.patient_id.isin(members).astype(float)
    if params.get("treatment") is not None:
        from onconode.analysis.response import response_data

        r = response_data(snap, cohort, params["treatment"], cohort)
        resp = r.set_index("patient_id").responder.map(lambda v: np.nan if v is None else float(v))
        df["responder"] = df.patient_id.map(resp).astype(float)
    else:
        df["responder"] = np.nan
    if params.get("endpoint"):
        from onconode.analysis.survival_data import endpoint_data

        try:
            s, _ = endpoint_data(snap, cohort, params["endpoint"], params.get("treatment"), bool(params.get("left_truncation", False)))
        except ValueError as exc:
            raise FederatedError(f"parameter 'endpoint': {exc}") from None
        df = df.merge(s, on="patient_id", how="left")
    return df.sort_values("patient_id", ignore_index=True)
