"""Kaplan–Meier, log-rank and Cox proportional hazards, with delayed entry.

KM and log-rank are computed here (NumPy) because disclosure control needs them on
binned event times; risk sets honour delayed entry (a patient is at risk at t when
entry < t ≤ exit). Cox uses lifelines (Efron ties, `entry_col` for left truncation) with
its Schoenfeld-residual proportional-hazards test. Tests compare every number with
lifelines / statsmodels on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

Z95 = float(stats.norm.ppf(0.975))


def _risk_table(entry: np.ndarray, time: np.ndarray, event: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At-risk counts and event counts at each time of `grid`."""
    n = np.array([int(((entry < t) & (time >= t)).sum()) for t in grid])
    d = np.array([int(((time == t) & (event == 1)).sum()) for t in grid])
    return n, d


def kaplan_meier(time: np.ndarray, event: np.ndarray, entry: np.ndarray | None = None) -> pd.DataFrame:
    """Product-limit estimate at each event time, with Greenwood variance and the
    log(-log) ("exponential Greenwood") 95 % interval lifelines reports."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    entry = np.zeros_like(time) if entry is None else np.asarray(entry, float)
    times = np.unique(time[event == 1])
    n, d = _risk_table(entry, time, event, times)
    return product_limit(times, n, d)


def product_limit(times: np.ndarray, n: np.ndarray, d: np.ndarray) -> pd.DataFrame:
    """The curve from numbers at risk `n` and events `d` at each time (times without
    anyone at risk dropped): also what a federated curve is computed from."""
    keep = n > 0
    times, n, d = times[keep], n[keep], d[keep]
    s = np.cumprod(1 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(d / (n * (n - d)))
        v = np.log(s)
        lo = np.exp(-np.exp(np.log(-v) - Z95 * np.sqrt(greenwood) / v))
        hi = np.exp(-np.exp(np.log(-v) + Z95 * np.sqrt(greenwood) / v))
    return pd.DataFrame({"time": times, "at_risk": n, "events": d, "survival": s, "ci_low": lo, "ci_high": hi})


def median_survival(km: pd.DataFrame) -> float | None:
    below = km[km.survival <= 0.5]
    return float(below.time.iloc[0]) if len(below) else None


def logrank(time: np.ndarray, event: np.ndarray, group: np.ndarray, entry: np.ndarray | None = None) -> dict[str, float]:
    """k-group log-rank test: chi-squared on k − 1 degrees of freedom."""
    time, event, group = np.asarray(time, float), np.asarray(event, int), np.asarray(group)
    entry = np.zeros_like(time) if entry is None else np.asarray(entry, float)
    labels = list(dict.fromkeys(group.tolist()))
    k = len(labels)
    times = np.unique(time[event == 1])
    o_e = np.zeros(k)
    var = np.zeros((k, k))
    for t in times:
        at = (entry < t) & (time >= t)
        dead = (time == t) & (event == 1)
        n, d = at.sum(), (dead & at).sum()
        if n < 2 or d == 0:  # a lone patient's death is exactly as expected: adds nothing
            continue
        nj = np.array([(at & (group == g)).sum() for g in labels])
        dj = np.array([(dead & at & (group == g)).sum() for g in labels])
        o_e += dj - d * nj / n
        f = d * (n - d) / (n - 1) / n
        var += f * (np.diag(nj) - np.outer(nj, nj) / n)
    stat = float(o_e[:-1] @ np.linalg.pinv(var[:-1, :-1]) @ o_e[:-1]) if k > 1 else 0.0
    return {"statistic": stat, "df": k - 1, "p": float(stats.chi2.sf(stat, k - 1))}


def cox(df: pd.DataFrame, covariates: list[str], left_truncation: bool) -> dict[str, Any]:
    """Cox PH fit (lifelines, Efron ties) with hazard ratios, 95 % CIs and the
    proportional-hazards test on scaled Schoenfeld residuals (rank time transform)."""
    from lifelines import CoxPHFitter

    cols = covariates + ["time", "event"] + (["entry"] if left_truncation else [])
    data = df[cols].astype(float)
    out: dict[str, Any] = {"n": int(len(data)), "events": int(data.event.sum()), "parameters": len(covariates)}
    try:
        cph = CoxPHFitter().fit(data, "time", "event", entry_col="entry" if left_truncation else None,
                                fit_options={"precision": 1e-10})
        ph_p = schoenfeld_test(data, covariates, cph.params_.to_numpy(), cph.variance_matrix_.to_numpy(), left_truncation)
    except Exception as exc:  # non-convergence, singular covariates: say so rather than fail the request
        out["error"] = f"the Cox model could not be estimated ({type(exc).__name__}: {exc})"
        return out
    s = cph.summary
    out["terms"] = [{"term": c, "coef": float(s.loc[c, "coef"]), "se": float(s.loc[c, "se(coef)"]),
                     "hazard_ratio": float(s.loc[c, "exp(coef)"]), "ci_low": float(s.loc[c, "exp(coef) lower 95%"]),
                     "ci_high": float(s.loc[c, "exp(coef) upper 95%"]), "p": float(s.loc[c, "p"]),
                     "ph_test_p": float(ph_p[c])} for c in covariates]
    out["proportional_hazards_violated"] = [c for c in covariates if ph_p[c] < 0.05]
    return out


def schoenfeld_test(data: pd.DataFrame, covariates: list[str], beta: np.ndarray, variance: np.ndarray,
                    left_truncation: bool) -> dict[str, float]:
    """Proportional-hazards test per covariate: scaled Schoenfeld residuals against the
    (ordinal) rank of event time (Grambsch–Therneau, as lifelines' `proportional_hazard_test` with
    time_transform="rank"), with risk sets that honour delayed entry — lifelines cannot
    compute residuals with entry times, which left truncation needs."""
    X = data[covariates].to_numpy(float)
    t = data.time.to_numpy(float)
    e = data.event.to_numpy(int) == 1
    entry = data.entry.to_numpy(float) if left_truncation else np.full(len(t), -np.inf)
    w = np.exp(X @ beta)
    resid, event_times = [], []
    for time in np.unique(t[e]):  # Efron's handling of tied deaths, as the fit itself
        at = (entry < time) & (t >= time)
        dead = at & e & (t == time)
        d = int(dead.sum())
        s_r, x_r = w[at].sum(), w[at] @ X[at]
        s_d, x_d = w[dead].sum(), w[dead] @ X[dead]
        expected = np.mean([(x_r - l / d * x_d) / (s_r - l / d * s_d) for l in range(d)], axis=0)
        for i in np.flatnonzero(dead):
            resid.append(X[i] - expected)
            event_times.append(time)
    r = np.asarray(resid) @ variance * e.sum()
    ranks = np.arange(1, len(event_times) + 1, dtype=float)  # ordinal, as lifelines' cumulative-event "rank"
    dt = ranks - ranks.mean()
    se2 = np.diag(variance)
    stat = (dt @ r) ** 2 / (e.sum() * se2 * (dt ** 2).sum())
    return {c: float(stats.chi2.sf(stat[j], 1)) for j, c in enumerate(covariates)}


@dataclass
class SurvivalResult:
    endpoint: str
    left_truncation: bool
    data: pd.DataFrame                      # patient-level: group, entry, time, event (never shown as such)
    groups: list[str]
    excluded: int
    cox_covariates: list[str]
    cox_data: pd.DataFrame | None = None
    cox_fit: dict[str, Any] = field(default_factory=dict)
    levels: dict[str, dict[str, int]] = field(default_factory=dict)
    analysed: dict[str, frozenset[str]] = field(default_factory=dict)  # per group, the patients behind the curves

    def _curves(self, data: pd.DataFrame) -> list[dict[str, Any]]:
        out = []
        for g in self.groups:
            d = data[data.group == g]
            km = kaplan_meier(d.time.to_numpy(), d.event.to_numpy(), d.entry.to_numpy())
            out.append({"group": g, "patients": int(len(d)), "events": int(d.event.sum()),
                        "median_days": median_survival(km), "steps": km.to_dict("records")})
        return out

    def _test(self, data: pd.DataFrame) -> dict[str, float] | None:
        if len(self.groups) < 2:
            return None
        return logrank(data.time.to_numpy(), data.event.to_numpy(), data.group.to_numpy(), data.entry.to_numpy())

    def exact(self) -> dict[str, Any]:
        return {"analysis": "survival", "endpoint": self.endpoint, "time_unit": "days", "left_truncation": self.left_truncation,
                "excluded_patients": self.excluded, "curves": self._curves(self.data), "logrank": self._test(self.data),
                "cox": self.cox_fit or None}

    def controlled(self, rules: Any) -> dict[str, Any]:
        """Every time moved onto the merged-bin grid (≥ min events per bin) before the
        curves and the test are computed, so no step describes fewer patients; numbers at
        risk below the threshold are hidden."""
        d = self.data.copy()
        grid = rules.survival_grid(d.time.to_numpy(), d.event.to_numpy(), d.group.to_numpy())
        d["time"] = rules.bin_times(d.time.to_numpy(), grid)
        d["entry"] = rules.bin_entries(d.entry.to_numpy(), grid)
        curves = self._curves(d)
        for c in curves:
            c["patients"], c["events"] = rules.cell(c["patients"]), rules.cell(c["events"])
            for st in c["steps"]:
                st["at_risk"], st["events"] = rules.cell(int(st["at_risk"])), rules.cell(int(st["events"]))
        cox_out: dict[str, Any] | None = None
        if self.cox_fit:
            why = rules.check_regression(self.cox_fit["n"], self.cox_fit["parameters"], self.levels) or self.cox_fit.get("error")
            cox_out = {"withheld": why} if why else {k: v for k, v in self.cox_fit.items()}
        return {"analysis": "survival", "endpoint": self.endpoint, "time_unit": "days", "left_truncation": self.left_truncation,
                "time_bins_days": grid.tolist(), "excluded_patients": rules.cell(self.excluded), "curves": curves,
                "logrank": self._test(d), "cox": cox_out}


COX_COVARIATES = ("age", "sex", "purity")


def survival_analysis(snap: Any, groups: dict[str, Any], endpoint: str = "os", treatment: Any = None,
                      left_truncation: bool = True, cox_covariates: list[str] | None = None) -> SurvivalResult:
    """KM per group, log-rank across groups, and a Cox model of group membership (first
    group the reference) adjusted for `cox_covariates` (age at biopsy, sex, purity).
    Groups are cohorts without shared patients."""
    from onconode.analysis.summary import sample_attributes
    from onconode.analysis.survival_data import endpoint_data

    names = list(groups)
    if not names:
        raise ValueError("survival needs at least one group")
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if groups[a].patient_ids & groups[b].patient_ids:
                raise ValueError(f"groups {a!r} and {b!r} share patients; make them disjoint")
    parts, excluded = [], 0
    for name, c in groups.items():
        d, x = endpoint_data(snap, c, endpoint, treatment, left_truncation)  # type: ignore[arg-type]
        attrs = sample_attributes(snap, c).sort_values(["patient_id", "sample_id"]).drop_duplicates("patient_id")
        d = d.merge(attrs[["patient_id", "age_at_biopsy", "sex", "purity"]], on="patient_id", how="left")
        parts.append(d.assign(group=name))
        excluded += x
    data = pd.concat(parts, ignore_index=True).rename(columns={"age_at_biopsy": "age"})
    data["sex"] = data.sex.map({"male": 1.0, "female": 0.0})
    result = SurvivalResult(endpoint, left_truncation, data[["group", "entry", "time", "event"]], names, excluded,
                            list(cox_covariates or []),
                            analysed={g: frozenset(data.patient_id[data.group == g]) for g in names})
    covs = list(cox_covariates) if cox_covariates is not None else []
    unknown = set(covs) - set(COX_COVARIATES)
    if unknown:
        raise ValueError(f"unknown Cox covariates {sorted(unknown)}; choose from {', '.join(COX_COVARIATES)}")
    if len(names) > 1 or covs:
        design = data.copy()
        dummies = [f"group[{g}]" for g in names[1:]]
        for g, col in zip(names[1:], dummies):
            design[col] = (design.group == g).astype(float)
        design = design.dropna(subset=covs)
        result.levels = {"group": {g: int((design.group == g).sum()) for g in names},
                         "event": {"event": int(design.event.sum()), "censored": int((design.event == 0).sum())}}
        if "sex" in covs:
            result.levels["sex"] = {"male": int((design.sex == 1).sum()), "female": int((design.sex == 0).sum())}
        result.cox_data = design
        result.cox_fit = cox(design, dummies + covs, left_truncation)
    return result
