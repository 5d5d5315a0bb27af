"""Biomarker vs treatment response.

Unit: a patient of the cohort who received a treatment line matching the criteria (the
first such line, so each patient counts once), with an evaluable best response:
responders CR or PR, non-responders SD, NON_CR_NON_PD, PD or clinical progression (NE and
ND are not evaluable and are counted apart). A patient is biomarker-positive when any of
their cohort samples is in the biomarker definition. Reported: the 2 × 2 table, the
objective response rate per group with a Clopper–Pearson interval, Fisher's exact test,
the odds ratio with Woolf's interval, and a logistic regression of response on the
biomarker adjusted for tumour type, age and purity (statsmodels).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis
import numpy as np
import pandas as pd

from onconode.analysis.treatments import NON_RESPONDER, RESPONDER, best_responses, matching_treatments
from onconode.analysis.cohort import Cohort, TreatmentCriteria
from onconode.analysis.disclosure import WITHHELD, Rules
from onconode.analysis.queries import Snapshot
from onconode.analysis.stats import clopper_pearson, fisher_exact, odds_ratio_woolf
from onconode.analysis.summary import sample_attributes

Covariate = Literal["tumour_type", "age", "purity"]


def response_data(snap: Snapshot, cohort: Cohort, treatment: TreatmentCriteria | dict[str, Any], biomarker: Cohort) -> pd.DataFrame:
    """One row per treated cohort patient: patient_id, best_response, responder (bool or
    None when not evaluable), biomarker (bool), tumour_type, age, purity."""
    crit = treatment if isinstance(treatment, TreatmentCriteria) else TreatmentCriteria.model_validate(treatment)
    patients = ibis.memtable(pd.DataFrame({"patient_id": sorted(cohort.patient_ids)}, dtype="string"))
    t = matching_treatments(snap, crit).semi_join(patients, "patient_id")
    first = t.mutate(r=ibis.row_number().over(group_by=t.patient_id, order_by=[t.start_date, t.treatment_id])).filter(lambda x: x.r == 0)
    best = best_responses(snap, first)
    df = first.select("patient_id", "treatment_id").left_join(best.select("treatment_id", "best_response"), "treatment_id")
    df = df.select("patient_id", "best_response").to_pyarrow().to_pandas()
    attrs = sample_attributes(snap, cohort).sort_values(["patient_id", "sample_id"]).drop_duplicates("patient_id")
    df = df.merge(attrs[["patient_id", "primary_tumor_location", "age_at_biopsy", "purity"]], on="patient_id", how="left")
    df["responder"] = df.best_response.map(lambda r: True if r in RESPONDER else (False if r in NON_RESPONDER else None))
    df["biomarker"] = df.patient_id.isin(biomarker.patient_ids)
    return df.rename(columns={"primary_tumor_location": "tumour_type", "age_at_biopsy": "age"}).sort_values("patient_id", ignore_index=True)


def logistic(df: pd.DataFrame, covariates: list[str]) -> dict[str, Any]:
    """Logit of responder on biomarker + covariates (tumour type as treatment-coded dummies,
    reference = most common type). Returns coefficients as odds ratios with 95 % CIs."""
    # lazy: statsmodels (~1 s to import) is needed by this analysis only
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    d = df[df.responder.notna()].dropna(subset=[c for c in covariates])
    X = pd.DataFrame({"biomarker": d.biomarker.astype(float)}, index=d.index)
    levels: dict[str, dict[str, int]] = {"response": {"responder": int(d.responder.sum()), "non-responder": int((~d.responder.astype(bool)).sum())},
                                         "biomarker": {"positive": int(d.biomarker.sum()), "negative": int((~d.biomarker).sum())}}
    if "tumour_type" in covariates:
        counts = d.tumour_type.value_counts()
        levels["tumour_type"] = {str(k): int(v) for k, v in counts.items()}
        ref = sorted(counts.index, key=lambda k: (-counts[k], k))[0]
        for lvl in sorted(counts.index):
            if lvl != ref:
                X[f"tumour_type[{lvl}]"] = (d.tumour_type == lvl).astype(float)
    for c in ("age", "purity"):
        if c in covariates:
            X[c] = d[c].astype(float)
    X = sm.add_constant(X, has_constant="add")
    out: dict[str, Any] = {"n": int(len(d)), "parameters": int(X.shape[1]), "levels": levels, "covariates": covariates}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = sm.Logit(d.responder.astype(float).to_numpy(), X, missing="raise").fit(disp=0, maxiter=100)
    except Exception as exc:  # singular design, perfect separation: not estimable, say why
        out["error"] = f"the model could not be estimated ({type(exc).__name__}: {exc})"
        return out
    if not fit.mle_retvals.get("converged", True):
        out["error"] = ("the model did not converge: most likely a group in which every patient, or none, "
                        "responded (separation); drop that covariate or widen the cohort")
        return out
    ci = fit.conf_int()
    out["terms"] = [{"term": k, "coef": float(fit.params[k]), "se": float(fit.bse[k]), "p": float(fit.pvalues[k]),
                     "odds_ratio": float(np.exp(fit.params[k])), "ci_low": float(np.exp(ci.loc[k, 0])),
                     "ci_high": float(np.exp(ci.loc[k, 1]))} for k in X.columns]
    return out


def response_statistics(table: list[list[int]]) -> tuple[list[dict[str, Any]], float, dict[str, Any]]:
    """ORR per group (Clopper–Pearson), Fisher's p and the odds ratio (Woolf's interval;
    with a zero cell Haldane–Anscombe's +0.5 on every cell, and the answer says so)."""
    orr = []
    for name, (k, nk) in zip(("biomarker positive", "biomarker negative"), table):
        lo, hi = clopper_pearson(k, k + nk)
        orr.append({"group": name, "responders": k, "evaluable": k + nk, "orr": k / (k + nk) if k + nk else None,
                    "ci_low": lo, "ci_high": hi})
    (a, b), (c, d) = table
    or_, lo, hi = odds_ratio_woolf(a, b, c, d)
    haldane = 0 in (a, b, c, d)
    odds = {"odds_ratio": or_, "ci_low": lo, "ci_high": hi, "haldane_correction": haldane}
    if haldane:
        odds["note"] = ("a cell of the table is zero: 0.5 was added to every cell (Haldane–Anscombe correction) "
                        "so the odds ratio and its interval are finite; read them as rough")
    return orr, fisher_exact(table), odds


@dataclass
class ResponseResult:
    table: list[list[int]]          # [[pos responders, pos non-responders], [neg responders, neg non-responders]]
    not_evaluable: int
    orr: list[dict[str, Any]]
    fisher_p: float
    odds_ratio: dict[str, Any]
    regression: dict[str, Any] = field(default_factory=dict)
    patients: frozenset[str] = frozenset()  # the treated patients behind the figures (for the gate)
    members: list[list[frozenset[str]]] = field(default_factory=list)   # the patients of each cell of `table`
    not_evaluable_ids: frozenset[str] = frozenset()

    def exact(self) -> dict[str, Any]:
        return {"analysis": "biomarker_response", "rows": ["biomarker positive", "biomarker negative"],
                "columns": ["CR+PR", "SD+PD"], "table": self.table, "not_evaluable": self.not_evaluable,
                "orr": self.orr, "fisher_p": self.fisher_p, "odds_ratio": self.odds_ratio, "regression": self.regression}

    def controlled(self, rules: Rules) -> dict[str, Any]:
        """Each cell of the 2 × 2 table perturbed with its own cell key; response rates,
        Fisher's test and the odds ratio computed from the perturbed table (withheld when
        it has a suppressed cell)."""
        values = rules.values([n for row in self.table for n in row], [rules.key(m) for row in self.members for m in row])
        perturbed = [values[:2], values[2:]]
        cells = [[rules.shown(v) for v in row] for row in perturbed]
        hidden = any(isinstance(c, str) for row in cells for c in row)
        withheld = f"{WITHHELD}: a cell of the perturbed response table is below the disclosure threshold"
        out: dict[str, Any] = {"analysis": "biomarker_response", "rows": ["biomarker positive", "biomarker negative"],
                               "columns": ["CR+PR", "SD+PD"], "table": cells,
                               "not_evaluable": rules.count(self.not_evaluable, rules.key(self.not_evaluable_ids)),
                               "statistics": "response rates, Fisher's test and the odds ratio are computed from the "
                                             "perturbed table"}
        if hidden:
            out["orr"] = out["fisher_p"] = out["odds_ratio"] = withheld
        else:
            out["orr"], out["fisher_p"], out["odds_ratio"] = response_statistics(perturbed)
        reg = self.regression
        if reg:
            why = rules.check_regression(reg["n"], reg["parameters"], reg["levels"]) or reg.get("error")
            if hidden and not why:  # the biomarker coefficient would pin the hidden cells down
                why = "a cell of the response table is below the disclosure threshold"
            out["regression"] = {"withheld": why} if why else {k: reg[k] for k in ("n", "parameters", "covariates", "terms")}
        return out


def biomarker_response(snap: Snapshot, cohort: Cohort, treatment: TreatmentCriteria | dict[str, Any], biomarker: Cohort,
                       covariates: list[Covariate] | None = None) -> ResponseResult:
    df = response_data(snap, cohort, treatment, biomarker)
    ev = df[df.responder.notna()]
    members = [[frozenset(ev.patient_id[(ev.biomarker == b) & (ev.responder == r)]) for r in (True, False)] for b in (True, False)]
    table = [[len(m) for m in row] for row in members]
    orr, fisher_p, odds = response_statistics(table)
    covs = list(covariates) if covariates is not None else ["tumour_type", "age", "purity"]
    return ResponseResult(table, int(df.responder.isna().sum()), orr, fisher_p, odds, logistic(df, covs),
                          frozenset(df.patient_id), members, frozenset(df.patient_id[df.responder.isna()]))
