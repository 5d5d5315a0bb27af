"""Federated Cox proportional hazards (Efron ties, delayed entry honoured).

Two forms (`"baseline"` parameter):

- `stratified` (default): one baseline hazard per node. Each node evaluates its own
  stratum's partial likelihood at the β the coordinator sends and returns only the log
  likelihood, score vector and Hessian; the coordinator sums them and takes a Newton
  step. No event time leaves a node. Equals lifelines `CoxPHFitter(strata=node)` on the
  pooled data.
- `common`: one baseline for all nodes, on the common binned grid (timegrid.py: each
  node's times binned on its own edges, counted at the union of all nodes'). Each
  node sends, per grid time, the risk-set sums Σw, Σw·x, Σw·x·xᵀ and the same over that
  bin's events (w = exp(xβ)), which the coordinator needs because Efron's correction
  mixes deaths across nodes. Equals lifelines on the pooled data binned node by node.

Disclosure at each node: the regression rules (parameters ≤ 0.33 × N, levels ≥ 5,
saturation) and ≥ 5 events.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from onconode.analysis.disclosure import DisclosureRefused, Rules
from onconode.analysis.federated.base import FederatedError, register
from onconode.analysis.federated.design import build, column_names
from onconode.analysis.federated.timegrid import common_grid, local_edges, on_grid, survival_rows

TOLERANCE = 1e-10


def risk_sums(entry: np.ndarray, time: np.ndarray, event: np.ndarray, X: np.ndarray, beta: np.ndarray,
              times: np.ndarray) -> dict[str, np.ndarray]:
    """Per time in `times`: risk-set and death-set sums of w, w·x, w·x·xᵀ, the sum of the
    dead's x, and the number of deaths."""
    w = np.exp(X @ beta)
    at = (entry[:, None] < times[None, :]) & (time[:, None] >= times[None, :])          # (n, T)
    dead = (time[:, None] == times[None, :]) & (event[:, None] == 1) & at
    wx = w[:, None] * X
    xx = np.einsum("ni,nj->nij", wx, X)
    return {"r0": at.T @ w, "r1": at.T @ wx, "r2": np.einsum("nt,nij->tij", at, xx),
            "d0": dead.T @ w, "d1": dead.T @ wx, "d2": np.einsum("nt,nij->tij", dead, xx),
            "dx": dead.T.astype(float) @ X, "d": dead.sum(axis=0).astype(float)}


def efron(s: dict[str, np.ndarray], beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Log partial likelihood, score and Hessian from risk sums (Efron's tie handling)."""
    p = len(beta)
    ll, U, H = 0.0, np.zeros(p), np.zeros((p, p))
    for t in range(len(s["d"])):
        d = int(round(s["d"][t]))
        if d == 0:
            continue
        ll += float(s["dx"][t] @ beta)
        U += s["dx"][t]
        for l in range(d):
            f = l / d
            c = s["r0"][t] - f * s["d0"][t]
            a = s["r1"][t] - f * s["d1"][t]
            b = s["r2"][t] - f * s["d2"][t]
            ll -= np.log(c)
            U -= a / c
            H -= b / c - np.outer(a, a) / c ** 2
    return ll, U, H


def _baseline(params: dict) -> str:
    b = params.get("baseline", "stratified")
    if b not in ("stratified", "common"):
        raise FederatedError(f"parameter 'baseline': {b!r} is neither 'stratified' (per node) nor 'common' (binned grid)")
    return b


class Cox:
    name = "cox"
    version = "1.0"
    # Every round reads the same patient table (base.py): a node keeps the first round's for the run.
    pins_patient_table = True

    def start(self, params: dict) -> dict:
        p = len(column_names(params, intercept=False))
        if p == 0:
            raise FederatedError("parameter 'covariates': a Cox model needs at least one covariate")
        state = {"beta": [0.0] * p, "loglik": None, "iteration": 0}
        if _baseline(params) == "common":
            state["phase"] = "grid"
        return state

    def _data(self, snap: Any, params: dict):
        df = survival_rows(snap, params)
        X, keep, levels = build(df, params, ["entry", "time", "event", "group"], intercept=False)
        return X, keep, levels

    def patients(self, snap: Any, params: dict) -> dict[str, frozenset[str]]:
        return {"analysed": frozenset(self._data(snap, params)[1].patient_id)}

    def partial(self, snap: Any, params: dict, state: dict, rules: Rules) -> dict:
        X, keep, levels = self._data(snap, params)
        events = int(keep.event.sum())
        censored = len(keep) - events
        levels = {"event": {"event": events, **({"censored": censored} if censored else {})}, **levels}
        why = rules.check_regression(len(keep), X.shape[1], levels)
        if why:
            raise DisclosureRefused(why)
        beta = np.asarray(state["beta"], float)
        if _baseline(params) == "stratified":
            e, t, ev = keep.entry.to_numpy(float), keep.time.to_numpy(float), keep.event.to_numpy(int)
            sums = risk_sums(e, t, ev, X, beta, np.unique(t[ev == 1]))
            ll, U, H = efron(sums, beta)
            return {"n": len(keep), "events": events, "loglik": ll, "score": U.tolist(), "hessian": H.tolist()}
        if state["phase"] == "grid":
            return local_edges(keep, rules)
        b = on_grid(keep, state["grid"], rules)
        sums = risk_sums(b.entry.to_numpy(float), b.time.to_numpy(float), b.event.to_numpy(int), X, beta,
                         np.asarray(state["grid"], float))
        return {"n": len(keep), "events": events, **{k: v.tolist() for k, v in sums.items()}}

    def combine(self, params: dict, state: dict, partials: dict[str, dict]) -> tuple[dict, dict | None]:
        if state.get("phase") == "grid":
            return {**state, "phase": "fit", "grid": common_grid(partials)}, None
        beta = np.asarray(state["beta"], float)
        if _baseline(params) == "stratified":
            ll = float(sum(p["loglik"] for p in partials.values()))
            U = sum(np.asarray(p["score"], float) for p in partials.values())
            H = sum(np.asarray(p["hessian"], float) for p in partials.values())
        else:
            sums = {k: sum(np.asarray(p[k], float) for p in partials.values())
                    for k in ("r0", "r1", "r2", "d0", "d1", "d2", "dx", "d")}
            ll, U, H = efron(sums, beta)
        try:
            step = np.linalg.solve(-H, U)
        except np.linalg.LinAlgError:
            raise FederatedError("the pooled Hessian is singular: a covariate is constant or collinear; drop it") from None
        it = int(state["iteration"]) + 1
        old = state["loglik"]
        done = float(np.max(np.abs(step))) < TOLERANCE * (1 + float(np.max(np.abs(beta)))) or \
            (old is not None and abs(ll - old) < TOLERANCE * (1 + abs(ll)) and float(np.max(np.abs(step))) < 1e-7)
        new_state = {**state, "beta": (beta + step).tolist(), "loglik": ll, "iteration": it}
        if not done:
            if it >= int(params.get("max_iterations", 25)):
                raise FederatedError(f"the Cox model did not converge in {it} rounds; a covariate may separate "
                                     "patients with and without events; drop it")
            return new_state, None
        final = beta + step
        cov = np.linalg.inv(-H)
        se = np.sqrt(np.diag(cov))
        zc = float(stats.norm.ppf(0.975))
        names = column_names(params, intercept=False)
        terms = [{"term": t, "coef": float(b), "se": float(s), "hazard_ratio": float(np.exp(b)),
                  "ci_low": float(np.exp(b - zc * s)), "ci_high": float(np.exp(b + zc * s)),
                  "p": float(2 * stats.norm.sf(abs(b / s)))} for t, b, s in zip(names, final, se)]
        out = {"algorithm": "cox", "baseline": _baseline(params), "endpoint": params["endpoint"],
               "n": int(sum(p["n"] for p in partials.values())), "events": int(sum(p["events"] for p in partials.values())),
               "loglik": ll, "iterations": it, "terms": terms, "covariance": cov.tolist()}
        if "grid" in state:
            out["time_bins_days"] = state["grid"]
        return new_state, out


register(Cox())
