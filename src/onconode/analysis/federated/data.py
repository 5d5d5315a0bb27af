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

The whole-store tables every task starts from (`NodeTables`) are a derived artifact of
the store (`store/derived.py`: Parquet files under `<home>/derived/federated.node-tables/`,
keyed by store version and withdrawal sequence), so a consent withdrawal reaches them on
a freeze too. Rounds of an iterative algorithm ask for the same patient table again, so
the last few are kept in node memory under the same key.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from onconode.analysis import cohort as cohorts
from onconode.analysis.federated.base import FederatedError
from onconode.analysis.survival_data import endpoint_data
from onconode.analysis.treatments import NON_RESPONDER, RESPONDER, best_responses
from onconode.store import derived
from onconode.store.store import Store, StoreSnapshot

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
    """The same store folder at the same derived-data key (version and withdrawal
    sequence), seen the same way (raw or harmonized), gives the same table even when the
    node agent opens the store afresh for every round; a withdrawal changes the key, on a
    freeze too (whose version it does not change)."""
    store, version = getattr(snap, "store", None), getattr(snap, "version", None)
    if isinstance(store, Store) and isinstance(version, int):
        return (type(snap).__name__, str(store.home), derived.key(store, version))
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
    # The whole node (the usual federated cohort) is every patient of the node's tables:
    # no cohort query, no id matching (0.3 s a node at 100,000 patients).
    whole = tree == {"op": "all"} and not params.get("endpoint")
    try:
        cohort = None if whole else cohorts.evaluate(snap, tree)
    except cohorts.CohortError as exc:
        raise FederatedError(f"parameter 'cohort': {exc}") from None
    tables = _store_tables(snap)
    df, rows = _cohort_rows(tables, cohort)
    for name, tree in (params.get("indicators") or {}).items():
        try:
            members = cohorts.evaluate(snap, tree).patient_ids
        except cohorts.CohortError as exc:
            raise FederatedError(f"parameter 'indicators.{name}': {exc}") from None
        df[name] = df.patient_id.isin(members).astype(float)
    if params.get("treatment") is not None:
        df["responder"] = _responders(tables, params["treatment"])[rows]
    else:
        df["responder"] = np.nan
    if params.get("endpoint"):
        try:
            s, _ = endpoint_data(snap, cohort, params["endpoint"], params.get("treatment"), bool(params.get("left_truncation", False)))
        except ValueError as exc:
            raise FederatedError(f"parameter 'endpoint': {exc}") from None
        df = df.merge(s, on="patient_id", how="left")
    return df if df.patient_id.is_monotonic_increasing else df.sort_values("patient_id", ignore_index=True)


@dataclass(frozen=True)
class NodeTables:
    """A store version's whole-store tables every task's patient table starts from; they
    depend on the version alone, not on the task, so a node builds them once (`prepare`)
    and a task's first round spends its time on what the task asks. The cohort and the
    treatment criteria are applied here in pandas / numpy: at 100,000 patients, shipping
    ids into the database and compiling a query per task cost more than the filtering."""
    samples: pd.DataFrame   # one row per sample: its patient's attributes (sorted by patient, sample)
    patients: pd.DataFrame  # the whole node: per patient, the first sample's attributes + treatment_lines
    lines: pd.DataFrame     # treatment lines by patient, start date, id: line, patient row, response code
    drugs: pd.DataFrame     # treatment_id and the drug's name, type and mechanism, lower case


NODE_TABLES = "federated.node-tables"


def _build_node_tables(store: Store, key: derived.Key, out: Path) -> None:
    """The registry's builder: the store's own tables at `key.version` as Parquet."""
    tables = _read_tables(StoreSnapshot(store, key.version, None))
    for f in fields(NodeTables):
        pq.write_table(pa.Table.from_pandas(getattr(tables, f.name), preserve_index=False), out / f"{f.name}.parquet")


derived.register(derived.Artifact(NODE_TABLES, ("sample", "patient", "tumor_profile", "treatment", "treatment_response",
                                                "treatment_drug"), _build_node_tables,
                                  "whole-store patient, sample, line and drug tables of federated tasks",
                                  prebuild=(derived.CURRENT, derived.LATEST_FREEZE)))

# The tables read into this process, by snapshot key (which carries the registry key): a
# task's rounds read them again. Views that change tables (a node's harmonized codes) are
# computed here rather than stored, as they are not the store's own rows.
_IN_MEMORY: "OrderedDict[Any, NodeTables]" = OrderedDict()


def prepare(snap: Any) -> None:
    """Build this store version's whole-store tables now (a node agent at start)."""
    _store_tables(snap)


def _store_tables(snap: Any) -> NodeTables:
    key = _snapshot_key(snap)
    if key in _IN_MEMORY:
        _IN_MEMORY.move_to_end(key)
        return _IN_MEMORY[key]
    if key[0] == "object":  # not a store version: nothing says it will not change
        return _read_tables(snap)
    if getattr(snap, "changed_tables", None):
        tables = _read_tables(snap)
    else:
        path = derived.ensure(snap.store, NODE_TABLES, snap.version)
        tables = NodeTables(**{f.name: pq.read_table(path / f"{f.name}.parquet", memory_map=True).to_pandas()
                               for f in fields(NodeTables)})
    _IN_MEMORY[key] = tables
    while len(_IN_MEMORY) > 2:
        _IN_MEMORY.popitem(last=False)
    return tables


def _read_tables(snap: Any) -> NodeTables:
    s = snap.table("sample")
    p = snap.table("patient").select("patient_id", "sex", "birth_year")
    tp = snap.table("tumor_profile").select("sample_id", "tmb_per_mb", "tmb_status", "msi_status", "hr_status", "purity", "ploidy")
    j = s.left_join(p, "patient_id").left_join(tp, "sample_id")
    j = j.select("sample_id", "patient_id", "sex", "primary_tumor_location", "biopsy_site", "tmb_per_mb", "tmb_status",
                 "msi_status", "hr_status", "purity", "ploidy", age_at_biopsy=j.sampling_date.year() - j.birth_year)
    samples = j.order_by(["patient_id", "sample_id"]).to_pyarrow().to_pandas()
    samples = samples.rename(columns={"age_at_biopsy": "age", "primary_tumor_location": "tumour_type"})
    samples["sex"] = samples.sex.map({"male": 1.0, "female": 0.0})
    patients = _first_sample(samples)

    t = snap.table("treatment")
    best = best_responses(snap, t)
    lines = t.select("patient_id", "treatment_id", "line", "start_date").left_join(
        best.select("treatment_id", "best_response"), "treatment_id")
    # `response.response_data`'s unit: CR/PR 1, SD/non-CR-non-PD/PD/clinical progression 0, else missing
    code = ibis.cases((lines.best_response.isin(RESPONDER), 1.0), (lines.best_response.isin(NON_RESPONDER), 0.0),
                      else_=ibis.null().cast("float64"))
    lines = lines.select("patient_id", "treatment_id", "start_date", line=lines.line.cast("float64"), code=code)
    lines = lines.order_by(["patient_id", "start_date", "treatment_id"]).to_pyarrow().to_pandas()
    lines["row"] = pd.Index(patients.patient_id).get_indexer(lines.patient_id)  # -1: a patient without a sample
    patients["treatment_lines"] = np.bincount(lines.row[lines.row >= 0], minlength=len(patients)).astype(float)
    d = snap.table("treatment_drug")
    drugs = d.select("treatment_id", drug=d.drug.lower(), type=d.type.lower(), mechanism=d.mechanism.lower())
    return NodeTables(samples, patients, lines, drugs.to_pyarrow().to_pandas())


def _first_sample(samples: pd.DataFrame) -> pd.DataFrame:
    """Per patient, the attributes of their first sample (by sample id)."""
    return samples.drop_duplicates("patient_id").drop(columns=["sample_id"]).reset_index(drop=True)


def _cohort_rows(tables: NodeTables, cohort: Any) -> tuple[pd.DataFrame, np.ndarray]:
    """The cohort's patient table (every patient when `cohort` is None) and each of its
    rows' position in the whole node's patient table. Per patient, the attributes of their
    first cohort sample (by sample id) — the columns of `summary.sample_attributes`,
    renamed for tasks."""
    if cohort is None or cohort.samples >= len(tables.samples):  # a cohort of every sample needs no filter
        return tables.patients.copy(deep=False), np.arange(len(tables.patients))  # columns added, none changed
    df = _first_sample(tables.samples[_among(tables.samples.sample_id, cohort.sample_ids)])
    rows = pd.Index(tables.patients.patient_id).get_indexer(df.patient_id)
    df["treatment_lines"] = tables.patients.treatment_lines.to_numpy()[rows]
    return df, rows


def _among(ids: pd.Series, members: frozenset[str]) -> np.ndarray:
    """`ids.isin(members)` by Arrow's hash kernel: a fifth of pandas' time at 100,000 ids."""

    return pc.is_in(pa.array(ids, pa.string()), value_set=pa.array(list(members), pa.string())).to_numpy(zero_copy_only=False)


def _responders(tables: NodeTables, treatment: Any) -> np.ndarray:
    """Per patient of the node (aligned with `tables.patients`): 1.0 when the best response
    to the first treatment line matching the criteria (by start date, then id) is CR/PR,
    0.0 when SD, non-CR/non-PD, PD or clinical progression, NaN when not evaluable, not
    assessed or no line matches — `response.response_data`'s unit; the criteria mean what
    `treatments.matching_treatments` means (every given drug field equal, ignoring case,
    on one drug of the line; line number in range)."""
    try:
        crit = cohorts.TreatmentCriteria.model_validate(treatment)
    except ValueError as exc:
        raise FederatedError(f"parameter 'treatment': {exc}") from None
    lines = tables.lines
    keep = lines.row.to_numpy() >= 0
    fields = {"drug": crit.drug, "type": crit.drug_type, "mechanism": crit.mechanism}
    if any(v is not None for v in fields.values()):
        d = tables.drugs
        match = np.ones(len(d), dtype=bool)
        for column, value in fields.items():
            if value is not None:
                match &= (d[column] == value.lower()).to_numpy(dtype=bool, na_value=False)
        keep &= lines.treatment_id.isin(d.treatment_id[match]).to_numpy()
    line = lines.line.to_numpy(dtype=float, na_value=np.nan)
    if crit.line_min is not None:
        keep &= line >= crit.line_min
    if crit.line_max is not None:
        keep &= line <= crit.line_max
    rows, code = lines.row.to_numpy()[keep], lines.code.to_numpy(dtype=float, na_value=np.nan)[keep]
    first = np.r_[True, rows[1:] != rows[:-1]]  # lines are in patient order, each patient's first line first
    out = np.full(len(tables.patients), np.nan)
    out[rows[first]] = code[first]
    return out
