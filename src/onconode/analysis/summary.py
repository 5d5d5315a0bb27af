"""Cohort summary: who is in a cohort (counts by tumour type, sex, age group, biopsy
site) and how its genomes look (TMB, purity, ploidy distributions)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from onconode.analysis.cohort import Cohort
from onconode.analysis.disclosure import Rules
from onconode.analysis.materialized import materialized, materialized_arrow
from onconode.analysis.queries import Snapshot

AGE_GROUPS = ((0, 40, "<40"), (40, 50, "40-49"), (50, 60, "50-59"), (60, 70, "60-69"), (70, 80, "70-79"), (80, 200, "80+"))
# Histogram edges: fixed, so a histogram reveals nothing about where values lie within a bin.
EDGES = {
    "tmb_per_mb": [0, 1, 2, 5, 10, 20, 50, 100, float("inf")],
    "purity": [0, .2, .3, .4, .5, .6, .7, .8, .9, 1.0001],
    "ploidy": [0, 1.5, 2.5, 3.5, 4.5, 5.5, float("inf")],
}


def sample_attributes(snap: Snapshot, cohort: Cohort) -> pd.DataFrame:
    """One row per cohort sample with the attributes summaries and comparisons use.

    The attributes of every sample are one small table per store snapshot (one row per
    sample, materialised on first use); a cohort's rows are picked from it in pandas, so a
    question costs no query compilation and no join for this."""
    df = all_sample_attributes_frame(snap)
    return df[df.sample_id.isin(cohort.sample_ids)].sort_values("sample_id", ignore_index=True)


def all_sample_attributes_frame(snap: Snapshot) -> pd.DataFrame:
    """`all_sample_attributes` as pandas, converted once per store snapshot on a DuckDB
    store (Arrow to pandas of 5,000 rows costs ~15 ms a question); callers select rows
    (a copy), never change it in place."""
    kept = materialized_arrow(snap, "sample_attributes_frame", lambda: all_sample_attributes(snap), lambda t: t.to_pandas())
    return kept if kept is not None else all_sample_attributes(snap).to_pyarrow().to_pandas()


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


def _distribution(values: np.ndarray, edges: list[float]) -> dict[str, Any]:
    counts, _ = np.histogram(values, bins=edges)
    labels = [f"{edges[i]:g}-{edges[i + 1]:g}" if np.isfinite(edges[i + 1]) else f"≥{edges[i]:g}" for i in range(len(edges) - 1)]
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

    def exact(self) -> dict[str, Any]:
        return {"analysis": "cohort_summary", "patients": self.patients, "samples": self.samples,
                "counts": self.counts, "distributions": self.distributions}

    @staticmethod
    def _hide(rules: Rules, counts: dict[str, int]) -> dict[str, Any]:
        """Counts whose total is known: hiding one small count alone would not hide it."""
        cells, _ = rules.table([[n] for n in counts.values()])
        return {k: c[0] for k, c in zip(counts, cells)}

    def controlled(self, rules: Rules) -> dict[str, Any]:
        dists = {}
        for k, d in self.distributions.items():
            shown = {"n": rules.cell(d["n"]), "bins": self._hide(rules, d["bins"])}
            if d["n"] >= rules.settings.min_group:  # extremes are single patients' values: never shown
                shown.update({x: d[x] for x in ("mean", "q1", "median", "q3")})
            dists[k] = shown
        return {"analysis": "cohort_summary", "patients": rules.cell(self.patients), "samples": rules.cell(self.samples),
                "counts": {k: self._hide(rules, c) for k, c in self.counts.items()},
                "distributions": dists}


def summarise(snap: Snapshot, cohort: Cohort) -> CohortSummary:
    df = sample_attributes(snap, cohort)
    counts = {
        "tumour_type": Counter(df.primary_tumor_location.fillna("unknown")),
        "sex": Counter(df.drop_duplicates("patient_id").sex.fillna("unknown")),
        "age_group": Counter(_age_group(a) for a in df.age_at_biopsy),
        "biopsy_site": Counter(df.biopsy_site.fillna("unknown")),
    }
    dists = {k: _distribution(df[k].dropna().to_numpy(dtype=float), e) for k, e in EDGES.items()}
    return CohortSummary(cohort.patients, cohort.samples,
                         {k: dict(sorted(((str(a), int(b)) for a, b in c.items()), key=lambda x: (-x[1], x[0]))) for k, c in counts.items()},
                         dists)
