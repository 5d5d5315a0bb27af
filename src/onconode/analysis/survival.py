"""Kaplan–Meier, log-rank and Cox proportional hazards, with delayed entry.

KM and log-rank are computed here (NumPy) because disclosure control needs them on
binned event times; risk sets honour delayed entry (a patient is at risk at t when
entry < t ≤ exit), as sums over sorted patients (`risk_sets`), not a loop per event
time. Cox is lifelines' model (Efron ties, delayed entry) fitted by `coxph`, with the
Schoenfeld-residual proportional-hazards test. Tests compare every number with
lifelines / statsmodels on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from onconode.analysis import coxph
from onconode.analysis.risk_sets import at_risk_counts, at_risk_sums, counts_at

Z95 = float(stats.norm.ppf(0.975))


def _risk_table(entry: np.ndarray, time: np.ndarray, event: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """At-risk counts and event counts at each time of `grid`."""
    return at_risk_counts(entry, time, grid), counts_at(time[event == 1], grid)


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


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """`df.to_dict("records")` (the same Python ints and floats) from column lists: a few
    times faster for a curve of thousands of steps."""
    cols = list(df.columns)
    return [dict(zip(cols, row)) for row in zip(*(df[c].tolist() for c in cols))]


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
    member = np.stack([group == g for g in labels], axis=1).astype(np.int64)   # patients × groups
    nj = at_risk_sums(entry, time, member, times).astype(float)                # times × groups
    dead = (event == 1) & (entry < time)   # a death counts where its patient was at risk
    dj = np.zeros((len(times), k))
    np.add.at(dj, np.searchsorted(times, time[dead]), member[dead])
    n, d = nj.sum(axis=1), dj.sum(axis=1)
    use = (n >= 2) & (d > 0)  # a lone patient's death is exactly as expected: adds nothing
    nj, dj, n, d = nj[use], dj[use], n[use], d[use]
    o_e = (dj - (d / n)[:, None] * nj).sum(axis=0)
    f = d * (n - d) / (n - 1) / n
    var = np.diag((f[:, None] * nj).sum(axis=0)) - np.einsum("t,ti,tj->ij", f / n, nj, nj)
    stat = float(o_e[:-1] @ np.linalg.pinv(var[:-1, :-1]) @ o_e[:-1]) if k > 1 else 0.0
    return {"statistic": stat, "df": k - 1, "p": float(stats.chi2.sf(stat, k - 1))}


def cox(df: pd.DataFrame, covariates: list[str], left_truncation: bool) -> dict[str, Any]:
    """Cox PH fit (Efron ties, `coxph.fit`: lifelines' model, vectorised) with hazard
    ratios, 95 % CIs and the proportional-hazards test on scaled Schoenfeld residuals
    (rank time transform)."""
    cols = covariates + ["time", "event"] + (["entry"] if left_truncation else [])
    data = df[cols].astype(float)
    out: dict[str, Any] = {"n": int(len(data)), "events": int(data.event.sum()), "parameters": len(covariates)}
    X, time, event = data[covariates].to_numpy(float), data.time.to_numpy(float), data.event.to_numpy(int)
    entry = data.entry.to_numpy(float) if left_truncation else None
    try:
        fit = coxph.fit(X, time, event, entry)
        ph_p = coxph.schoenfeld_ph_test(X, time, event, entry, fit.params, fit.variance)
    except Exception as exc:  # non-convergence, singular covariates: say so rather than fail the request
        out["error"] = f"the Cox model could not be estimated ({type(exc).__name__}: {exc})"
        return out
    se, p = fit.se, fit.p
    out["terms"] = [{"term": c, "coef": float(fit.params[j]), "se": float(se[j]), "hazard_ratio": float(np.exp(fit.params[j])),
                     "ci_low": float(np.exp(fit.params[j] - Z95 * se[j])), "ci_high": float(np.exp(fit.params[j] + Z95 * se[j])),
                     "p": float(p[j]), "ph_test_p": float(ph_p[j])} for j, c in enumerate(covariates)]
    out["proportional_hazards_violated"] = [c for j, c in enumerate(covariates) if ph_p[j] < 0.05]
    return out


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
                        "median_days": median_survival(km), "steps": _records(km)})
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
