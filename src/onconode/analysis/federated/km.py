"""Federated Kaplan–Meier curves and log-rank test on a common binned time grid.

Round one agrees the grid (timegrid.py: the union of the nodes' bin edges). Round two:
each node bins its times on its own edges and sends, per group and per grid time, the
number at risk and the number of events; the coordinator sums them and computes the
product-limit curve (Greenwood variance, log(−log) interval as lifelines) and the k-group
log-rank test. Both equal lifelines on the pooled data binned node by node. Numbers at risk of 1..4 in the combined curve are shown "<5".
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from onconode.analysis.disclosure import DisclosureSettings, Rules
from onconode.analysis.federated.base import register
from onconode.analysis.survival import product_limit
from onconode.analysis.federated.timegrid import common_grid, group_spec, local_edges, on_grid, survival_rows

def km_from_counts(times: np.ndarray, n: np.ndarray, d: np.ndarray) -> list[dict[str, Any]]:
    """Product-limit steps from numbers at risk and events per time (times with events)."""
    keep = (n > 0) & (d > 0)
    km = product_limit(times[keep], n[keep].astype(float), d[keep].astype(float))
    return [{"time": float(r.time), "at_risk": int(r.at_risk), "events": int(r.events), "survival": float(r.survival),
             "ci_low": None if np.isnan(r.ci_low) else float(r.ci_low), "ci_high": None if np.isnan(r.ci_high) else float(r.ci_high)}
            for r in km.itertuples()]


def logrank_from_counts(n: np.ndarray, d: np.ndarray) -> dict[str, float]:
    """k-group log-rank from at-risk and event counts shaped (groups, times)."""
    k = n.shape[0]
    N, D = n.sum(axis=0).astype(float), d.sum(axis=0).astype(float)
    ok = (N >= 2) & (D > 0)
    n, d, N, D = n[:, ok].astype(float), d[:, ok].astype(float), N[ok], D[ok]
    o_e = (d - D * n / N).sum(axis=1)
    f = D * (N - D) / (N - 1) / N
    var = np.einsum("t,it->i", f, n)[:, None] * np.eye(k) - np.einsum("t,it,jt->ij", f / N, n, n)
    stat = float(o_e[:-1] @ np.linalg.pinv(var[:-1, :-1]) @ o_e[:-1]) if k > 1 else 0.0
    return {"statistic": stat, "df": k - 1, "p": float(stats.chi2.sf(stat, k - 1))}


class KaplanMeier:
    name = "km"
    version = "1.0"
    # Both rounds read the same patient table (base.py): the edges of round one are those
    # the node bins on in round two.
    pins_patient_table = True

    def start(self, params: dict) -> dict:
        group_spec(params)
        return {"phase": "grid"}

    def patients(self, snap: Any, params: dict) -> dict[str, frozenset[str]]:
        df = survival_rows(snap, params)
        return {str(g): frozenset(df.patient_id[df.group == g]) for g in group_spec(params)[1]}

    def partial(self, snap: Any, params: dict, state: dict, rules: Rules) -> dict:
        df = survival_rows(snap, params)
        if state["phase"] == "grid":
            return local_edges(df, rules)
        df = on_grid(df, state["grid"], rules)
        _, levels = group_spec(params)
        grid = np.asarray(state["grid"], float)
        out: dict[str, Any] = {"groups": {}}
        for g in levels:
            x = df[df.group == g]
            entry, time, event = x.entry.to_numpy(), x.time.to_numpy(), x.event.to_numpy()
            at = (entry[:, None] < grid[None, :]) & (time[:, None] >= grid[None, :])
            dead = (time[:, None] == grid[None, :]) & (event[:, None] == 1)
            out["groups"][g] = {"patients": int(len(x)), "at_risk": at.sum(axis=0).tolist(), "events": dead.sum(axis=0).tolist()}
        return out

    def combine(self, params: dict, state: dict, partials: dict[str, dict]) -> tuple[dict, dict | None]:
        if state["phase"] == "grid":
            return {"phase": "table", "grid": common_grid(partials)}, None
        _, levels = group_spec(params)
        grid = np.asarray(state["grid"], float)
        n = np.array([sum(np.asarray(p["groups"][g]["at_risk"]) for p in partials.values()) for g in levels])
        d = np.array([sum(np.asarray(p["groups"][g]["events"]) for p in partials.values()) for g in levels])
        rules = Rules(DisclosureSettings())
        curves = []
        for i, g in enumerate(levels):
            steps = km_from_counts(grid, n[i], d[i])
            below = [s["time"] for s in steps if s["survival"] <= 0.5]
            for s in steps:
                s["at_risk"] = rules.cell(s["at_risk"])
            curves.append({"group": g, "patients": sum(p["groups"][g]["patients"] for p in partials.values()),
                           "events": int(d[i].sum()), "median_days": below[0] if below else None, "steps": steps})
        out = {"algorithm": "km", "endpoint": params["endpoint"], "time_unit": "days", "time_bins_days": grid.tolist(),
               "left_truncation": bool(params.get("left_truncation", False)), "curves": curves}
        if len(levels) > 1:
            out["logrank"] = logrank_from_counts(n, d)
        return state, out


register(KaplanMeier())
