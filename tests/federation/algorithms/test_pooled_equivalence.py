"""Every federated result equals the same analysis of the pooled data, computed by the
reference libraries (statsmodels, scipy, lifelines) — to 1e-8, on the binned times where
survival binning applies. Three nodes, different synthetic cohorts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats as sps

from onconode.analysis import cohort as cohorts
from onconode.analysis.federated import run_local
from onconode.analysis.frequency import alteration_frequency
from tests.federation.algorithms.conftest import pooled

TOL = 1e-8
TP53 = {"TP53": {"op": "gene_altered", "gene": "TP53", "alteration": "mutation"}}
TYPES = {"factor": "tumour_type", "levels": ["Breast", "Colorectum", "Lung"]}


def design(df: pd.DataFrame, covariates: list, intercept: bool = True) -> pd.DataFrame:
    X = pd.DataFrame(index=df.index)
    if intercept:
        X["(intercept)"] = 1.0
    for c in covariates:
        if isinstance(c, dict):
            for lvl in c["levels"][1:]:
                X[f"{c['factor']}[{lvl}]"] = (df[c["factor"]] == lvl).astype(float)
        else:
            X[c] = df[c].astype(float)
    return X


def complete(df: pd.DataFrame, cols: list[str], covariates: list) -> pd.DataFrame:
    d = df.dropna(subset=cols)
    for c in covariates:
        if isinstance(c, dict):
            d = d[d[c["factor"]].isin(c["levels"])]
    return d


def assert_terms(result: dict, names: list[str], params: np.ndarray, bse: np.ndarray) -> None:
    assert [t["term"] for t in result["terms"]] == names
    assert np.allclose([t["coef"] for t in result["terms"]], params, atol=TOL, rtol=0), np.subtract([t["coef"] for t in result["terms"]], params)
    assert np.allclose([t["se"] for t in result["terms"]], bse, atol=TOL, rtol=0)


@pytest.mark.parametrize("family, outcome, covariates", [
    ("binomial", "responder", ["TP53", "age", TYPES]),
    ("gaussian", "tmb_per_mb", ["age", "purity", "sex"]),
    ("poisson", "treatment_lines", ["age", "sex", "TP53"]),
])
def test_glm_equals_a_pooled_statsmodels_fit(snaps, rules, family, outcome, covariates):
    params = {"treatment": {}, "indicators": TP53, "outcome": outcome, "family": family, "covariates": covariates}
    result = run_local("glm", snaps, params, rules)
    names = [c for c in ["TP53", "age", "purity", "sex"] if c in covariates]
    d = complete(pooled(snaps, params), [outcome] + names + (["tumour_type"] if TYPES in covariates else []), covariates)
    X = design(d, covariates)
    fam = {"binomial": sm.families.Binomial(), "gaussian": sm.families.Gaussian(), "poisson": sm.families.Poisson()}[family]
    ref = sm.GLM(d[outcome].astype(float), X, family=fam).fit(tol=1e-14)
    assert result["n"] == len(d) and result["n"] == sum(result["n_per_node"].values())
    assert_terms(result, list(X.columns), ref.params.to_numpy(), ref.bse.to_numpy())
    assert result["deviance"] == pytest.approx(ref.deviance, abs=1e-6)
    assert np.allclose([t["p"] for t in result["terms"]], ref.pvalues.to_numpy(), atol=TOL)
    assert result["rounds"] <= 10


def test_two_by_two_table_gives_pooled_fisher_chi_squared_and_node_stratified_cmh(snaps, rules):
    params = {"treatment": {}, "indicators": TP53, "row": "TP53", "row_levels": ["1", "0"],
              "column": "responder", "column_levels": ["1", "0"]}
    result = run_local("contingency", snaps, params, rules)
    df = pooled(snaps, params).dropna(subset=["responder"])
    per_node = {n: [[int(((g.TP53 == r) & (g.responder == c)).sum()) for c in (1, 0)] for r in (1, 0)]
                for n, g in df.groupby("node")}
    table = np.sum(list(per_node.values()), axis=0)
    assert result["table"] == table.tolist() and result["per_node"] == per_node
    assert result["fisher_p"] == pytest.approx(sps.fisher_exact(table).pvalue, abs=TOL)
    chi = sps.chi2_contingency(table, correction=False)
    assert result["chi_squared"]["statistic"] == pytest.approx(chi.statistic, abs=TOL)
    assert result["chi_squared"]["p"] == pytest.approx(chi.pvalue, abs=TOL)
    from statsmodels.stats.contingency_tables import StratifiedTable
    st = StratifiedTable([np.asarray(t) for t in per_node.values()])
    ref = st.test_null_odds(correction=False)
    assert result["cmh"]["statistic"] == pytest.approx(ref.statistic, abs=TOL)
    assert result["cmh"]["p"] == pytest.approx(ref.pvalue, abs=TOL)
    assert result["cmh"]["odds_ratio"] == pytest.approx(st.oddsratio_pooled, abs=TOL)


def test_a_larger_table_gives_the_pooled_chi_squared_and_no_two_by_two_tests(snaps, rules):
    types = ["Colorectum", "Lung", "Breast"]
    params = {"row": "sex", "row_levels": ["0", "1"], "column": "tumour_type", "column_levels": types}
    result = run_local("contingency", snaps, params, rules)
    df = pooled(snaps, {})
    table = pd.crosstab(df.sex, df.tumour_type).reindex(index=[0.0, 1.0], columns=types, fill_value=0).to_numpy()
    assert result["table"] == table.tolist()
    ref = sps.chi2_contingency(table[:, table.sum(axis=0) > 0], correction=False)
    assert result["chi_squared"]["statistic"] == pytest.approx(ref.statistic, abs=TOL)
    assert result["chi_squared"]["df"] == ref.dof
    assert "fisher_p" not in result and "cmh" not in result


def test_a_table_with_a_rare_cell_at_one_node_is_refused_by_that_node(snaps, rules):
    from onconode.analysis.disclosure import DisclosureRefused

    params = {"row": "msi_status", "row_levels": ["MSS", "MSI"], "column": "tumour_type", "column_levels": ["Breast", "Colorectum", "Lung"]}
    with pytest.raises(DisclosureRefused, match=r"node NL: cells with 1..4 patients \(msi_status=MSI × tumour_type=Colorectum\)"):
        run_local("contingency", snaps, params, rules)


def test_counts_and_frequencies_are_sums_of_the_nodes(snaps, rules):
    crc = {"op": "tumour_type", "doids": ["9256"]}
    result = run_local("counts", snaps, {"cohort": crc, "by": ["sex"]}, rules)
    per_node = {n: cohorts.evaluate(s, crc).patients for n, s in snaps.items()}
    assert result["patients"] == sum(per_node.values()) and result["patients_per_node"] == per_node
    sexes = pooled(snaps, {"cohort": crc}).sex.map({1.0: "1.0", 0.0: "0.0"}).value_counts().to_dict()
    noise = 3 * len(snaps)   # each node perturbs its cells by at most D = 3 (its own cell keys)
    for label, v in result["by"]["sex"].items():
        assert abs(v - sexes[label]) <= noise or (isinstance(v, dict) and v["at_least"] < sexes[label])
    freq = run_local("frequency", snaps, {"cohort": crc, "genes": ["APC", "TP53", "KRAS"], "kinds": ["MUTATION"]}, rules)
    local = [alteration_frequency(s, cohorts.evaluate(s, crc), ["APC", "TP53", "KRAS"], ("MUTATION",)) for s in snaps.values()]
    profiled = sum(r.profiled["MUTATION"] for r in local)
    assert abs(freq["profiled"]["MUTATION"] - profiled) <= noise
    for row in freq["rows"]:
        altered = sum(next(r["altered"] for r in res.rows if r["gene"] == row["gene"]) for res in local)
        if isinstance(row["altered"], int):
            assert abs(row["altered"] - altered) <= noise
            assert row["frequency"] == pytest.approx(row["altered"] / freq["profiled"]["MUTATION"], abs=TOL)
        else:
            assert row["frequency"] is None and row["altered"]["hidden_at"]


def binned(df: pd.DataFrame, grid: list[float]) -> pd.DataFrame:
    g = np.asarray(grid)
    lefts = np.concatenate([[0.0], g[:-1]])
    t = g[np.minimum(np.searchsorted(g, df.time.to_numpy(float), side="left"), len(g) - 1)]
    e = lefts[np.minimum(np.searchsorted(g, df.entry.to_numpy(float), side="left"), len(g) - 1)]
    return df.assign(time=t, entry=e)


@pytest.mark.parametrize("left_truncation", [False, True])
def test_kaplan_meier_and_logrank_equal_lifelines_on_the_pooled_binned_times(snaps, rules, left_truncation):
    from lifelines import KaplanMeierFitter
    from lifelines.statistics import logrank_test

    params = {"endpoint": "os", "left_truncation": left_truncation, "indicators": TP53, "group": "TP53", "group_levels": ["1", "0"]}
    result = run_local("km", snaps, params, rules)
    grid = result["time_bins_days"]
    assert all(b % 30 == 0 for b in grid[:-1]) and result["rounds"] == 2
    df = pooled(snaps, params).dropna(subset=["time", "event", "TP53"])
    if not left_truncation:
        df["entry"] = 0.0
    df = binned(df, grid)
    for curve, level in zip(result["curves"], (1.0, 0.0)):
        d = df[df.TP53 == level]
        km = KaplanMeierFitter().fit(d.time, d.event, entry=d.entry if left_truncation else None)
        ref = km.survival_function_.iloc[:, 0]
        steps = pd.Series({s["time"]: s["survival"] for s in curve["steps"]})
        assert np.allclose(steps.to_numpy(), ref.loc[steps.index].to_numpy(), atol=TOL)
        assert len(steps) == int((km.event_table.observed > 0).sum())
        assert curve["patients"] == len(d)
    if not left_truncation:
        a, b = df[df.TP53 == 1], df[df.TP53 == 0]
        lr = logrank_test(a.time, b.time, a.event, b.event)
        assert result["logrank"]["statistic"] == pytest.approx(lr.test_statistic, abs=TOL)
        assert result["logrank"]["p"] == pytest.approx(lr.p_value, abs=TOL)


def test_every_common_time_bin_holds_at_least_five_events_at_every_node(snaps, rules):
    params = {"endpoint": "os", "indicators": TP53, "group": "TP53", "group_levels": ["1", "0"]}
    grid = run_local("km", snaps, params, rules)["time_bins_days"]
    for n, s in snaps.items():
        df = binned(pooled({n: s}, params).dropna(subset=["time", "event", "TP53"]).assign(entry=0.0), grid)
        counts = df[df.event == 1].groupby(["TP53", "time"]).size()
        assert (counts >= 5).all(), (n, counts[counts < 5])


def test_cox_stratified_by_node_equals_lifelines_with_node_strata(snaps, rules):
    from lifelines import CoxPHFitter

    covs = ["TP53", "age", "sex"]
    params = {"endpoint": "os", "indicators": TP53, "covariates": covs}
    result = run_local("cox", snaps, params, rules)
    df = pooled(snaps, params).dropna(subset=["time", "event"] + covs)
    ref = CoxPHFitter().fit(df[covs + ["time", "event", "node"]], "time", "event", strata=["node"],
                            fit_options={"precision": 1e-14, "r_precision": 1e-15, "step_size": 1.0, "max_steps": 100})
    assert_terms(result, covs, ref.params_.to_numpy(), ref.standard_errors_.to_numpy())
    assert result["loglik"] == pytest.approx(ref.log_likelihood_, abs=1e-6)
    assert result["n"] == len(df) and result["rounds"] <= 10


def test_cox_with_a_common_baseline_equals_lifelines_on_the_pooled_binned_times(snaps, rules):
    from lifelines import CoxPHFitter

    covs = ["TP53", "age", TYPES]
    params = {"endpoint": "os", "left_truncation": True, "indicators": TP53, "covariates": covs, "baseline": "common"}
    result = run_local("cox", snaps, params, rules)
    df = complete(pooled(snaps, params), ["entry", "time", "event", "TP53", "age", "tumour_type"], covs)
    df = binned(df, result["time_bins_days"])
    X = design(df, covs, intercept=False)
    data = pd.concat([X, df[["entry", "time", "event"]]], axis=1)
    ref = CoxPHFitter().fit(data, "time", "event", entry_col="entry", fit_options={"precision": 1e-14, "r_precision": 1e-15, "step_size": 1.0, "max_steps": 100})
    assert_terms(result, list(X.columns), ref.params_.to_numpy(), ref.standard_errors_.to_numpy())
