"""Cox proportional hazards with Efron ties and delayed entry, vectorised with NumPy.

lifelines fits a model with entry times through its time-varying fitter, which loops over
event times in Python: 4.5 s of a 4.6 s survival question at 5,000 patients. This is the
same partial likelihood (Efron's approximation for tied deaths, risk sets entry < t ≤
exit) and the same Newton–Raphson, with every risk-set sum taken for all event times at
once (`risk_sets.at_risk_sums`): milliseconds. Tests hold it to lifelines and statsmodels'
PHReg to 1e-6, and the Schoenfeld proportional-hazards test to lifelines'.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from onconode.analysis.risk_sets import RiskSets


class CoxError(ValueError):
    """The model cannot be estimated on these data (no events, singular, diverging)."""


@dataclass
class _EventSets:
    """Per distinct event time with at least one death at risk: the deaths' rows, and
    Efron's fractions l/d (one entry per death, grouped by time)."""
    times: np.ndarray       # K distinct event times
    deaths: np.ndarray      # row index of each death, ordered by (time, row)
    death_time: np.ndarray  # index into `times` of each death
    d: np.ndarray           # deaths per time (K)
    frac: np.ndarray        # l / d for l = 0..d-1, one per death, aligned with `deaths`
    start: np.ndarray       # per time, the position of its first death in `deaths`


def event_sets(entry: np.ndarray, time: np.ndarray, event: np.ndarray) -> _EventSets:
    dead = (event == 1) & (entry < time)   # a death counts only if the patient was at risk
    rows = np.flatnonzero(dead)
    rows = rows[np.argsort(time[rows], kind="stable")]
    times, death_time, d = np.unique(time[rows], return_inverse=True, return_counts=True)
    start = np.concatenate([[0], np.cumsum(d)[:-1]])
    frac = (np.arange(len(rows)) - start[death_time]) / d[death_time]
    return _EventSets(times, rows, death_time, d, frac, start)


def _per_time(values: np.ndarray, ev: _EventSets) -> np.ndarray:
    """Sums of `values` rows (one per death, in `ev.deaths` order) per event time: the
    deaths of a time are contiguous, so one reduceat (np.add.at took a fifth of a fit)."""
    if len(ev.times) == 0:
        return np.zeros((0,) + values.shape[1:])
    return np.add.reduceat(values, ev.start.astype(np.intp), axis=0)


def _efron_terms(X: np.ndarray, w: np.ndarray, risk_sets: RiskSets, ev: _EventSets):
    """Per death (Efron's l-th term of its time): the denominator φ, and the weighted
    mean covariates and second moments of the tie-corrected risk set."""
    n, p = X.shape
    wx = w[:, None] * X
    wxx = (wx[:, :, None] * X[:, None, :]).reshape(n, p * p)
    risk = risk_sets.sums(np.column_stack([w, wx, wxx]))                              # K × (1 + p + p²)
    dead = _per_time(np.column_stack([w, wx, wxx])[ev.deaths], ev)
    f = ev.frac[:, None]
    per = risk[ev.death_time] - f * dead[ev.death_time]                                 # one row per death
    phi = per[:, 0]
    mean = per[:, 1:1 + p] / phi[:, None]
    second = per[:, 1 + p:].reshape(-1, p, p) / phi[:, None, None]
    return phi, mean, second


def _loglik(beta, X, risk_sets, ev):
    eta = X @ beta
    w = np.exp(eta)
    phi, mean, second = _efron_terms(X, w, risk_sets, ev)
    ll = eta[ev.deaths].sum() - np.log(phi).sum()
    score = X[ev.deaths].sum(axis=0) - mean.sum(axis=0)
    info = (second - mean[:, :, None] * mean[:, None, :]).sum(axis=0)
    return ll, score, info


@dataclass
class CoxFit:
    params: np.ndarray
    variance: np.ndarray
    loglik: float
    iterations: int

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.variance))

    @property
    def p(self) -> np.ndarray:
        return stats.chi2.sf((self.params / self.se) ** 2, 1)


def fit(X: np.ndarray, time: np.ndarray, event: np.ndarray, entry: np.ndarray | None = None,
        tol: float = 1e-10, max_iter: int = 100) -> CoxFit:
    """Maximum partial likelihood by Newton–Raphson with step halving, from β = 0.
    Covariates are centred first (β is unchanged; the risk-set sums keep their precision)."""
    X, time, event = np.asarray(X, float), np.asarray(time, float), np.asarray(event, int)
    entry = np.full(len(time), -np.inf) if entry is None else np.asarray(entry, float)
    if X.ndim != 2 or X.shape[0] != len(time) or len(event) != len(time) or len(entry) != len(time):
        raise CoxError("covariates, times, events and entries need one row per patient")
    if not (np.isfinite(X).all() and np.isfinite(time).all()):
        raise CoxError("covariates and times must be finite (drop patients with missing values first)")
    Xc = X - X.mean(axis=0)
    ev = event_sets(entry, time, event)
    if len(ev.deaths) == 0:
        raise CoxError("no events among patients at risk")
    beta = np.zeros(X.shape[1])
    risk_sets = RiskSets(entry, time, ev.times)   # sorted once for every iteration
    ll, score, info = _loglik(beta, Xc, risk_sets, ev)
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            raise CoxError("the information matrix is singular (a covariate is constant or collinear)") from None
        if not np.all(np.isfinite(step)):
            raise CoxError("the partial likelihood diverged")
        if np.max(np.abs(step)) < tol:   # the Newton step from here is negligible: converged
            break
        new_ll, new_score, new_info = _loglik(beta + step, Xc, risk_sets, ev)
        halvings = 0   # halve a step that lowers the likelihood (beyond rounding)
        while not (np.isfinite(new_ll) and new_ll >= ll - 1e-9 * max(1.0, abs(ll))) and halvings < 30:
            step = step / 2
            new_ll, new_score, new_info = _loglik(beta + step, Xc, risk_sets, ev)
            halvings += 1
        if not np.isfinite(new_ll):
            raise CoxError("the partial likelihood diverged")
        beta, ll, score, info = beta + step, new_ll, new_score, new_info
    else:
        raise CoxError(f"Newton–Raphson did not converge in {max_iter} iterations (complete separation?)")
    try:
        variance = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        raise CoxError("the information matrix is singular (a covariate is constant or collinear)") from None
    if not np.all(np.diag(variance) > 0):
        raise CoxError("the information matrix is not positive definite")
    return CoxFit(beta, variance, float(ll), it)


def schoenfeld_ph_test(X: np.ndarray, time: np.ndarray, event: np.ndarray, entry: np.ndarray | None,
                       beta: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """p per covariate of the Grambsch–Therneau test: scaled Schoenfeld residuals against
    the ordinal rank of event time (lifelines' `proportional_hazard_test`,
    time_transform="rank"), with risk sets that honour delayed entry."""
    X, time, event = np.asarray(X, float), np.asarray(time, float), np.asarray(event, int)
    entry = np.full(len(time), -np.inf) if entry is None else np.asarray(entry, float)
    ev = event_sets(entry, time, event)
    Xc = X - X.mean(axis=0)
    _, mean, _ = _efron_terms(Xc, np.exp(Xc @ beta), RiskSets(entry, time, ev.times), ev)
    # Efron's expected covariates of a time: the mean over its l = 0..d-1 terms
    per_time = _per_time(mean, ev)
    expected = per_time[ev.death_time] / ev.d[ev.death_time][:, None]
    resid = Xc[ev.deaths] - expected
    n_events = len(ev.deaths)
    r = resid @ variance * n_events
    ranks = np.arange(1, n_events + 1, dtype=float)
    dt = ranks - ranks.mean()
    stat = (dt @ r) ** 2 / (n_events * np.diag(variance) * (dt ** 2).sum())
    return stats.chi2.sf(stat, 1)
