"""The vectorised risk-set sums and Cox fit give lifelines' answers (to 1e-6) on data with
delayed entry and many tied event times, and say why when a model cannot be fitted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from onconode.analysis import coxph, survival
from onconode.analysis.risk_sets import at_risk_counts, at_risk_sums

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


def test_risk_set_sums_equal_a_mask_per_time_including_patients_never_at_risk():
    rng = np.random.default_rng(1)
    entry = rng.integers(0, 50, 300).astype(float)
    time = entry + rng.integers(-5, 60, 300)   # some leave before (or when) they enter: never at risk
    values = rng.normal(size=(300, 3))
    at = np.unique(np.concatenate([time, entry, [-1.0, 500.0]]))
    mask = (entry[None, :] < at[:, None]) & (time[None, :] >= at[:, None])
    assert np.allclose(at_risk_sums(entry, time, values, at), mask @ values, atol=1e-9)
    assert (at_risk_counts(entry, time, at) == mask.sum(axis=1)).all()


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
