"""Kaplan–Meier, log-rank and Cox proportional hazards, with delayed entry.

KM and log-rank are computed here (NumPy) because disclosure control needs them on
binned event times; risk sets honour delayed entry (a patient is at risk at t when
entry < t ≤ exit), counted for every group and death time in one sweep over the sorted
patients (`risk_sets.risk_table`), which the curves and the test share. Cox is
lifelines' model (Efron ties, delayed entry) fitted by `coxph` in a thread of its own
while the curves are computed, with the Schoenfeld-residual proportional-hazards test.
Tests compare every number with lifelines / statsmodels on the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

import numpy as np
import pandas as pd
from scipy import special, stats

from onconode.analysis import cellkey, coxph, survival_data as sd
from onconode.analysis.risk_sets import RiskTable, risk_table
from onconode.analysis.summary import sample_attributes

Z95 = float(stats.norm.ppf(0.975))


def kaplan_meier(time: np.ndarray, event: np.ndarray, entry: np.ndarray | None = None) -> pd.DataFrame:
    """Product-limit estimate at each event time, with Greenwood variance and the
    log(-log) ("exponential Greenwood") 95 % interval lifelines reports."""
    time = np.asarray(time, float)
    entry = np.zeros_like(time) if entry is None else entry
    return pd.DataFrame(_product_limit(*risk_table(entry, time, event, np.zeros(len(time), np.int64), 1).curve_rows(0)))


def product_limit(times: np.ndarray, n: np.ndarray, d: np.ndarray) -> pd.DataFrame:
    """The curve from numbers at risk `n` and events `d` at each time (times without
    anyone at risk dropped): also what a federated curve is computed from."""
    return pd.DataFrame(_product_limit(times, n, d))


def _product_limit(times: np.ndarray, n: np.ndarray, d: np.ndarray) -> dict[str, np.ndarray]:
    keep = n > 0
    times, n, d = times[keep], n[keep], d[keep]
    s = np.cumprod(1 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        greenwood = np.cumsum(d / (n * (n - d)))
        v = np.log(s)
        half = Z95 * np.sqrt(greenwood) / v
        lo = np.exp(-np.exp(np.log(-v) - half))
        hi = np.exp(-np.exp(np.log(-v) + half))
    return {"time": times, "at_risk": n, "events": d, "survival": s, "ci_low": lo, "ci_high": hi}


STEP_COLUMNS = (("time", float), ("at_risk", np.int64), ("events", np.int64), ("survival", float), ("ci_low", float),
                ("ci_high", float))


def _steps(km: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """The curve as records (Python ints and floats, as `DataFrame.to_dict("records")`)."""
    names = [c for c, _ in STEP_COLUMNS]
    columns = [np.asarray(km[c], t).tolist() for c, t in STEP_COLUMNS]
    return [dict(zip(names, row)) for row in zip(*columns)]


def median_survival(km: pd.DataFrame | dict[str, np.ndarray]) -> float | None:
    below = np.flatnonzero(np.asarray(km["survival"]) <= 0.5)
    return float(np.asarray(km["time"])[below[0]]) if len(below) else None


def logrank(time: np.ndarray, event: np.ndarray, group: np.ndarray, entry: np.ndarray | None = None) -> dict[str, float]:
    """k-group log-rank test: chi-squared on k − 1 degrees of freedom."""
    time, group = np.asarray(time, float), np.asarray(group)
    entry = np.zeros_like(time) if entry is None else entry
    code_of = {g: i for i, g in enumerate(dict.fromkeys(group.tolist()))}   # groups in order of appearance
    code = np.fromiter(map(code_of.__getitem__, group.tolist()), np.int64, len(group))
    return _logrank(risk_table(entry, time, event, code, len(code_of)))


def _logrank(table: RiskTable) -> dict[str, float]:
    """`logrank` from the groups' risk table (deaths counted where their patient was at
    risk); groups without patients do not count."""
    present = np.flatnonzero(table.patients)
    return logrank_counts(table.at_risk[:, present], table.deaths_at_risk[:, present])


def logrank_counts(at_risk: np.ndarray, deaths: np.ndarray) -> dict[str, float]:
    """The log-rank test from numbers at risk and deaths per time (rows) and group
    (columns): also what a controlled answer computes from its perturbed risk table."""
    k = at_risk.shape[1]
    nj, dj = np.asarray(at_risk, float), np.asarray(deaths, float)
    n, d = nj.sum(axis=1), dj.sum(axis=1)
    keep = (n >= 2) & (d > 0)   # Σ over times with ≥ 2 at risk and a death of O − E and its (hypergeometric) covariance
    nj, dj, n, d = nj[keep], dj[keep], n[keep], d[keep]
    f = d * (n - d) / (n - 1) / n
    o_e = (dj - (d / n)[:, None] * nj).sum(axis=0)
    var = np.diag((f[:, None] * nj).sum(axis=0)) - (nj * (f / n)[:, None]).T @ nj
    stat = float(o_e[:-1] @ np.linalg.pinv(var[:-1, :-1]) @ o_e[:-1]) if k > 1 else 0.0
    return {"statistic": stat, "df": k - 1, "p": float(special.chdtrc(k - 1, stat))}


def cox(df: pd.DataFrame, covariates: list[str], left_truncation: bool) -> dict[str, Any]:
    """Cox PH fit (Efron ties, `coxph`: lifelines' model) with hazard ratios,
    95 % CIs and the proportional-hazards test on scaled Schoenfeld residuals (rank time
    transform), of the columns `covariates`, time, event (and entry) of `df`."""
    cols = covariates + ["time", "event"] + (["entry"] if left_truncation else [])
    data = df[cols].astype(float)
    return _cox(data[covariates].to_numpy(float), data.time.to_numpy(float), data.event.to_numpy(int),
                data.entry.to_numpy(float) if left_truncation else None, covariates)


def _cox(X: np.ndarray, time: np.ndarray, event: np.ndarray, entry: np.ndarray | None, covariates: list[str]) -> dict[str, Any]:
    return _cox_model(X, time, event, entry, covariates)()


def _cox_model(X: np.ndarray, time: np.ndarray, event: np.ndarray, entry: np.ndarray | None,
               covariates: list[str]) -> Callable[[], dict[str, Any]]:
    """Start the fit (`coxph.start`, in its own thread) and return what waits for it and
    shapes the answer: the caller computes the curves meanwhile."""
    out: dict[str, Any] = {"n": int(len(time)), "events": int(event.sum()), "parameters": len(covariates)}
    try:
        pending = coxph.start(X, time, event, entry)
    except Exception as exc:  # noqa: BLE001 (shapes, no patients: reported like the fit's own failures)
        failure = exc   # `exc` is unbound after the block: the lambda keeps its own name
        return lambda: _cox_failed(out, failure)

    def answer() -> dict[str, Any]:
        try:
            fit, ph_p = pending.result()
        except Exception as exc:  # non-convergence, singular covariates: say so rather than fail the request
            return _cox_failed(out, exc)
        return _cox_terms(out, fit, ph_p, covariates)
    return answer


def _cox_failed(out: dict[str, Any], exc: Exception) -> dict[str, Any]:
    return {**out, "error": f"the Cox model could not be estimated ({type(exc).__name__}: {exc})"}


def _cox_terms(out: dict[str, Any], fit: coxph.CoxFit, ph_p: np.ndarray, covariates: list[str]) -> dict[str, Any]:
    beta, se, p = fit.params.tolist(), fit.se.tolist(), fit.p.tolist()
    ph = ph_p.tolist()
    terms = [{"term": c, "coef": beta[j], "se": se[j], "hazard_ratio": float(np.exp(beta[j])),
              "ci_low": float(np.exp(beta[j] - Z95 * se[j])), "ci_high": float(np.exp(beta[j] + Z95 * se[j])),
              "p": p[j], "ph_test_p": ph[j]} for j, c in enumerate(covariates)]
    return {**out, "terms": terms, "proportional_hazards_violated": [c for j, c in enumerate(covariates) if ph[j] < 0.05]}


@dataclass
class Times:
    """Patient-level survival data behind a result, one entry per patient (never shown
    as such): group (index into the result's groups), entry, time, event."""
    group: np.ndarray
    entry: np.ndarray
    time: np.ndarray
    event: np.ndarray


@dataclass
class SurvivalResult:
    endpoint: str
    left_truncation: bool
    times: Times
    groups: list[str]
    excluded: int
    cox_covariates: list[str]
    covariates: dict[str, np.ndarray] = field(default_factory=dict)   # age, sex, purity per patient of `times`
    cox_rows: np.ndarray | None = None                                  # the patients the Cox model used
    cox_model: Callable[[], dict[str, Any]] | None = None               # waits for the fit started with the result
    levels: dict[str, dict[str, int]] = field(default_factory=dict)
    analysed: dict[str, frozenset[str]] = field(default_factory=dict)  # per group, the patients behind the curves
    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, object))  # the patient of each entry of `times`

    @cached_property
    def cox_fit(self) -> dict[str, Any]:
        """The Cox model's answer (waiting for its fit), or {} when there is none."""
        return self.cox_model() if self.cox_model else {}

    @property
    def data(self) -> pd.DataFrame:
        """`times` as a table with the group names (for tests and inspection)."""
        t = self.times
        return pd.DataFrame({"group": np.asarray(self.groups, dtype=object)[t.group],
                             "entry": t.entry, "time": t.time, "event": t.event})

    @property
    def cox_data(self) -> pd.DataFrame | None:
        """The Cox model's design: group dummies, covariates, entry, time, event."""
        if self.cox_rows is None:
            return None
        d = self.data.assign(**self.covariates)
        for i, g in enumerate(self.groups[1:], 1):
            d[f"group[{g}]"] = (self.times.group == i).astype(float)
        return d[self.cox_rows].reset_index(drop=True)

    def _table(self, t: Times) -> RiskTable:
        return risk_table(t.entry, t.time, t.event, t.group, len(self.groups))

    def _curves(self, t: Times, table: RiskTable) -> list[dict[str, Any]]:
        events = np.bincount(t.group[t.event == 1], minlength=len(self.groups)).tolist()
        out = []
        for i, g in enumerate(self.groups):
            km = _product_limit(*table.curve_rows(i))
            out.append({"group": g, "patients": int(table.patients[i]), "events": events[i],
                        "median_days": median_survival(km), "steps": _steps(km)})
        return out

    def _test(self, table: RiskTable) -> dict[str, float] | None:
        return _logrank(table) if len(self.groups) > 1 else None

    def exact(self) -> dict[str, Any]:
        table = self._table(self.times)
        return {"analysis": "survival", "endpoint": self.endpoint, "time_unit": "days", "left_truncation": self.left_truncation,
                "excluded_patients": self.excluded, "curves": self._curves(self.times, table),
                "logrank": self._test(table), "cox": self.cox_fit or None}

    def controlled(self, rules: Any) -> dict[str, Any]:
        """Curves and log-rank from a perturbed, binned risk table: event times on the
        merged-bin grid (every bin, the last included, with ≥ min events per group that
        has any); per group and bin, the patients entering, the events and the
        censorings are each a cell with its own cell key, perturbed; the numbers at risk
        are cumulative from those, so the curve is internally consistent; the curve stops
        where fewer than `min_cell` are at risk; medians are read from that curve."""
        t = self.times
        grid = rules.survival_grid(t.time, t.event, t.group)
        G, B = len(self.groups), len(grid)
        keys = rules._keys().of(self.ids.tolist())
        exit_bin = np.minimum(np.searchsorted(grid, t.time, side="left"), B - 1)
        entry_bin = np.minimum(np.searchsorted(grid, t.entry, side="left"), B - 1)
        event = t.event == 1

        def perturbed(where: np.ndarray, bins: np.ndarray) -> np.ndarray:
            cells = t.group[where] * B + bins[where]
            counts = np.bincount(cells, minlength=G * B)
            return np.asarray(rules.values(counts, cellkey.sums(cells, keys[where], G * B)), float).reshape(G, B)

        everyone = np.ones(len(t.time), bool)
        entered, died, censored = perturbed(everyone, entry_bin), perturbed(event, exit_bin), perturbed(~event, exit_bin)
        at_risk = np.maximum(np.cumsum(entered, axis=1) - np.concatenate([np.zeros((G, 1)), np.cumsum(died + censored, axis=1)[:, :-1]], axis=1), 0)
        died = np.minimum(died, at_risk)
        curves = []
        for i, g in enumerate(self.groups):
            mine = t.group == i
            shown_bins = np.flatnonzero(np.cumprod(at_risk[i] >= rules.settings.min_cell))   # until fewer are at risk
            km = _product_limit(grid[shown_bins], at_risk[i, shown_bins].astype(np.int64), died[i, shown_bins].astype(np.int64))
            steps = _steps(km)
            for st in steps:
                st["at_risk"], st["events"] = rules.shown(int(st["at_risk"])), rules.shown(int(st["events"]))
            curves.append({"group": g, "patients": rules.count(int(mine.sum()), rules.key(self.ids[mine].tolist())),
                           "events": rules.count(int(event[mine].sum()), rules.key(self.ids[mine & event].tolist())),
                           "median_days": median_survival(km), "steps": steps})
        present = [i for i in range(G) if (t.group == i).any()]
        cox_out: dict[str, Any] | None = None
        if self.cox_fit:
            why = rules.check_regression(self.cox_fit["n"], self.cox_fit["parameters"], self.levels) or self.cox_fit.get("error")
            cox_out = {"withheld": why} if why else {k: v for k, v in self.cox_fit.items()}
        return {"analysis": "survival", "endpoint": self.endpoint, "time_unit": "days", "left_truncation": self.left_truncation,
                "time_bins_days": grid.tolist(), "excluded_patients": rules.cell(self.excluded), "curves": curves,
                "logrank": logrank_counts(at_risk[present].T, died[present].T) if len(present) > 1 else None,
                "cox": cox_out, "statistics": CONTROLLED_SURVIVAL, "median_note": MEDIAN_NOTE}


CONTROLLED_SURVIVAL = ("curves, numbers at risk, medians and the log-rank test are computed from perturbed counts of "
                       "entries, events and censorings per time bin (each bin holds at least the minimum number of "
                       "events); a curve stops where fewer than the threshold are at risk. The Cox model, where shown, "
                       "is fitted on the exact data")
MEDIAN_NOTE = ("medians are read from the binned, perturbed curve and can differ greatly from the exact ones: they "
               "move by whole time bins (often months), and a curve that stops early has no median")


COX_COVARIATES = ("age", "sex", "purity")


@dataclass
class _Part:
    """Analysable patients of one or more groups: group code, ids, times, covariates; and
    how many were excluded."""
    patient_ids: np.ndarray
    entry: np.ndarray
    time: np.ndarray
    event: np.ndarray
    covariates: dict[str, np.ndarray]
    excluded: int
    group: np.ndarray


def _patients(snap: Any, groups: dict[str, Any], endpoint: str, treatment: Any, left_truncation: bool) -> _Part:
    """Every group's analysable patients, group after group, each group's by patient id.
    Overall survival on the kept per-sample arrays is one NumPy pass over all groups;
    the other endpoints are read per group."""
    kept = sd.sample_days(snap)
    if kept is not None and endpoint == "os":
        code = np.full(len(kept.sample_ids), -1, np.int64)   # each sample's group (groups share no patients)
        for i, cohort in enumerate(groups.values()):
            code[kept.rows.of_cohort(cohort)] = i
        t, excluded = sd.overall_survival(kept, code >= 0, left_truncation)
        group = code[t.covariate_row]
        order = np.concatenate([np.flatnonzero(group == i) for i in range(len(groups))])
        return _Part(kept.patients[t.patient[order]], t.entry[order], t.time[order], t.event[order],
                     _covariates(kept, t.covariate_row[order]), excluded, group[order])
    parts = [_part(snap, kept, c, i, endpoint, treatment, left_truncation) for i, c in enumerate(groups.values())]
    joined = {f: np.concatenate([getattr(p, f) for p in parts]) for f in ("patient_ids", "entry", "time", "event", "group")}
    return _Part(covariates={k: np.concatenate([p.covariates[k] for p in parts]) for k in COX_COVARIATES},
                 excluded=sum(p.excluded for p in parts), **joined)


def _covariates(kept: Any, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The Cox covariates of the kept sample `rows`; NaN where a patient has no row (-1),
    as a left merge gives."""
    known = rows >= 0
    return {k: np.where(known, v[rows], np.nan) for k, v in (("age", kept.age), ("sex", kept.sex), ("purity", kept.purity))}


def _part(snap: Any, kept: Any, cohort: Any, i: int, endpoint: str, treatment: Any, left_truncation: bool) -> _Part:
    """Group `i`'s patients for an endpoint other than overall survival from `endpoint_data`,
    with the covariates of the kept per-sample arrays when there are some, else of the
    sample attributes."""
    if kept is not None:
        d, excluded = sd.endpoint_data(snap, cohort, endpoint, treatment, left_truncation)  # type: ignore[arg-type]
        c = sd.covariate_rows(kept, sd.cohort_rows(kept, cohort))
        where = {pid: r for pid, r in zip(kept.patients[kept.patient[c]].tolist(), c.tolist())}
        rows = np.fromiter((where.get(p, -1) for p in d.patient_id.tolist()), np.int64, len(d))
        return _Part(d.patient_id.to_numpy(object), d.entry.to_numpy(float), d.time.to_numpy(float),
                     d.event.to_numpy(np.int64), _covariates(kept, rows), excluded, np.full(len(d), i, np.int64))

    d, excluded = sd.endpoint_data(snap, cohort, endpoint, treatment, left_truncation)  # type: ignore[arg-type]
    attrs = sample_attributes(snap, cohort).sort_values(["patient_id", "sample_id"]).drop_duplicates("patient_id")
    d = d.merge(attrs[["patient_id", "age_at_biopsy", "sex", "purity"]], on="patient_id", how="left")
    return _Part(d.patient_id.to_numpy(object), d.entry.to_numpy(float), d.time.to_numpy(float), d.event.to_numpy(np.int64),
                 {"age": d.age_at_biopsy.to_numpy(float, na_value=np.nan),
                  "sex": d.sex.map(sd.SEX_CODES).to_numpy(float, na_value=np.nan),
                  "purity": d.purity.to_numpy(float, na_value=np.nan)}, excluded, np.full(len(d), i, np.int64))


def survival_analysis(snap: Any, groups: dict[str, Any], endpoint: str = "os", treatment: Any = None,
                      left_truncation: bool = True, cox_covariates: list[str] | None = None) -> SurvivalResult:
    """KM per group, log-rank across groups, and a Cox model of group membership (first
    group the reference) adjusted for `cox_covariates` (age at biopsy, sex, purity).
    Groups are cohorts without shared patients."""
    names = list(groups)
    if not names:
        raise ValueError("survival needs at least one group")
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if groups[a].shares_patients(groups[b]):
                raise ValueError(f"groups {a!r} and {b!r} share patients; make them disjoint")
    covs = list(cox_covariates) if cox_covariates is not None else []
    unknown = set(covs) - set(COX_COVARIATES)
    if unknown:
        raise ValueError(f"unknown Cox covariates {sorted(unknown)}; choose from {', '.join(COX_COVARIATES)}")

    sd.check_endpoint(snap, endpoint)
    left_truncation = left_truncation and not sd.is_given(endpoint)   # a given endpoint has no entry times
    pts = _patients(snap, groups, endpoint, treatment, left_truncation)
    group, entry, time, covariates = pts.group, pts.entry, pts.time, pts.covariates
    times = Times(group, entry, time, pts.event)
    result = SurvivalResult(endpoint, left_truncation, times, names, pts.excluded, list(cox_covariates or []), covariates)
    if len(names) > 1 or covs:
        rows = np.ones(len(group), bool)
        for c in covs:
            rows &= ~np.isnan(covariates[c])
        g, event = group[rows], times.event[rows]
        per_group = np.bincount(g, minlength=len(names)).tolist()
        result.levels = {"group": dict(zip(names, per_group)),
                         "event": {"event": int(event.sum()), "censored": int((event == 0).sum())}}
        if "sex" in covs:
            sex = covariates["sex"][rows]
            result.levels["sex"] = {"male": int((sex == 1).sum()), "female": int((sex == 0).sum())}
        X = np.column_stack([(g == i).astype(float) for i in range(1, len(names))] + [covariates[c][rows] for c in covs])
        result.cox_rows = rows
        result.cox_model = _cox_model(X, time[rows], event, entry[rows] if left_truncation else None,
                                      [f"group[{n}]" for n in names[1:]] + covs)
    ends = np.searchsorted(group, np.arange(1, len(names)))   # the groups' patients follow one another (the fit runs)
    result.analysed = {g: frozenset(ids.tolist()) for g, ids in zip(names, np.split(pts.patient_ids, ends))}
    result.ids = pts.patient_ids
    return result
