"""Every statistic agrees with the reference libraries (scipy, statsmodels, lifelines) on
the same data to 1e-6, and the data each analysis feeds them is what the raw tables say.
Data: a synthetic cohort of 400 patients, loaded once for the module."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from onconode.analysis import cohort as cohorts
from onconode.analysis import compare, frequency, response, summary, survival
from onconode.analysis.stats import benjamini_hochberg, chi_squared, clopper_pearson, odds_ratio_woolf
from onconode.analysis.survival_data import endpoint_data
from onconode.store import Store
from onconode.synth import load_cohort

TOL = 1e-6


@pytest.fixture(scope="module")
def snap(tmp_path_factory):
    store = Store.init(tmp_path_factory.mktemp("stats") / "node")
    load_cohort(store, patients=400, seed=11, median_variants=30)
    yield store.snapshot()
    store.close()


def raw(snap, table: str) -> pd.DataFrame:
    return snap.table(table).to_pyarrow().to_pandas()


def test_mutation_and_amplification_frequencies_match_a_count_of_the_raw_rows(snap):
    crc = cohorts.evaluate(snap, {"op": "tumour_type", "doids": ["9256"]})
    tp = raw(snap, "tumor_profile")
    failed = set(tp[tp.qc_status.fillna("").str.contains("FAIL")].sample_id)   # QC failures are not profiled by default
    counted = crc.sample_ids - failed
    v = raw(snap, "somatic_variant")
    v = v[v.sample_id.isin(counted) & (v["filter"].isna() | (v["filter"] == "PASS"))
          & v.coding_effect.isin(["MISSENSE", "NONSENSE_OR_FRAMESHIFT", "SPLICE"]) & ~v.default_filtered.fillna(False).astype(bool)
          & v.gene.notna()]
    expected_mut = v.groupby(v.gene.str.upper()).sample_id.nunique().to_dict()   # genes are keyed in upper case (C11ORF52)
    g, d = raw(snap, "gene_copy_number"), raw(snap, "driver")
    amp = pd.concat([g[g.cna_call == "AMP"][["sample_id", "gene"]], d[d.driver.isin(["AMP", "PARTIAL_AMP"])][["sample_id", "gene"]]])
    expected_amp = amp[amp.sample_id.isin(counted)].drop_duplicates().groupby("gene").sample_id.nunique().to_dict()
    got = frequency.alteration_frequency(snap, crc, kinds=("MUTATION", "AMP")).exact()
    assert {r["gene"]: r["altered"] for r in got["rows"] if r["kind"] == "MUTATION"} == expected_mut
    assert {r["gene"]: r["altered"] for r in got["rows"] if r["kind"] == "AMP"} == expected_amp
    assert failed & crc.sample_ids   # the cohort has QC failures, so the check below means something
    assert got["profiled"]["MUTATION"] == len(counted)  # whole genomes: every QC-passing sample is profiled
    apc = next(r for r in got["rows"] if r["gene"] == "APC" and r["kind"] == "MUTATION")
    assert apc["frequency"] == pytest.approx(expected_mut["APC"] / len(counted), abs=TOL)


def _groups(snap):
    hi = cohorts.evaluate(snap, {"op": "tmb", "status": "HIGH"})
    lo = cohorts.evaluate(snap, {"op": "tmb", "status": "LOW"})
    return hi, lo


def test_two_group_enrichment_is_fisher_exact_with_bh_q_values(snap):
    hi, lo = _groups(snap)
    genes = ["TP53", "KRAS", "APC", "BRAF", "PIK3CA", "EGFR"]
    res = compare.compare(snap, {"TMB high": hi, "TMB low": lo}, genes, kinds=("MUTATION",))
    v = raw(snap, "somatic_variant")
    v = v[(v["filter"].isna() | (v["filter"] == "PASS")) & v.coding_effect.isin(["MISSENSE", "NONSENSE_OR_FRAMESHIFT", "SPLICE"])]
    tp = raw(snap, "tumor_profile")
    failed = set(tp[tp.qc_status.fillna("").str.contains("FAIL")].sample_id)   # not profiled by default
    counted = [c.sample_ids - failed for c in (hi, lo)]
    ps = []
    for r in sorted(res.alterations, key=lambda r: r["gene"]):
        a = [v[v.sample_id.isin(c) & (v.gene == r["gene"])].sample_id.nunique() for c in counted]
        assert r["altered"] == a
        table = [[a[0], len(counted[0]) - a[0]], [a[1], len(counted[1]) - a[1]]]
        assert r["p"] == pytest.approx(sps.fisher_exact(table).pvalue, abs=TOL)
        ps.append((r["p"], r["q"]))
    from statsmodels.stats.multitest import multipletests
    q_ref = multipletests([p for p, _ in ps], method="fdr_bh")[1]
    assert np.allclose([q for _, q in ps], q_ref, atol=TOL)


def test_three_groups_use_chi_squared_and_clinical_attributes_use_rank_tests(snap):
    groups = {loc: cohorts.evaluate(snap, {"op": "tumour_location", "locations": [loc]}) for loc in ("Breast", "Colorectum", "Lung")}
    res = compare.compare(snap, groups, ["TP53"], kinds=("MUTATION",))
    r = res.alterations[0]
    table = [[a, p - a] for a, p in zip(r["altered"], r["profiled"])]
    assert r["test"] == "chi_squared"
    assert r["p"] == pytest.approx(sps.chi2_contingency(table, correction=False).pvalue, abs=TOL)
    attrs = {n: summary.sample_attributes(snap, c) for n, c in groups.items()}
    tmb = next(x for x in res.numeric if x["attribute"] == "tmb_per_mb")
    assert tmb["p"] == pytest.approx(sps.kruskal(*[a.tmb_per_mb.dropna() for a in attrs.values()]).pvalue, abs=TOL)
    two = compare.compare(snap, {k: groups[k] for k in ("Breast", "Lung")}, ["TP53"], kinds=("MUTATION",))
    age = next(x for x in two.numeric if x["attribute"] == "age_at_biopsy")
    ref = sps.mannwhitneyu(attrs["Breast"].age_at_biopsy.dropna(), attrs["Lung"].age_at_biopsy.dropna(), alternative="two-sided")
    assert age["p"] == pytest.approx(ref.pvalue, abs=TOL)
    assert age["groups"][0]["median"] == pytest.approx(float(np.median(attrs["Breast"].age_at_biopsy.dropna())))
    sex = next(x for x in two.categorical if x["attribute"] == "sex")
    assert sex["p"] == pytest.approx(sps.chi2_contingency([sex["counts"][k] for k in sex["counts"]], correction=False).pvalue, abs=TOL)


def test_overlapping_groups_are_refused(snap):
    hi, _ = _groups(snap)
    with pytest.raises(compare.GroupError, match="share"):
        compare.compare(snap, {"a": hi, "b": hi}, ["TP53"])


def _first_line_best_response(snap, cohort, mechanism: str) -> pd.DataFrame:
    """Independent of the module: the first line with a drug of `mechanism` per patient
    and its best RECIST response."""
    t, d, r = raw(snap, "treatment"), raw(snap, "treatment_drug"), raw(snap, "treatment_response")
    t = t[t.treatment_id.isin(d[d.mechanism.str.lower() == mechanism.lower()].treatment_id) & t.patient_id.isin(cohort.patient_ids)]
    t = t.sort_values(["patient_id", "start_date", "treatment_id"]).drop_duplicates("patient_id")
    order = ["CR", "PR", "SD", "NON_CR_NON_PD", "PD", "CLINICAL_PROGRESSION", "NE", "ND"]
    r = r[r.treatment_id.isin(t.treatment_id)].assign(rank=lambda x: x.response.map(order.index))
    best = r.sort_values("rank").drop_duplicates("treatment_id")[["treatment_id", "response"]]
    return t.merge(best, on="treatment_id", how="left")


def test_biomarker_response_table_and_statistics_match_the_references(snap):
    from statsmodels.stats.contingency_tables import Table2x2
    from statsmodels.stats.proportion import proportion_confint

    everyone = cohorts.evaluate(snap, {"op": "all"})
    wgd = cohorts.evaluate(snap, {"op": "wgd", "value": True})
    res = response.biomarker_response(snap, everyone, {"mechanism": "Platinum"}, wgd)
    ref = _first_line_best_response(snap, everyone, "Platinum")
    ev = ref[ref.response.isin(["CR", "PR", "SD", "NON_CR_NON_PD", "PD", "CLINICAL_PROGRESSION"])]
    pos = ev.patient_id.isin(wgd.patient_ids)
    resp = ev.response.isin(["CR", "PR"])
    table = [[int((pos & resp).sum()), int((pos & ~resp).sum())], [int((~pos & resp).sum()), int((~pos & ~resp).sum())]]
    assert res.table == table and min(min(row) for row in table) > 0
    assert res.not_evaluable == len(ref) - len(ev)
    assert res.fisher_p == pytest.approx(sps.fisher_exact(table).pvalue, abs=TOL)
    for orr, (k, nk) in zip(res.orr, table):
        lo, hi = proportion_confint(k, k + nk, method="beta")
        assert (orr["ci_low"], orr["ci_high"]) == pytest.approx((lo, hi), abs=TOL)
    t22 = Table2x2(np.asarray(table))
    assert res.odds_ratio["odds_ratio"] == pytest.approx(t22.oddsratio, abs=TOL)
    assert (res.odds_ratio["ci_low"], res.odds_ratio["ci_high"]) == pytest.approx(t22.oddsratio_confint(), abs=TOL)


def test_logistic_regression_matches_a_statsmodels_formula_fit(snap):
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    common = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Breast", "Colorectum", "Lung"]})
    wgd = cohorts.evaluate(snap, {"op": "wgd", "value": True})
    res = response.biomarker_response(snap, common, {"drug_type": "Chemotherapy"}, wgd)
    df = response.response_data(snap, common, {"drug_type": "Chemotherapy"}, wgd)
    df = df[df.responder.notna()].dropna(subset=["tumour_type", "age", "purity"]).astype({"responder": float, "biomarker": float})
    fit = smf.glm("responder ~ biomarker + C(tumour_type) + age + purity", df, family=sm.families.Binomial()).fit()
    terms = {t["term"]: t for t in res.regression["terms"]}
    for name in ("biomarker", "age", "purity"):
        assert terms[name]["coef"] == pytest.approx(fit.params[name], abs=TOL)
        assert terms[name]["se"] == pytest.approx(fit.bse[name], abs=TOL)
    assert res.regression["n"] == len(df)


def test_clopper_pearson_odds_ratio_and_bh_edge_cases():
    from statsmodels.stats.multitest import multipletests
    from statsmodels.stats.proportion import proportion_confint

    for k, n in [(0, 10), (10, 10), (3, 7)]:
        assert clopper_pearson(k, n) == pytest.approx(proportion_confint(k, n, method="beta"), abs=TOL)
    or_, lo, hi = odds_ratio_woolf(0, 5, 5, 5)  # zero cell: Haldane correction keeps it finite
    assert or_ == pytest.approx((0.5 * 5.5) / (5.5 * 5.5)) and 0 < lo < or_ < hi
    p = [0.01, 0.04, 0.03, 0.2, 0.5, 0.001]
    assert np.allclose(benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1], atol=TOL)
    assert chi_squared([[5, 0], [3, 0]])[1] == 1.0  # an all-zero column carries no information


def test_overall_survival_with_left_truncation_matches_lifelines(snap):
    from lifelines import KaplanMeierFitter

    lung = cohorts.evaluate(snap, {"op": "tumour_location", "locations": ["Lung"]})
    data, excluded = endpoint_data(snap, lung, "os", left_truncation=True)
    p = raw(snap, "patient").set_index("patient_id")
    s = raw(snap, "sample")
    first = s[s.sample_id.isin(lung.sample_ids)].groupby("patient_id").sampling_date.min()
    end = p.death_date.fillna(p.last_follow_up_date)
    for row in data.head(25).itertuples():
        diag = pd.Timestamp(p.diagnosis_date[row.patient_id])
        assert row.entry == (pd.Timestamp(first[row.patient_id]) - diag).days
        assert row.time == (pd.Timestamp(end[row.patient_id]) - diag).days
        assert row.event == int(pd.notna(p.death_date[row.patient_id]))
    assert (data.entry > 0).any() and excluded == lung.patients - len(data)
    km = survival.kaplan_meier(data.time, data.event, data.entry)
    ref = KaplanMeierFitter().fit(data.time, data.event, entry=data.entry)
    at = ref.survival_function_.KM_estimate.reindex(km.time)
    assert np.allclose(km.survival, at.to_numpy(), atol=TOL)
    ci = ref.confidence_interval_.reindex(km.time)
    ok = km.survival > 0
    assert np.allclose(km.ci_low[ok], ci.iloc[:, 0].to_numpy()[ok], atol=TOL)
    assert np.allclose(km.ci_high[ok], ci.iloc[:, 1].to_numpy()[ok], atol=TOL)
    assert km.at_risk.iloc[0] == ref.event_table.at_risk.reindex(km.time).iloc[0]


def test_left_truncation_lowers_estimated_survival(snap):
    """Patients enter at biopsy, after diagnosis: ignoring that overstates survival."""
    everyone = cohorts.evaluate(snap, {"op": "all"})
    naive, _ = endpoint_data(snap, everyone, "os", left_truncation=False)
    naive_dx = naive.assign(time=naive.time)  # from biopsy
    truncated, _ = endpoint_data(snap, everyone, "os", left_truncation=True)
    from lifelines import KaplanMeierFitter
    s_trunc = KaplanMeierFitter().fit(truncated.time, truncated.event, entry=truncated.entry).predict(3 * 365.25)
    s_ignored = KaplanMeierFitter().fit(truncated.time, truncated.event).predict(3 * 365.25)
    assert s_trunc < s_ignored and len(naive_dx) >= len(truncated)


def test_log_rank_matches_lifelines_and_with_entry_statsmodels(snap):
    from lifelines.statistics import multivariate_logrank_test
    from statsmodels.duration.survfunc import survdiff

    hi, lo = _groups(snap)
    res = survival.survival_analysis(snap, {"high": hi, "low": lo.without(hi)},
                                     "os", left_truncation=False)
    d = res.data
    ref = multivariate_logrank_test(d.time, d.group, d.event)
    assert res.exact()["logrank"]["statistic"] == pytest.approx(ref.test_statistic, abs=TOL)
    assert res.exact()["logrank"]["p"] == pytest.approx(ref.p_value, abs=TOL)
    three = {loc: cohorts.evaluate(snap, {"op": "tumour_location", "locations": [loc]}) for loc in ("Breast", "Colorectum", "Lung")}
    res3 = survival.survival_analysis(snap, three, "os", left_truncation=True)
    d3 = res3.data
    stat, p = survdiff(d3.time.to_numpy(), d3.event.to_numpy(), d3.group.to_numpy(), entry=d3.entry.to_numpy())
    lr = res3.exact()["logrank"]
    assert (lr["statistic"], lr["p"], lr["df"]) == (pytest.approx(stat, abs=TOL), pytest.approx(p, abs=TOL), 2)


def test_cox_with_delayed_entry_matches_statsmodels_phreg_and_the_ph_test_matches_lifelines(snap):
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test
    from statsmodels.duration.hazard_regression import PHReg

    hi, lo = _groups(snap)
    groups = {"low": lo.without(hi), "high": hi}
    res = survival.survival_analysis(snap, groups, "os", left_truncation=True, cox_covariates=["age", "purity"])
    d = res.cox_data
    cols = ["group[high]", "age", "purity"]
    # A patient who enters on the day of an event is not yet at risk for it (counting process
    # (entry, exit], as lifelines and our KM); statsmodels counts them, so its entries are
    # nudged by a microsecond of a day to compare the same risk sets.
    ref = PHReg(d.time.to_numpy(), d[cols].to_numpy(float), status=d.event.to_numpy(), entry=d.entry.to_numpy() + 1e-9,
                ties="efron").fit()
    terms = {t["term"]: t for t in res.cox_fit["terms"]}
    for j, c in enumerate(cols):
        assert terms[c]["coef"] == pytest.approx(ref.params[j], abs=TOL)
        assert terms[c]["se"] == pytest.approx(ref.bse[j], abs=TOL)
        assert terms[c]["hazard_ratio"] == pytest.approx(np.exp(ref.params[j]), rel=TOL)
    # without delayed entry lifelines can compute the Schoenfeld test itself: same p-values
    plain = survival.survival_analysis(snap, groups, "os", left_truncation=False, cox_covariates=["age", "purity"])
    pd_ = plain.cox_data[cols + ["time", "event"]].astype(float)
    cph = CoxPHFitter().fit(pd_, "time", "event")
    ph = proportional_hazard_test(cph, pd_, time_transform="rank").summary["p"]
    for t in plain.cox_fit["terms"]:
        assert t["ph_test_p"] == pytest.approx(float(ph[t["term"]]), abs=TOL)


def test_treatment_endpoints_run_from_treatment_start(snap):
    everyone = cohorts.evaluate(snap, {"op": "all"})
    tot, _ = endpoint_data(snap, everyone, "time_on_treatment", {"mechanism": "Platinum"})
    ttp, _ = endpoint_data(snap, everyone, "time_to_progression", {"mechanism": "Platinum"})
    drugs = raw(snap, "treatment_drug")
    t = raw(snap, "treatment")
    t = t[t.treatment_id.isin(drugs[drugs.mechanism == "Platinum"].treatment_id)].sort_values(["patient_id", "start_date", "treatment_id"]).drop_duplicates("patient_id").set_index("patient_id")
    row = tot[tot.event == 1].iloc[0]
    assert row.time == (pd.Timestamp(t.end_date[row.patient_id]) - pd.Timestamp(t.start_date[row.patient_id])).days
    both = tot.merge(ttp, on="patient_id", suffixes=("_tot", "_ttp"))
    assert (both.time_ttp[both.event_ttp == 1] >= 0).all() and len(tot) > 50
    with pytest.raises(ValueError, match="needs treatment criteria"):
        endpoint_data(snap, everyone, "time_on_treatment")


def test_cohort_summary_counts_and_distributions(snap):
    crc = cohorts.evaluate(snap, {"op": "tumour_type", "doids": ["9256"]})
    res = summary.summarise(snap, crc).exact()
    attrs = summary.sample_attributes(snap, crc)
    assert res["counts"]["biopsy_site"] == attrs.biopsy_site.fillna("unknown").value_counts().to_dict()
    assert sum(res["counts"]["sex"].values()) == crc.patients
    tmb = attrs.tmb_per_mb.dropna().to_numpy()
    assert res["distributions"]["tmb_per_mb"]["median"] == pytest.approx(np.median(tmb), abs=TOL)
    assert sum(res["distributions"]["purity"]["bins"].values()) == attrs.purity.notna().sum()
