"""Cohort summary: who is in a cohort (counts by tumour type, sex, age group, biopsy
site) and how its genomes look (TMB, purity, ploidy distributions)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from onconode.analysis import float_order, tool_summary
from onconode.analysis.cohort import Cohort
from onconode.analysis.cellkey import KEY_RANGE
from onconode.analysis.disclosure import WITHHELD, Rules
from onconode.analysis.materialized import materialized, materialized_arrow
from onconode.analysis.queries import Snapshot
from onconode.analysis.sample_rows import SampleRows
from onconode.analysis.versions import tmb_note

AGE_GROUPS = ((0, 40, "<40"), (40, 50, "40-49"), (50, 60, "50-59"), (60, 70, "60-69"), (70, 80, "70-79"), (80, 200, "80+"))
# Histogram edges: fixed, so a histogram reveals nothing about where values lie within a bin.
# Every chart's heading, the one place the portal (and any other reader) takes it from.
TITLES = {
    "tumour_type": "Tumour type", "sex": "Sex (patients)", "age_group": "Age at biopsy", "biopsy_site": "Biopsy site",
    "tmb_per_mb": "TMB (mutations / Mb)", "purity": "Tumour purity", "ploidy": "Ploidy",
    "cuppa_top_prediction": "CUPPA top prediction (tissue of origin)", "cuppa_top_likelihood": "CUPPA top prediction likelihood",
    "hla_alleles": "HLA class I alleles", "viruses": "Viruses (integration)", "signatures": "Mutational signatures (≥ 10 % of SNVs)",
    "germline_pathogenic": "Germline pathogenic variants (predisposition genes)",
}

EDGES = {
    "tmb_per_mb": [0, 1, 2, 5, 10, 20, 50, 100, float("inf")],
    "purity": [0, .2, .3, .4, .5, .6, .7, .8, .9, 1.0001],
    "ploidy": [0, 1.5, 2.5, 3.5, 4.5, 5.5, float("inf")],
}


def sample_attributes(snap: Snapshot, cohort: Cohort) -> pd.DataFrame:
    """One row per cohort sample with the attributes summaries and comparisons use,
    ordered by sample id.

    The attributes of every sample are one small table per store snapshot (one row per
    sample, materialised on first use, kept sorted by sample id); a cohort's rows are
    taken from it by position, so a question costs no query compilation, no join and no
    sort for this."""
    a = attribute_arrays(snap)
    return a.frame.take(a.rows_of(cohort)).reset_index(drop=True)


@dataclass(frozen=True)
class AttributeArrays:
    """Every sample's attributes (`all_sample_attributes`) as NumPy arrays a question
    indexes by its samples' rows, built once per store snapshot: a group comparison
    counts categorical values with `np.bincount` of codes and ranks numeric values in
    an order sorted once, instead of pandas selections, `value_counts` and sorts per
    question.

    Categorical codes follow the pandas semantics the comparison has always used: the
    values listed are `str(v)` of the non-missing values; a value's count is of the rows
    whose `astype(str)` equals it (`count_code`; `value_code` is -1 where missing).
    Codes are numbered in Python's sorted order of the strings, so sorted codes are
    sorted values."""
    frame: pd.DataFrame                              # one row per sample, ordered by sample id
    rows: SampleRows                                 # sample id -> its first row
    run_end: np.ndarray | None                       # per row, the end of its sample's rows; None when ids are unique
    strings: dict[str, list[str]]                    # column -> code -> string
    count_code: dict[str, np.ndarray]                # column -> per row
    value_code: dict[str, np.ndarray]                # column -> per row, -1 where missing
    sorted_rows: dict[str, np.ndarray]               # numeric column -> rows with a value, ascending by it (stable)
    sorted_values: dict[str, np.ndarray]             # numeric column -> those values, as float

    @staticmethod
    def of(frame: pd.DataFrame) -> "AttributeArrays":
        frame = frame.sort_values("sample_id", kind="stable", ignore_index=True)
        ids = frame["sample_id"].tolist()
        by_id = SampleRows(ids)
        run_end = None
        if len(by_id.row_of) != len(ids):   # a sample with several rows: each row knows where its sample's rows end
            first = np.array([by_id.row_of[sid] for sid in ids], np.int64)
            starts = np.unique(first)
            run_end = np.append(starts[1:], len(ids))[np.searchsorted(starts, first)]
        strings, count_code, value_code, sorted_rows, sorted_values = {}, {}, {}, {}, {}
        for col in frame.columns:
            if col in ("sample_id", "patient_id"):
                continue
            series = frame[col]
            as_str = series.astype(str).tolist()
            present = series.notna().to_numpy()
            shown = [str(v) if p else None for v, p in zip(series.tolist(), present)]
            names = sorted(set(as_str) | {v for v in shown if v is not None})
            code = {v: i for i, v in enumerate(names)}
            strings[col] = names
            count_code[col] = np.array([code[v] for v in as_str], np.int64)
            value_code[col] = np.array([-1 if v is None else code[v] for v in shown], np.int64)
            try:   # numeric (or all missing): what `series.dropna().to_numpy(dtype=float)` would give, in order
                values = series.to_numpy(dtype=float, na_value=np.nan)
            except (TypeError, ValueError):
                values = None
            if values is not None:
                rows = np.flatnonzero(~np.isnan(values))
                rows = rows[np.argsort(values[rows], kind="stable")]
                sorted_rows[col], sorted_values[col] = rows, values[rows]
        return AttributeArrays(frame, by_id, run_end, strings, count_code, value_code, sorted_rows, sorted_values)

    def rows_of(self, cohort: Cohort) -> np.ndarray:
        """The rows of the cohort's samples (those in the table), ascending."""
        first = self.rows.of_cohort(cohort)
        if self.run_end is None or not len(first):
            return first
        return np.concatenate([np.arange(f, e) for f, e in zip(first.tolist(), self.run_end[first].tolist())])


def attribute_arrays(snap: Snapshot, known_withdrawals: int | None = None) -> AttributeArrays:
    """`AttributeArrays` of the snapshot: kept per store, version and withdrawal count on
    a DuckDB store (`known_withdrawals`: the count the caller read for its whole answer),
    else built for this call."""
    kept = materialized_arrow(snap, "sample_attributes_frame", lambda: all_sample_attributes(snap),
                              lambda t: AttributeArrays.of(t.to_pandas()), known_withdrawals)
    return kept if kept is not None else AttributeArrays.of(all_sample_attributes(snap).to_pyarrow().to_pandas())


def all_sample_attributes_frame(snap: Snapshot) -> pd.DataFrame:
    """`all_sample_attributes` as pandas, ordered by sample id, converted once per store
    snapshot on a DuckDB store (Arrow to pandas of 5,000 rows costs ~15 ms a question);
    callers select rows (a copy), never change it in place."""
    return attribute_arrays(snap).frame


def all_sample_attributes(snap: Snapshot):
    def build():
        s = snap.table("sample")
        p = snap.table("patient").select("patient_id", "sex", "birth_year")
        tp = snap.table("tumor_profile").select("sample_id", "tmb_per_mb", "tmb_status", "msi_status", "hr_status", "purity",
                                                "ploidy")
        j = s.left_join(p, "patient_id").left_join(tp, "sample_id")
        return j.select("sample_id", "patient_id", "sex", "primary_tumor_location", "biopsy_site", "tmb_per_mb", "tmb_status",
                        "msi_status", "hr_status", "purity", "ploidy", age_at_biopsy=j.sampling_date.year() - j.birth_year)
    return materialized(snap, "sample_attributes", build)


def _age_group(age: float | None) -> str:
    if age is None or pd.isna(age):
        return "unknown"
    return next(label for lo, hi, label in AGE_GROUPS if lo <= age < hi)


def _labels(edges: list[float]) -> list[str]:
    return [f"{edges[i]:g}-{edges[i + 1]:g}" if np.isfinite(edges[i + 1]) else f"≥{edges[i]:g}" for i in range(len(edges) - 1)]


def _bin_labels(values: np.ndarray, edges: list[float]) -> list[str]:
    """Each value's histogram bin label, as `np.histogram` bins it (the last bin closed)."""
    idx = np.searchsorted(edges, values, side="right") - 1
    idx[values == edges[-1]] = len(edges) - 2
    names = _labels(edges)
    return [names[i] if 0 <= i < len(names) else "" for i in idx.tolist()]   # "": outside every bin


def _distribution(values: np.ndarray, edges: list[float]) -> dict[str, Any]:
    """Bins and moments of `values`, the same to the last bit whatever order the rows came
    in (SQL gives no order; a float sum depends on it, so two server workers disagreed)."""
    values = float_order.ascending(values)
    counts, _ = np.histogram(values, bins=edges)
    labels = _labels(edges)
    out: dict[str, Any] = {"n": int(len(values)), "bins": dict(zip(labels, counts.astype(int).tolist()))}
    if len(values):
        out.update(mean=float(values.mean()), q1=float(np.quantile(values, .25)), median=float(np.median(values)),
                   q3=float(np.quantile(values, .75)), min=float(values.min()), max=float(values.max()))
    return out


@dataclass
class CohortSummary:
    patients: int
    samples: int
    counts: dict[str, dict[str, int]]
    distributions: dict[str, dict[str, Any]]
    units: dict[str, tuple[list[str], list[str]]] = field(default_factory=dict)   # cells -> (label, unit id) per unit
    patient_ids: frozenset[str] = frozenset()
    sample_ids: frozenset[str] = frozenset()
    notes: list[str] = field(default_factory=list)   # e.g. TMB of two PURPLE definitions (analysis/versions.py)

    def exact(self) -> dict[str, Any]:
        return {"analysis": "cohort_summary", "patients": self.patients, "samples": self.samples,
                "counts": self.counts, "distributions": self.distributions, "notes": self.notes}

    def _perturbed(self, rules: Rules, name: str, counts: dict[str, int]) -> dict[str, Any]:
        """`counts` (of the cells `name` of `units`) perturbed, each with its cell key."""
        labels, ids = self.units[name]
        keys = pd.Series(rules._keys().of(ids), dtype="int64").groupby(pd.Series(labels, dtype=object)).sum()
        return dict(zip(counts, rules.counts(counts.values(), [int(keys.get(k, 0)) % KEY_RANGE for k in counts],
                                             listed=name.startswith("counts:"))))

    def controlled(self, rules: Rules) -> dict[str, Any]:
        dists = {}
        for k, d in self.distributions.items():
            labels, ids = self.units[f"bins:{k}"]
            shown = {"n": rules.count_of(ids), "bins": self._perturbed(rules, f"bins:{k}", d["bins"])}
            if d["n"] >= rules.settings.min_group:  # extremes are single patients' values: never shown
                shown.update({x: d[x] for x in ("mean", "q1", "median", "q3")})
            else:
                shown.update({x: WITHHELD for x in ("mean", "q1", "median", "q3")})
            dists[k] = shown
        return {"analysis": "cohort_summary", "patients": rules.count_of(self.patient_ids),
                "samples": rules.count_of(self.sample_ids),
                "counts": {k: self._perturbed(rules, f"counts:{k}", c) for k, c in self.counts.items()},
                "distributions": dists, "notes": self.notes}


def summarise(snap: Snapshot, cohort: Cohort) -> CohortSummary:
    df = sample_attributes(snap, cohort)
    patients = df.drop_duplicates("patient_id")
    labels = {
        "tumour_type": (df.primary_tumor_location.fillna("unknown"), df.sample_id),
        "sex": (patients.sex.fillna("unknown"), patients.patient_id),
        "age_group": (df.age_at_biopsy.map(_age_group), df.sample_id),
        "biopsy_site": (df.biopsy_site.fillna("unknown"), df.sample_id),
    }
    units = {f"counts:{k}": ([str(v) for v in lab], ids.astype(str).tolist()) for k, (lab, ids) in labels.items()}
    counts = {k: Counter(units[f"counts:{k}"][0]) for k in labels}
    dists = {}
    for k, e in EDGES.items():
        valued = df[df[k].notna()]
        values = valued[k].to_numpy(dtype=float)
        dists[k] = _distribution(values, e)
        units[f"bins:{k}"] = (_bin_labels(values, e), valued.sample_id.astype(str).tolist())
    for k, (lab, ids) in tool_summary.count_units(snap, cohort).items():   # CUPPA, HLA, viruses, signatures, germline
        units[f"counts:{k}"] = (lab, ids)
        counts[k] = Counter(lab)
    for k, (values, ids, e) in tool_summary.distribution_values(snap, cohort).items():
        dists[k] = _distribution(values, e)
        units[f"bins:{k}"] = (_bin_labels(values, e), ids)
    return CohortSummary(cohort.patients, cohort.samples,
                         {k: dict(sorted(((str(a), int(b)) for a, b in c.items()), key=lambda x: (-x[1], x[0]))) for k, c in counts.items()},
                         dists, units, cohort.patient_ids, cohort.sample_ids,
                         [n for n in (tmb_note(snap, df.sample_id[df.tmb_per_mb.notna()].astype(str)),) if n])
