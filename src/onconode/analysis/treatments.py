"""Treatment lines and best responses: which lines match a treatment criterion, and the
best RECIST response each line reached. Shared by cohort filters, the response analysis
and the treatment survival endpoints, so "on anti-EGFR" means the same everywhere."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from onconode.analysis.cohort_definition import TreatmentCriteria
from onconode.analysis.queries import Snapshot
from onconode.model import codes as C

# Best response of a treatment: the first of these it reached (RECIST order).
RESPONSE_RANK = {"CR": 0, "PR": 1, "SD": 2, "NON_CR_NON_PD": 3, "PD": 4, "CLINICAL_PROGRESSION": 5, "NE": 6, "ND": 7}
RESPONDER = ("CR", "PR")
NON_RESPONDER = ("SD", "NON_CR_NON_PD", "PD", "CLINICAL_PROGRESSION")
assert set(RESPONSE_RANK) == set(C.RESPONSES)


def _ci_equals(col: ir.StringValue, value: str) -> ir.BooleanValue:
    return col.lower() == value.lower()


def matching_treatments(snap: Snapshot, c: TreatmentCriteria) -> ir.Table:
    """Treatment lines with a drug matching every given field (case-insensitive) and a
    line number in range."""
    t = snap.table("treatment")
    d = snap.table("treatment_drug")
    conds = []
    if c.drug is not None:
        conds.append(_ci_equals(d.drug, c.drug))
    if c.drug_type is not None:
        conds.append(_ci_equals(d.type, c.drug_type))
    if c.mechanism is not None:
        conds.append(_ci_equals(d.mechanism, c.mechanism))
    if conds:
        t = t.semi_join(d.filter(*conds), "treatment_id")
    if c.line_min is not None:
        t = t.filter(t.line >= c.line_min)
    if c.line_max is not None:
        t = t.filter(t.line <= c.line_max)
    return t


def best_responses(snap: Snapshot, treatments: ir.Table) -> ir.Table:
    """Per treatment: its best response (RECIST order), columns treatment_id, patient_id,
    best_response. Treatments without an assessment are absent."""
    r = snap.table("treatment_response").semi_join(treatments, "treatment_id")
    rank = r.response.cases(*RESPONSE_RANK.items(), else_=99)
    ranked = r.mutate(rank=rank).group_by(["treatment_id", "patient_id"]).aggregate(rank=lambda x: x["rank"].min())
    names = ranked["rank"].cases(*((v, k) for k, v in RESPONSE_RANK.items()), else_=ibis.null().cast("string"))
    return ranked.select("treatment_id", "patient_id", best_response=names)
