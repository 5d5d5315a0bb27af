"""The biomarker effects planted in the synthetic cohort, defined once.

Each effect links a biomarker to a drug mechanism: patients with the biomarker who get a
drug of that mechanism respond (best RECIST response CR or PR) with probability
`orr_with`, those without it with `orr_without`; and the hazard of death of a patient with
the biomarker who got that treatment is multiplied by `hazard_ratio`. Analyses (and the
tests in tests/synth/) look for exactly these; docs/synthetic-cohort.md lists them.
"""

from __future__ import annotations

from dataclasses import dataclass

# Best-response probability of a line whose mechanisms match no effect.
BASELINE_ORR = 0.20
# Time on treatment (months, exponential mean) for responders and non-responders.
MEAN_MONTHS_ON_TREATMENT_RESPONDER = 9.0
MEAN_MONTHS_ON_TREATMENT_NON_RESPONDER = 3.0
# Hazard of death multiplier for each line whose best response was CR/PR.
RESPONDER_HAZARD_RATIO = 0.75


@dataclass(frozen=True)
class Effect:
    name: str
    biomarker: str          # a Biomarkers attribute (see cohort.py)
    mechanisms: frozenset[str]
    tumours: frozenset[str]  # tumour type keys where the effect applies (empty: everywhere)
    orr_with: float
    orr_without: float
    hazard_ratio: float      # death hazard multiplier, biomarker-positive patients so treated
    why: str


EFFECTS: tuple[Effect, ...] = (
    Effect(
        "kras_anti_egfr_resistance", "kras_mutant", frozenset({"Anti-EGFR"}), frozenset({"colorectal"}),
        orr_with=0.02, orr_without=0.35, hazard_ratio=1.5,
        why="KRAS-mutant colorectal cancer does not respond to cetuximab / panitumumab",
    ),
    Effect(
        "braf_v600e_braf_inhibitor", "braf_v600e", frozenset({"BRAF inhibitor"}), frozenset({"melanoma", "colorectal"}),
        orr_with=0.70, orr_without=0.05, hazard_ratio=0.6,
        why="BRAF V600E tumours respond to BRAF inhibitors (with or without MEK inhibition)",
    ),
    Effect(
        "msi_checkpoint", "msi", frozenset({"Anti-PD-1", "Anti-PD-L1", "Anti-CTLA-4"}), frozenset(),
        orr_with=0.55, orr_without=0.15, hazard_ratio=0.5,
        why="microsatellite-instable tumours respond to checkpoint inhibitors",
    ),
    Effect(
        "tmb_high_checkpoint", "tmb_high", frozenset({"Anti-PD-1", "Anti-PD-L1", "Anti-CTLA-4"}), frozenset(),
        orr_with=0.45, orr_without=0.15, hazard_ratio=0.6,
        why="tumours with a high mutational burden (> 10 / Mb) respond to checkpoint inhibitors",
    ),
    Effect(
        "hrd_parp", "hrd", frozenset({"PARP inhibitor"}), frozenset(),
        orr_with=0.55, orr_without=0.08, hazard_ratio=0.6,
        why="homologous-recombination-deficient (BRCA1/2 or CHORD HRD) tumours respond to PARP inhibitors",
    ),
    Effect(
        "egfr_tki", "egfr_mutant", frozenset({"EGFR TKI"}), frozenset({"nsclc"}),
        orr_with=0.70, orr_without=0.05, hazard_ratio=0.6,
        why="EGFR-mutant lung cancer responds to EGFR tyrosine kinase inhibitors",
    ),
)

# How often a patient gets the targeted drug of an effect's mechanism, with and without
# the biomarker. "Without" is above zero on purpose (off-label, trials, unknown status at
# the time): it makes every effect estimable against a biomarker-negative treated group.
TARGETED_LINES: tuple[tuple[str, str, str, float, float], ...] = (
    # (tumour, biomarker, regimen, probability if positive, probability if negative)
    ("colorectal", "kras_mutant", "Oxaliplatin/Fluorouracil/Cetuximab", 0.30, 0.65),
    ("colorectal", "braf_v600e", "Encorafenib/Cetuximab", 0.50, 0.0),
    ("melanoma", "braf_v600e", "Dabrafenib/Trametinib", 0.85, 0.25),
    ("nsclc", "egfr_mutant", "Osimertinib", 0.90, 0.03),
    ("nsclc", "alk_fusion", "Alectinib", 0.90, 0.0),
    ("breast", "erbb2_amp", "Trastuzumab/Pertuzumab/Docetaxel", 0.85, 0.0),
    ("breast", "hrd", "Olaparib", 0.60, 0.06),
    ("ovarian", "hrd", "Niraparib", 0.70, 0.25),
    ("prostate", "hrd", "Olaparib", 0.55, 0.06),
    ("pancreatic", "hrd", "Olaparib", 0.45, 0.04),
    ("colorectal", "msi", "Pembrolizumab", 0.75, 0.0),
    ("endometrial", "msi", "Pembrolizumab", 0.75, 0.0),
    ("stomach", "msi", "Nivolumab", 0.6, 0.0),
    ("cholangiocarcinoma", "idh1_mutant", "Ivosidenib", 0.6, 0.0),
    ("aml", "flt3_mutant", "Cytarabine/Daunorubicin/Midostaurin", 0.8, 0.0),
)


def response_probability(tumour: str, mechanisms: set[str], biomarkers: dict[str, bool]) -> float:
    """Probability that a line with these mechanisms gets a CR/PR as best response.

    The matching effect with the strongest pull decides (resistance beats sensitivity,
    then the higher ORR), so one line never stacks effects.
    """
    best: float | None = None
    for e in EFFECTS:
        if not (e.mechanisms & mechanisms) or (e.tumours and tumour not in e.tumours):
            continue
        p = e.orr_with if biomarkers.get(e.biomarker, False) else e.orr_without
        if e.orr_with < e.orr_without and biomarkers.get(e.biomarker, False):
            return p
        best = p if best is None else max(best, p)
    return BASELINE_ORR if best is None else best


def hazard_ratio(tumour: str, mechanisms: set[str], biomarkers: dict[str, bool]) -> float:
    """Death hazard multiplier of a treatment line for a patient (1.0 if no effect applies)."""
    hr = 1.0
    for e in EFFECTS:
        if (e.mechanisms & mechanisms) and (not e.tumours or tumour in e.tumours) and biomarkers.get(e.biomarker, False):
            hr = min(hr, e.hazard_ratio) if e.hazard_ratio < 1 else max(hr, e.hazard_ratio)
    return hr
