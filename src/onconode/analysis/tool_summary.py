"""Cohort summary charts from the WiGiTS tools: CUPPA's top prediction and its likelihood,
HLA alleles, viruses (presence and integration), mutational signatures and germline
pathogenic variants in cancer predisposition genes (consenting patients only).

Every chart is a count of samples per label (a sample counts once per label) or a binned
distribution, handed to `summary.summarise` as units (label, sample id): the cohort
summary perturbs and suppresses them through the disclosure gate like its other counts.
A chart is present only when some sample of the cohort has data for it.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from onconode.analysis import germline
from onconode.analysis.cohort import Cohort
from onconode.analysis.materialized import execute_with_members, materialized_arrow
from onconode.analysis.snapshot import Snapshot
from onconode.analysis.tool_criteria import cuppa_top

# A signature counts for a sample when it explains at least this share of its SNVs.
SIGNATURE_MIN_PERCENT = 0.1
LIKELIHOOD_EDGES = [0, .5, .6, .7, .8, .9, 1.0001]


def _rows(snap: Snapshot, chart: str, table: Callable[[], ir.Table], cohort: Cohort, *columns: str) -> list[dict]:
    """The chart's rows of the cohort's samples. Every sample's rows are read once per store
    version and withdrawal count and the cohort picked from them in memory; the SQL path
    (where the snapshot is not kept) joins the cohort as a table of ids, never as a literal
    list: compiling a 2,000-id IN list took about a second per chart."""
    ids = pa.array(sorted(cohort.sample_ids), pa.string())
    if not len(ids):
        return []

    def every_sample() -> ir.Table:
        return table().select("sample_id", *columns).distinct()
    kept = materialized_arrow(snap, f"tool_chart_{chart}", every_sample)
    if kept is not None:
        return kept.filter(pc.is_in(kept["sample_id"], value_set=ids)).to_pylist()
    return execute_with_members(snap, f"tool-summary:{chart}", lambda m: every_sample().join(m, "sample_id"),
                                pa.table({"sample_id": ids})).to_pylist()


def count_units(snap: Snapshot, cohort: Cohort) -> dict[str, tuple[list[str], list[str]]]:
    """Chart name -> (label per unit, sample id per unit)."""
    charts: dict[str, list[tuple[str, str]]] = {}
    top = _rows(snap, "cuppa", lambda: cuppa_top(snap), cohort, "cancer_type")
    charts["cuppa_top_prediction"] = [(r["cancer_type"], r["sample_id"]) for r in top]
    charts["hla_alleles"] = [(r["allele"], r["sample_id"]) for r in _rows(snap, "hla", lambda: snap.table("hla_allele"), cohort, "allele")]

    def viruses() -> ir.Table:
        v = snap.table("virus")
        return v.filter(v.interpretation.notnull(), v.blacklisted.fill_null(False) == False)
    charts["viruses"] = [(f"{r['interpretation']} ({'integrated' if r['integrated'] else 'not integrated'})", r["sample_id"])
                         for r in _rows(snap, "virus", viruses, cohort, "interpretation", "integrated")]

    def signatures() -> ir.Table:
        s = snap.table("signature_allocation")
        return s.filter(s.percent >= SIGNATURE_MIN_PERCENT)
    charts["signatures"] = [(r["signature"], r["sample_id"]) for r in _rows(snap, "signature", signatures, cohort, "signature")]
    charts["germline_pathogenic"] = [(r["gene"], r["sample_id"])
                                     for r in _rows(snap, "germline", lambda: germline.pathogenic_carriers(snap), cohort, "gene")]
    return {k: ([lab for lab, _ in pairs], [sid for _, sid in pairs]) for k, pairs in charts.items() if pairs}


def distribution_values(snap: Snapshot, cohort: Cohort) -> dict[str, tuple[np.ndarray, list[str], list[float]]]:
    """Chart name -> (values, sample id per value, histogram edges)."""
    top = _rows(snap, "cuppa_likelihood", lambda: cuppa_top(snap), cohort, "probability")
    top = [r for r in top if r["probability"] is not None]
    if not top:
        return {}
    return {"cuppa_top_likelihood": (np.array([r["probability"] for r in top], float), [r["sample_id"] for r in top],
                                     LIKELIHOOD_EDGES)}
