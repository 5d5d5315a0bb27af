"""The generator records the responses it plants: for every planted effect, the
responders recorded on the analysed lines (each patient's first line of the effect's
mechanism that has an assessment) add up to the planted response probabilities of those
lines. A responder cut short used to be recorded SD/PD (~0.77x the planted rates)."""

from __future__ import annotations

from collections import defaultdict

import pytest

from onconode.ingest.curation import default_drug_table
from onconode.synth.cohort import biomarkers, build
from onconode.synth.effects import EFFECTS, response_probability

PATIENTS = 10_000
# Per effect, the mechanism the guide's analysis selects lines by (docs/synthetic-cohort.md).
MECHANISM = {"kras_anti_egfr_resistance": "Anti-EGFR", "braf_v600e_braf_inhibitor": "BRAF inhibitor",
             "msi_checkpoint": "Anti-PD-1", "tmb_high_checkpoint": "Anti-PD-1", "hrd_parp": "PARP inhibitor",
             "egfr_tki": "EGFR TKI"}


@pytest.fixture(scope="module")
def analysed():
    """Per effect and biomarker status: (recorded CR/PR, planted probability) of each
    patient's first evaluable line of the mechanism."""
    c = build(PATIENTS, seed=3)
    drugs = default_drug_table()
    first = {p.patient_id: p for p in c.params if p.sample_id.endswith("A")}
    recorded = defaultdict(list)
    for x in c.responses:
        recorded[x["treatment_id"]].append(x["response"])
    lines = defaultdict(list)
    for t in sorted(c.treatments, key=lambda t: (t["start_date"], t["treatment_id"])):
        lines[t["patient_id"]].append((t, {d.mechanism for _, d in drugs.split(t["drugs"]) if d is not None and d.mechanism}))
    out = defaultdict(list)
    for e in EFFECTS:
        for pid, ls in lines.items():
            p = first[pid]
            if e.tumours and p.tumour not in e.tumours:
                continue
            match = [(t, m) for t, m in ls if MECHANISM[e.name] in m]
            if not match or not recorded.get(match[0][0]["treatment_id"]):
                continue
            t, m = match[0]
            marks = biomarkers(p)
            out[(e.name, marks[e.biomarker])].append((("CR" in recorded[t["treatment_id"]]) or ("PR" in recorded[t["treatment_id"]]),
                                                      response_probability(p.tumour, m, marks)))
    return out


@pytest.mark.parametrize("effect", [e.name for e in EFFECTS])
@pytest.mark.parametrize("positive", [True, False])
def test_recorded_responders_add_up_to_the_planted_probabilities(analysed, effect, positive):
    rows = analysed[(effect, positive)]
    assert len(rows) >= 20, (effect, positive, len(rows))
    k = sum(r for r, _ in rows)
    mean = sum(p for _, p in rows)
    sd = sum(p * (1 - p) for _, p in rows) ** 0.5
    z = (k - mean) / sd
    assert abs(z) < 3.29, f"{effect} {'+' if positive else '-'}: {k} recorded responders of {len(rows)}, planted {mean:.1f} (z {z:.1f})"
