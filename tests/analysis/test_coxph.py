"""The numbers at risk, the Efron terms and the Cox fit (NumPy) give lifelines' answers
(to 1e-6) on data with delayed entry and many tied event times, and say why when a model
cannot be fitted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from onconode.analysis import coxph, survival
from onconode.analysis.risk_sets import risk_table

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


def test_the_fit_and_its_ph_test_equal_the_definition_with_a_risk_set_mask_per_death_time():
    """At the estimate, the score of the definition (a boolean risk set per death time,
    Efron's l/d share of the tied deaths) vanishes, its information is the inverse of the
    variance, and its Schoenfeld residuals give the proportional-hazards p-values."""
    from scipy import stats

    rng = np.random.default_rng(4)
    n, p = 250, 3
    entry = np.where(rng.random(n) < .5, 0.0, rng.integers(0, 40, n).astype(float))
    time = entry + rng.integers(-3, 80, n)   # some never at risk
    time = np.round(time / 4) * 4            # many ties
    event = (rng.random(n) < .7).astype(int)
    X = rng.normal(size=(n, p))
    fit, ph_p = coxph.start(X, time, event, entry).result()
    Xc = X - X.mean(axis=0)
    w = np.exp(Xc @ fit.params)
    ll, score, info, residuals = 0.0, np.zeros(p), np.zeros((p, p)), []
    for t in np.unique(time[(event == 1) & (entry < time)]):
        risk = (entry < t) & (time >= t)
        dead = np.flatnonzero((time == t) & (event == 1) & (entry < time))
        d, means = len(dead), []
        for l in range(d):
            wr = w * risk
            wr[dead] -= l / d * w[dead]
            phi = wr.sum()
            m = wr @ Xc / phi
            ll += Xc[dead[l]] @ fit.params - np.log(phi)
            score += Xc[dead[l]] - m
            info += (Xc.T * wr) @ Xc / phi - np.outer(m, m)
            means.append(m)
        residuals += [Xc[j] - np.mean(means, axis=0) for j in dead]
    assert fit.loglik == pytest.approx(ll, rel=1e-12)
    assert np.abs(score).max() < 1e-8 and np.allclose(np.linalg.inv(fit.variance), info, rtol=1e-9)
    ranks = np.arange(1, len(residuals) + 1.0)
    dt = ranks - ranks.mean()
    v = dt @ np.array(residuals) @ fit.variance * len(residuals)
    stat = v ** 2 / (len(residuals) * np.diag(fit.variance) * (dt ** 2).sum())
    assert np.allclose(ph_p, stats.chi2.sf(stat, 1), rtol=1e-9)


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
        coxph.start(d[["g"]].to_numpy(), d.time.to_numpy(), np.zeros(len(d), int)).result()
