"""Swimmer plot data: each patient's treatment lines on one time axis.

A swimmer plot is patient-level by nature (one lane per patient, with their dates and
responses), so it exists only in the exact view: a user sees it when every patient behind
it is within their licence. The controlled view says why it is withheld instead of
degrading it: there is no aggregate version of one person's treatment history.
Time runs in days from the patient's first cohort biopsy (negative: before it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd

from onconode.analysis.cohort import Cohort, TreatmentCriteria
from onconode.analysis.disclosure import Rules
from onconode.analysis.queries import Snapshot
from onconode.analysis.treatments import best_responses, matching_treatments

WITHHELD = ("a swimmer plot shows each patient's own treatment history, so it is shown only when every patient "
            "in it is covered by your approved data access; apply for data access (Apply for data) to see it")


@dataclass
class Swimmer:
    lanes: list[dict[str, Any]] = field(default_factory=list)  # patient_id, lines[{line, regimen, start, end, ongoing, best_response}]

    def exact(self) -> dict[str, Any]:
        return {"analysis": "swimmer", "time_unit": "days from first biopsy", "patients": len(self.lanes), "lanes": self.lanes}

    def controlled(self, rules: Rules) -> dict[str, Any]:
        return {"analysis": "swimmer", "patients": rules.count_of({l["patient_id"] for l in self.lanes}), "withheld": WITHHELD}


def swimmer(snap: Snapshot, cohort: Cohort, treatment: TreatmentCriteria | dict[str, Any] | None = None) -> Swimmer:
    """The cohort's treatment lines (those matching `treatment`, or all), per patient,
    with start and end relative to the patient's first cohort biopsy; ongoing lines end at
    the last follow-up (or death)."""
    crit = treatment if isinstance(treatment, TreatmentCriteria) else TreatmentCriteria.model_validate(treatment or {})
    members = ibis.memtable(pd.DataFrame({"patient_id": sorted(cohort.patient_ids)}, dtype="string"))
    t = matching_treatments(snap, crit).semi_join(members, "patient_id")
    best = best_responses(snap, t).select("treatment_id", "best_response")
    lines = t.left_join(best, "treatment_id").select("patient_id", "treatment_id", "line", "regimen", "start_date", "end_date",
                                                     "best_response").to_pyarrow().to_pandas()
    s = snap.table("sample").select("sample_id", "patient_id", "sampling_date").to_pyarrow().to_pandas()
    first = s[s.sample_id.isin(cohort.sample_ids)].groupby("patient_id").sampling_date.min()
    p = snap.table("patient").select("patient_id", "death_date", "last_follow_up_date").to_pyarrow().to_pandas().set_index("patient_id")
    out = Swimmer()
    for pid, g in lines.sort_values(["patient_id", "start_date", "treatment_id"]).groupby("patient_id", sort=True):
        origin = pd.Timestamp(first[pid])
        follow_up = p.death_date.get(pid)
        follow_up = p.last_follow_up_date.get(pid) if pd.isna(follow_up) else follow_up
        lane = []
        for r in g.itertuples():
            end = r.end_date if not pd.isna(r.end_date) else follow_up
            lane.append({"line": None if pd.isna(r.line) else int(r.line), "regimen": None if pd.isna(r.regimen) else r.regimen,
                         "start": int((pd.Timestamp(r.start_date) - origin).days),
                         "end": None if pd.isna(end) else int((pd.Timestamp(end) - origin).days),
                         "ongoing": bool(pd.isna(r.end_date)),
                         "best_response": None if pd.isna(r.best_response) else r.best_response})
        out.lanes.append({"patient_id": pid, "died": not pd.isna(p.death_date.get(pid)), "lines": lane})
    return out
