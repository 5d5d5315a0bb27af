"""Cohort summary charts from the WiGiTS tools: CUPPA's top prediction and its likelihood,
HLA alleles, viruses (presence and integration), mutational signatures and germline
pathogenic variants in cancer predisposition genes (consenting patients only).

Every chart is a count of samples per label (a sample counts once per label) or a binned
distribution, handed to `summary.summarise` as units (label, sample id): the cohort
summary perturbs and suppresses them through the disclosure gate like its other counts.
A chart is present only when some sample of the cohort has data for it.
"""

from __future__ import annotations

import numpy as np

from onconode.analysis import germline
from onconode.analysis.cohort import Cohort
from onconode.analysis.snapshot import Snapshot
from onconode.analysis.tool_criteria import cuppa_top

# A signature counts for a sample when it explains at least this share of its SNVs.
SIGNATURE_MIN_PERCENT = 0.1
LIKELIHOOD_EDGES = [0, .5, .6, .7, .8, .9, 1.0001]


def _rows(snap: Snapshot, table, cohort: Cohort, *columns: str) -> list[dict]:
    ids = sorted(cohort.sample_ids)
    if not ids:
        return []
    return table.filter(table.sample_id.isin(ids)).select("sample_id", *columns).distinct().to_pyarrow().to_pylist()


def count_units(snap: Snapshot, cohort: Cohort) -> dict[str, tuple[list[str], list[str]]]:
    """Chart name -> (label per unit, sample id per unit)."""
    charts: dict[str, list[tuple[str, str]]] = {}
    top = _rows(snap, cuppa_top(snap), cohort, "cancer_type")
    charts["cuppa_top_prediction"] = [(r["cancer_type"], r["sample_id"]) for r in top]
    charts["hla_alleles"] = [(r["allele"], r["sample_id"]) for r in _rows(snap, snap.table("hla_allele"), cohort, "allele")]
    v = snap.table("virus")
    v = v.filter(v.interpretation.notnull(), v.blacklisted.fill_null(False) == False)  # noqa: E712 (SQL)
    charts["viruses"] = [(f"{r['interpretation']} ({'integrated' if r['integrated'] else 'not integrated'})", r["sample_id"])
                         for r in _rows(snap, v, cohort, "interpretation", "integrated")]
    s = snap.table("signature_allocation")
    s = s.filter(s.percent >= SIGNATURE_MIN_PERCENT)
    charts["signatures"] = [(r["signature"], r["sample_id"]) for r in _rows(snap, s, cohort, "signature")]
    charts["germline_pathogenic"] = [(r["gene"], r["sample_id"]) for r in _rows(snap, germline.pathogenic_carriers(snap), cohort, "gene")]
    return {k: ([lab for lab, _ in pairs], [sid for _, sid in pairs]) for k, pairs in charts.items() if pairs}


def distribution_values(snap: Snapshot, cohort: Cohort) -> dict[str, tuple[np.ndarray, list[str], list[float]]]:
    """Chart name -> (values, sample id per value, histogram edges)."""
    top = _rows(snap, cuppa_top(snap), cohort, "probability")
    top = [r for r in top if r["probability"] is not None]
    if not top:
        return {}
    return {"cuppa_top_likelihood": (np.array([r["probability"] for r in top], float), [r["sample_id"] for r in top],
                                     LIKELIHOOD_EDGES)}
