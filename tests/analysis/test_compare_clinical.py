"""The clinical half of a group comparison, counted from the per-snapshot attribute
arrays, equals a pandas + scipy computation over the raw attribute table: category
counts, chi-squared, Mann–Whitney U / Kruskal–Wallis and quartiles, for cohorts
evaluated in memory (sample positions) and cohorts known only by their ids, with
missing values and a sample listed twice."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from onconode.analysis import cohort as C
from onconode.analysis import compare, summary
from onconode.analysis.summary import AttributeArrays
from onconode.store import Store
from onconode.synth import load_cohort

KRAS = {"op": "gene_altered", "gene": "KRAS", "alteration": "mutation"}


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    store = Store.init(tmp_path_factory.mktemp("clinical") / "node")
    load_cohort(store, patients=150, seed=11, median_variants=20)
    yield store.snapshot()
    store.close()


def _by_ids(c: C.Cohort) -> C.Cohort:
    """The same cohort as one evaluated by SQL: ids only, no sample positions."""
    return C.Cohort(frozenset(c.sample_ids), frozenset(c.patient_ids), c.version, frozenset(c.members))


def _reference(frame: pd.DataFrame, groups: dict[str, C.Cohort]) -> tuple[list, list]:
    """Independent of the arrays: pandas selections, value counts and scipy."""
    dfs = [frame[frame.sample_id.isin(c.sample_ids)] for c in groups.values()]
    cats = []
    for a in compare.CATEGORICAL:
        values = sorted({str(v) for df in dfs for v in df[a].dropna()})
        counts = {v: [int((df[a].astype(str) == v).sum()) for df in dfs] for v in values}
        m = np.array([counts[v] for v in values], float).reshape(len(values), len(dfs))
        m = m[m.sum(axis=1) > 0][:, m.sum(axis=0) > 0]
        p = float(sps.chi2_contingency(m, correction=False).pvalue) if min(m.shape) > 1 else 1.0
        cats.append({"attribute": a, "counts": counts, "p": p})
    nums = []
    for a in compare.NUMERIC:
        data = [df[a].dropna().to_numpy(dtype=float) for df in dfs]
        if any(len(d) == 0 for d in data):
            test, p = None, None
        elif len(data) == 2:
            test, p = "mann_whitney_u", float(sps.mannwhitneyu(data[0], data[1], alternative="two-sided").pvalue)
        else:
            test, p = "kruskal_wallis", float(sps.kruskal(*data).pvalue)
        nums.append({"attribute": a, "test": test, "p": p, "groups": [
            {"n": len(d), "q1": float(np.quantile(d, .25)) if len(d) else None, "median": float(np.median(d)) if len(d) else None,
             "q3": float(np.quantile(d, .75)) if len(d) else None} for d in data]})
    return cats, nums


def _assert_same(got: tuple[list, list], want: tuple[list, list]) -> None:
    for g, w in zip(got[0], want[0], strict=True):
        assert (g["attribute"], g["counts"]) == (w["attribute"], w["counts"])
        assert list(g["counts"]) == list(w["counts"])            # values in sorted order
        assert g["p"] == pytest.approx(w["p"], rel=1e-9, abs=1e-300)
    for g, w in zip(got[1], want[1], strict=True):
        assert (g["attribute"], g["test"]) == (w["attribute"], w["test"])
        assert g["groups"] == w["groups"]                          # n and quartiles exactly
        assert g["p"] == (None if w["p"] is None else pytest.approx(w["p"], rel=1e-9, abs=1e-300))


def test_two_groups_match_pandas_and_scipy(snap):
    kras = C.evaluate(snap, KRAS)
    rest = C.evaluate(snap, {"op": "all"}).without(kras)
    assert 0 < kras.samples < rest.samples
    frame = summary.all_sample_attributes(snap).to_pyarrow().to_pandas()
    want = _reference(frame, {"KRAS": kras, "rest": rest})
    arrays = summary.attribute_arrays(snap)
    _assert_same(compare.clinical_comparison(arrays, {"KRAS": kras, "rest": rest}), want)
    _assert_same(compare.clinical_comparison(arrays, {"KRAS": _by_ids(kras), "rest": _by_ids(rest)}), want)
    assert {x["test"] for x in want[1]} == {"mann_whitney_u"}


def test_three_groups_use_kruskal_wallis_and_match_pandas_and_scipy(snap):
    groups = {loc: C.evaluate(snap, {"op": "tumour_location", "locations": [loc]}) for loc in ("Breast", "Colorectum", "Lung")}
    frame = summary.all_sample_attributes(snap).to_pyarrow().to_pandas()
    want = _reference(frame, groups)
    _assert_same(compare.clinical_comparison(summary.attribute_arrays(snap), groups), want)
    assert {x["test"] for x in want[1]} == {"kruskal_wallis"}


def test_sample_attributes_are_the_cohort_rows_by_sample_id_for_positions_and_ids(snap):
    crc = C.evaluate(snap, {"op": "tumour_type", "doids": ["9256"]})
    frame = summary.all_sample_attributes(snap).to_pyarrow().to_pandas()
    want = frame[frame.sample_id.isin(crc.sample_ids)].sort_values("sample_id", ignore_index=True)
    pd.testing.assert_frame_equal(summary.sample_attributes(snap, crc), want)
    pd.testing.assert_frame_equal(summary.sample_attributes(snap, _by_ids(crc)), want)


def _cohort(ids: list[str]) -> C.Cohort:
    return C.Cohort(frozenset(ids), frozenset(), None, frozenset())


def test_missing_values_and_a_sample_listed_twice_count_as_pandas_counts():
    frame = pd.DataFrame({
        "sample_id": ["S5", "S1", "S2", "S3", "S3", "S4", "S6", "S7", "S8"],
        "patient_id": ["P5", "P1", "P2", "P3", "P3", "P4", "P6", "P7", "P8"],
        "sex": ["male", "female", None, "male", "male", "female", "female", None, "male"],
        "primary_tumor_location": ["Lung", "Lung", "Skin", "Skin", "Skin", None, "Lung", "Skin", "Lung"],
        "biopsy_site": ["Liver"] * 9,
        "msi_status": ["MSS", "MSI", "MSS", "MSS", "MSS", "MSS", "MSI", "MSS", "MSS"],
        "tmb_status": [None] * 9,
        "hr_status": ["HR_PROFICIENT"] * 9,
        "age_at_biopsy": [60.0, np.nan, 50.0, 70.0, 70.0, 40.0, 65.0, np.nan, 55.0],
        "tmb_per_mb": [1.0, 2.0, 2.0, np.nan, np.nan, 9.0, 3.0, 4.0, 2.0],
        "purity": [np.nan] * 4 + [0.5] + [np.nan] * 4,        # the twice-listed S3 has it on one row only
        "ploidy": [2.0, 3.0, 2.0, 2.0, 2.0, 4.0, 3.0, 2.0, 2.0],
    })
    groups = {"a": _cohort(["S1", "S3", "S5", "S9"]), "b": _cohort(["S2", "S4", "S6", "S7", "S8"])}
    arrays = AttributeArrays.of(frame)
    assert arrays.rows_of(groups["a"]).tolist() == [0, 2, 3, 5]    # by sample id: S1, S3 twice, S5 (S9 unknown)
    got = compare.clinical_comparison(arrays, groups)
    _assert_same(got, _reference(frame, groups))
    tmb_status = next(x for x in got[0] if x["attribute"] == "tmb_status")
    assert tmb_status == {"attribute": "tmb_status", "counts": {}, "p": 1.0}
    purity = next(x for x in got[1] if x["attribute"] == "purity")
    assert purity["p"] is None and [g["n"] for g in purity["groups"]] == [1, 0]
