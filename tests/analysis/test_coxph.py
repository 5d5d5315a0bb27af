"""The numbers at risk, the Efron pass (`_survival.c`) and the Cox fit give lifelines' answers
(to 1e-6) on data with delayed entry and many tied event times, and say why when a model
cannot be fitted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from onconode.analysis import coxph, survival
from onconode.analysis.risk_sets import counts_at_or_before, risk_table, stable_order

TOL = 1e-6


def _data(n: int, seed: int, ties: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    entry = np.where(rng.random(n) < .5, 0.0, rng.integers(0, 300, n).astype(float))
    time = entry + rng.integers(1, 2000, n)
    if ties:
        time = np.round(time / 50) * 50 + 50
    return pd.DataFrame({"time": time, "event": (rng.random(n) < .6).astype(int), "entry": entry,
                         "age": rng.normal(60, 10, n), "purity": rng.random(n), "sex": rng.integers(0, 2, n).astype(float),
                         "g": rng.integers(0, 2, n).astype(float)})


def test_the_risk_table_equals_a_mask_per_death_time_including_patients_never_at_risk():
    rng = np.random.default_rng(1)
    for entry in (rng.integers(0, 50, 300).astype(float), rng.random(300) * 50):   # whole days, and any times
        time = entry + np.round(rng.integers(-5, 60, 300) + rng.random(300) * (entry % 1 > 0))  # some never at risk
        event, group = (rng.random(300) < .6).astype(np.int64), rng.integers(0, 3, 300)
        table = risk_table(entry, time, event, group, 4)   # group 3 has no patients
        assert (table.times == np.unique(time[event == 1])).all()
        for g in range(4):
            mine = group == g
            at_risk = mine & (entry[None, :] < table.times[:, None]) & (time[None, :] >= table.times[:, None])
            dies = mine & (event == 1) & (time[None, :] == table.times[:, None])
            assert (table.at_risk[:, g] == at_risk.sum(axis=1)).all()
            assert (table.deaths[:, g] == dies.sum(axis=1)).all()
            assert (table.deaths_at_risk[:, g] == (dies & (entry < time)).sum(axis=1)).all()
        assert table.patients.tolist() == np.bincount(group, minlength=4).tolist()


def test_the_risk_table_refuses_unknown_times_and_groups_out_of_range():
    one = np.ones(3)
    with pytest.raises(ValueError, match="drop those without dates"):
        risk_table(one, np.array([2.0, np.nan, 3.0]), one, np.zeros(3, np.int64), 1)
    with pytest.raises(ValueError, match="group codes"):
        risk_table(one * 0, one * 2, one, np.array([0, 1, 2]), 2)


def test_the_efron_pass_equals_a_risk_set_mask_per_event_time():
    """`_survival.efron`'s likelihood, score, information and per-death means against the
    definition: a boolean risk set per event time, Efron's l/d share of the tied deaths."""
    rng = np.random.default_rng(4)
    n, p = 250, 3
    entry = np.where(rng.random(n) < .5, 0.0, rng.integers(0, 40, n).astype(float))
    time = entry + rng.integers(-3, 80, n)   # some never at risk
    time = np.round(time / 4) * 4            # many ties
    event = (rng.random(n) < .7).astype(int)
    X = rng.normal(size=(n, p))
    beta = np.array([.3, -.2, .1])
    prob = coxph._Problem(X, time, event, entry)
    ll, score, info, means = prob.loglik(beta)
    Xc = X - X.mean(axis=0)
    w = np.exp(Xc @ beta)
    ev = prob.ev
    ref_ll, ref_score, ref_info, ref_means = 0.0, np.zeros(p), np.zeros((p, p)), []
    for k, t in enumerate(ev.times):
        risk = (entry < t) & (time >= t)
        dead = ev.deaths[ev.death_time == k]
        d = len(dead)
        for l in range(d):
            wr = w * risk
            wr[dead] -= l / d * w[dead]
            phi = wr.sum()
            m = wr @ Xc / phi
            ref_ll += Xc[dead[l]] @ beta - np.log(phi)
            ref_score += Xc[dead[l]] - m
            ref_info += (Xc.T * wr) @ Xc / phi - np.outer(m, m)
            ref_means.append(m)
    assert ll == pytest.approx(ref_ll, rel=1e-12)
    assert np.allclose(score, ref_score, atol=1e-9) and np.allclose(info, ref_info, atol=1e-9)
    assert np.allclose(means, np.array(ref_means), atol=1e-12)


def test_counts_at_or_before_equal_searchsorted_for_whole_days_and_anything_else():
    rng = np.random.default_rng(3)
    for times in (np.unique(rng.integers(0, 3000, 800).astype(float)), np.unique(rng.integers(-50, 50, 30).astype(float)),
                  np.unique(rng.random(40)), np.array([]), np.array([5.0])):
        for keys in (rng.integers(-100, 3100, 2000).astype(float), rng.random(100) * 3000,
                     np.array([-np.inf, np.inf, 0.5, -0.5, 4.99, 5.0, 5.01]), np.array([np.nan, 1.0])):
            assert (counts_at_or_before(times, keys) == np.searchsorted(times, keys, side="right")).all()


def test_stable_order_is_numpys_stable_argsort_for_whole_days_and_anything_else():
    rng = np.random.default_rng(2)
    for v in (rng.integers(0, 40, 2000).astype(float), rng.integers(-9, 9, 50).astype(float), rng.random(50) * 10,
              np.array([]), np.array([1e12, 0.0, 1e12]), np.array([np.nan, 2.0, 2.0, -np.inf])):
        assert (stable_order(v) == np.argsort(v, kind="stable")).all()


def test_the_efron_pass_refuses_row_indices_out_of_range():
    prob = coxph._Problem(np.ones((5, 1)) * np.arange(5)[:, None], np.arange(1.0, 6.0), np.ones(5, int), None)
    prob.deaths = prob.deaths + 10
    with pytest.raises(ValueError, match="out of range"):
        prob.loglik(np.zeros(1))


@pytest.mark.parametrize("ties", [False, True])
def test_cox_with_delayed_entry_matches_lifelines(ties):
    from lifelines import CoxPHFitter

    d = _data(800, 7, ties)
    cols = ["g", "age", "purity", "sex"]
    ref = CoxPHFitter().fit(d[cols + ["time", "event", "entry"]], "time", "event", entry_col="entry",
                            fit_options={"precision": 1e-12, "r_precision": 1e-14})
    out = survival.cox(d, cols, left_truncation=True)
    s = ref.summary
    for t in out["terms"]:
        c = t["term"]
        assert t["coef"] == pytest.approx(s.loc[c, "coef"], abs=TOL)
        assert t["se"] == pytest.approx(s.loc[c, "se(coef)"], abs=TOL)
        assert t["p"] == pytest.approx(s.loc[c, "p"], abs=TOL)
        assert t["ci_low"] == pytest.approx(s.loc[c, "exp(coef) lower 95%"], abs=TOL)
        assert t["ci_high"] == pytest.approx(s.loc[c, "exp(coef) upper 95%"], abs=TOL)


def test_schoenfeld_test_without_entry_matches_lifelines_with_ties():
    from lifelines import CoxPHFitter
    from lifelines.statistics import proportional_hazard_test

    d = _data(600, 3, ties=True)
    cols = ["g", "age", "purity"]
    cph = CoxPHFitter().fit(d[cols + ["time", "event"]], "time", "event", fit_options={"precision": 1e-12, "r_precision": 1e-14})
    ref = proportional_hazard_test(cph, d[cols + ["time", "event"]], time_transform="rank").summary["p"]
    out = survival.cox(d, cols, left_truncation=False)
    for t in out["terms"]:
        assert t["ph_test_p"] == pytest.approx(float(ref[t["term"]]), abs=TOL)


def test_a_constant_covariate_or_no_events_is_reported_not_raised():
    d = _data(200, 5, ties=False).assign(sex=1.0)
    assert "singular" in survival.cox(d, ["g", "sex"], left_truncation=True)["error"]
    with pytest.raises(coxph.CoxError, match="no events"):
        coxph.fit(d[["g"]].to_numpy(), d.time.to_numpy(), np.zeros(len(d), int))
