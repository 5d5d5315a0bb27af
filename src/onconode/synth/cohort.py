"""The random model of the synthetic cohort: patients, biopsies, tumours, treatments, outcomes.

Everything is drawn from generators seeded by (seed, stream, patient index), so a patient
is the same whatever the cohort size or the order in which parts are generated, and the
same seed always gives the same cohort. Genomes are drawn per sample in genome.py from the
per-sample parameters decided here (tumour type, drivers, burden, purity, ...).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from onconode.synth import effects as E
from onconode.synth.tumours import HOTSPOTS, TUMOURS, TumourType
from onconode.ingest.curation import default_drug_table

DATASET_ID = "HMF-SYNTH"
HOSPITALS = tuple(f"HOSP{i:02d}" for i in range(1, 13))
HOSPITAL_WEIGHTS = np.array([18, 14, 12, 10, 9, 8, 7, 6, 5, 4, 4, 3], dtype=float)
FIRST_BIOPSY = dt.date(2016, 1, 1)
LAST_BIOPSY = dt.date(2026, 3, 31)
DATA_CUTOFF = dt.date(2026, 6, 30)   # last follow-up of everyone still alive
GENOME_MB = 2859                     # Hartwig's TMB denominator
FIRST_ASSESSMENT_DAY = 56            # RECIST assessments from 8 weeks after a line starts
MEDIAN_VARIANTS = 20_000
BIOPSY_SITES = (("Liver", 0.35), ("Lymph node", 0.18), ("Primary", 0.12), ("Lung", 0.08), ("Bone", 0.07),
                ("Soft tissue", 0.08), ("Peritoneum", 0.06), ("Skin", 0.06))
GRU, HMB, DS, NPU, GENETIC = "DUO:0000042", "DUO:0000006", "DUO:0000007", "DUO:0000045", "DUO:0000038"
DOIDS = {"breast": "1612", "colorectal": "9256", "nsclc": "3908", "sclc": "5409", "prostate": "10283",
         "melanoma": "8923", "sarcoma": "1115", "ovarian": "2394", "pancreatic": "1793"}


def rng(seed: int, stream: int, index: int = 0) -> np.random.Generator:
    """The generator of one part (stream) of one patient or sample: independent of all others."""
    return np.random.default_rng([seed, stream, index])


@dataclass
class Event:
    gene: str
    kind: str            # hotspot, truncating, amp, del, fusion
    hotspot: int = -1    # index into HOTSPOTS[gene]


@dataclass
class SampleParams:
    sample_id: str
    patient_id: str
    index: int           # global sample index (seeds its genome)
    tumour: str
    gender: str
    sampling_date: dt.date
    purity: float
    ploidy: float
    wgd: bool
    msi: bool
    pole: bool
    burden: int          # somatic PASS SNV/MNV/indels of the full genome
    ms_indels_per_mb: float
    hrd: bool
    hrd_type: str
    events: list[Event] = field(default_factory=list)

    @property
    def qc_fail(self) -> bool:
        return self.purity < 0.195

    @property
    def tmb_per_mb(self) -> float:
        return round(self.burden / GENOME_MB, 4)


@dataclass
class Cohort:
    seed: int
    patients: list[dict]
    consents: list[dict]
    samples: list[dict]          # clinical biopsy records (recorded, un-curated text)
    params: list[SampleParams]   # genome parameters per sequenced sample
    treatments: list[dict]       # with "drugs" as recorded
    responses: list[dict]


def _weighted(r: np.random.Generator, items, weights) -> object:
    w = np.asarray(weights, dtype=float)
    return items[int(r.choice(len(items), p=w / w.sum()))]


def _date(start: dt.date, days: float) -> dt.date:
    return start + dt.timedelta(days=int(round(days)))


def _draw_events(r: np.random.Generator, t: TumourType) -> list[Event]:
    events: list[Event] = []
    genes_hit: set[str] = set()
    for gene, kind, freq in t.drivers:
        if r.random() >= freq or (gene in genes_hit and kind != "truncating"):
            continue
        blocked = any(gene in group and genes_hit & (set(group) - {gene}) for group in t.exclusive)
        if blocked or (gene == "TP53" and "TP53" in genes_hit):
            continue
        e = Event(gene, kind)
        if kind == "hotspot":
            spots = HOTSPOTS[gene]
            e.hotspot = int(r.choice(len(spots), p=np.array([s[7] for s in spots]) / sum(s[7] for s in spots)))
        events.append(e)
        genes_hit.add(gene)
    return events


def biomarkers(p: SampleParams) -> dict[str, bool]:
    """The biomarkers effects and targeted lines refer to (effects.py)."""
    hit = {(e.gene, e.kind) for e in p.events}
    braf = any(e.gene == "BRAF" and e.kind == "hotspot" for e in p.events)
    return {
        "kras_mutant": ("KRAS", "hotspot") in hit,
        "braf_v600e": braf,
        "egfr_mutant": ("EGFR", "hotspot") in hit,
        "alk_fusion": ("EML4_ALK", "fusion") in hit,
        "erbb2_amp": ("ERBB2", "amp") in hit,
        "idh1_mutant": ("IDH1", "hotspot") in hit,
        "flt3_mutant": ("FLT3", "hotspot") in hit,
        "msi": p.msi,
        "tmb_high": p.tmb_per_mb > 10,
        "hrd": p.hrd,
    }


def _genome(r: np.random.Generator, t: TumourType, sample_id: str, patient_id: str, index: int,
            gender: str, when: dt.date, events: list[Event]) -> SampleParams:
    msi = bool(r.random() < t.msi_rate)
    pole = bool(not msi and t.key in ("colorectal", "endometrial") and r.random() < 0.03)
    burden = MEDIAN_VARIANTS * t.burden_factor * float(np.exp(r.normal(0.0, 0.8)))
    if msi:
        burden *= 8.0
    if pole:
        burden *= 25.0
    purity = float(np.clip(r.beta(4.0, 2.6), 0.08, 1.0)) if r.random() > 0.03 else float(r.uniform(0.05, 0.19))
    wgd = bool(r.random() < 0.5)
    ploidy = float(np.clip(r.normal(3.4, 0.45) if wgd else r.normal(2.1, 0.2), 1.5, 6.0))
    brca = [e for e in events if e.gene in ("BRCA1", "BRCA2")]
    hrd = bool(brca) or bool(r.random() < t.hrd_rate)
    hrd_type = (f"{brca[0].gene}_type" if brca else ("BRCA2_type" if r.random() < 0.6 else "BRCA1_type")) if hrd else "none"
    return SampleParams(
        sample_id=sample_id, patient_id=patient_id, index=index, tumour=t.key, gender=gender, sampling_date=when,
        purity=round(purity, 4), ploidy=round(ploidy, 4), wgd=wgd, msi=msi, pole=pole, burden=int(burden),
        ms_indels_per_mb=round(float(r.lognormal(np.log(12.0), 0.4) if msi else r.lognormal(np.log(0.15), 0.6)), 4),
        hrd=hrd, hrd_type=hrd_type, events=events,
    )


def build(patients: int, seed: int) -> Cohort:
    weights = np.array([t.weight for t in TUMOURS], dtype=float)
    span = (LAST_BIOPSY - FIRST_BIOPSY).days
    c = Cohort(seed, [], [], [], [], [], [])
    sample_index = 0
    for i in range(patients):
        r = rng(seed, 1, i)
        t = TUMOURS[int(r.choice(len(TUMOURS), p=weights / weights.sum()))]
        pid = f"HMF{i + 1:06d}"
        female = bool(r.random() < t.sex_female)
        biopsy = _date(FIRST_BIOPSY, span * float(r.beta(1.3, 1.0)))   # more patients in later years
        age = float(np.clip(r.normal(63, 11), 25, 90))
        diagnosis = _date(biopsy, -float(r.gamma(1.5, 365)))
        registration = _date(biopsy, -float(r.integers(3, 40)))
        events = _draw_events(r, t)
        params = _genome(r, t, f"{pid}A", pid, sample_index, "FEMALE" if female else "MALE", biopsy, events)
        sample_index += 1
        marks = biomarkers(params)
        lines, responses, os_hr = _treatments(rng(seed, 2, i), t, pid, params, marks, biopsy)
        median_os = t.median_os_months * 30.44
        death_day = float(rng(seed, 3, i).exponential(median_os / np.log(2) / os_hr))
        death = _date(biopsy, max(death_day, 14))
        alive = death > DATA_CUTOFF
        hospital = _weighted(r, HOSPITALS, HOSPITAL_WEIGHTS)
        # What is known stops at death, or for the living at their last follow-up (up to two
        # months before the data cut-off, never before the biopsy): no line starts, and no
        # assessment is recorded, after it; a line still running then has no end date.
        end = max(_date(DATA_CUTOFF, -float(r.integers(0, 60))), biopsy) if alive else death
        lines = [ln for ln in lines if ln["start_date"] < end]
        for ln in lines:
            if ln["end_date"] is not None and ln["end_date"] >= end:
                ln["end_date"] = None if alive else end
        kept = {ln["treatment_id"] for ln in lines}
        responses = [x for x in responses if x["treatment_id"] in kept and x["response_date"] < end]
        c.patients.append({
            "patient_id": pid, "dataset_id": DATASET_ID, "sex": "female" if female else "male",
            "birth_year": biopsy.year - int(age), "hospital_code": hospital, "registration_date": registration,
            "diagnosis_date": diagnosis, "death_date": None if alive else death,
            "last_follow_up_date": end, "informed_consent_date": registration,
        })
        c.consents.extend(_consents(r, pid, t, registration, i))
        c.samples.append(_biopsy(r, params, t, registration))
        c.params.append(params)
        # A second biopsy for some patients, after their first line.
        if lines and r.random() < 0.06 and lines[0]["end_date"] is not None:
            when = _date(lines[0]["end_date"], float(r.integers(7, 60)))
            if when < end:
                p2 = _genome(rng(seed, 4, i), t, f"{pid}B", pid, sample_index, params.gender, when, params.events)
                sample_index += 1
                second = _biopsy(r, p2, t, when)
                # the hospital records the patient's tumour once (as the eCRF's FRM.CARCINOMA does)
                second["primary_tumor_location"] = c.samples[-1]["primary_tumor_location"]
                c.samples.append(second)
                c.params.append(p2)
                for ln in lines[1:]:
                    if ln["start_date"] >= when:
                        ln["sample_id"] = p2.sample_id
        c.treatments.extend(lines)
        c.responses.extend(responses)
    return c


def _consents(r: np.random.Generator, pid: str, t: TumourType, when: dt.date, index: int) -> list[dict]:
    """The patient's consent terms; 70 % also consent to genetic research (their germline
    data may be used), chosen by index so the other draws stay as they were."""
    u = r.random()
    if u < 0.80:
        rows = [(GRU, None)]
    elif u < 0.90:
        rows = [(HMB, None)]
    else:
        rows = [(DS, f"DOID:{DOIDS.get(t.key, '162')}")]
    if r.random() < 0.04:
        rows.append((NPU, None))
    if index % 10 < 7:
        rows.append((GENETIC, None))
    return [{"patient_id": pid, "duo_code": code, "modifier": mod, "consent_date": when} for code, mod in rows]


def _biopsy(r: np.random.Generator, p: SampleParams, t: TumourType, arrival_from: dt.date) -> dict:
    site = _weighted(r, [s for s, _ in BIOPSY_SITES], [w for _, w in BIOPSY_SITES])
    blood = t.tissue_source != "tissue"
    out = {
        "sample_id": p.sample_id, "patient_id": p.patient_id, "sampling_date": p.sampling_date,
        "arrival_date": _date(p.sampling_date, float(r.integers(1, 14))),
        "tissue_source": t.tissue_source, "biopsy_site": "Bone marrow" if blood else site,
        "biopsy_location": "bone marrow aspirate" if blood else f"{site.lower()} biopsy",
        "primary_tumor_location": t.locations[int(r.integers(len(t.locations)))],
        "pathology_tumor_percentage": float(min(100, max(10, round(p.purity * 100 + r.normal(0, 10))))),
    }
    if blood:
        out.update(_haematological(p))
    return out


# (ICD-O-3 morphology, diagnosis, ELN 2022 risk) by the AML's defining driver; NOS otherwise
AML_CLASSES = {"NPM1": ("9877/3", "Acute myeloid leukaemia with mutated NPM1", "favorable"),
               "TP53": ("9895/3", "Acute myeloid leukaemia, myelodysplasia-related", "adverse")}
AML_NOS = ("9861/3", "Acute myeloid leukaemia, NOS", "intermediate")


def _haematological(p: SampleParams) -> dict:
    """Where a leukaemia sample's tumour and normal came from, its diagnosis and ELN risk.
    Chosen from the sample index, not drawn, so the other fields of the cohort stay as they were:
    a third of the tumours are peripheral blood, the rest bone marrow; the normal is skin
    (saliva for a quarter), since blood would carry tumour cells."""
    genes = {e.gene for e in p.events}
    code, diagnosis, risk = next((AML_CLASSES[g] for g in ("TP53", "NPM1") if g in genes), AML_NOS)
    in_blood = p.index % 3 == 0
    return {"tissue_source": "blood" if in_blood else "bone_marrow",
            "biopsy_site": "Peripheral blood" if in_blood else "Bone marrow",
            "biopsy_location": "peripheral blood draw" if in_blood else "bone marrow aspirate",
            "normal_tissue_source": "saliva" if p.index % 4 == 0 else "skin",
            "haematological_diagnosis": diagnosis, "haematological_diagnosis_code": code, "eln_risk": risk}


def _treatments(r: np.random.Generator, t: TumourType, pid: str, p: SampleParams, marks: dict[str, bool],
                biopsy: dt.date) -> tuple[list[dict], list[dict], float]:
    """Treatment lines after the biopsy, their RECIST assessments, and the patient's death hazard ratio."""
    regimens: list[str] = []
    for tumour, marker, regimen, p_pos, p_neg in E.TARGETED_LINES:
        if tumour == t.key and r.random() < (p_pos if marks.get(marker) else p_neg) and regimen not in regimens:
            regimens.append(regimen)
    for line in t.lines:
        if r.random() < 0.85 or not regimens:
            regimens.append(_weighted(r, [x for x, _ in line], [w for _, w in line]))
    regimens = regimens[: 1 + int(r.integers(1, 4))]
    order = r.permutation(len(regimens)) if r.random() < 0.3 else np.arange(len(regimens))

    drugs = default_drug_table()
    rows, responses = [], []
    start = _date(biopsy, float(r.integers(7, 60)))
    hr = 1.0
    for n, k in enumerate(order, start=1):
        regimen = regimens[int(k)]
        mechanisms = {c.mechanism for _, c in drugs.split(regimen) if c is not None and c.mechanism}
        responder = bool(r.random() < E.response_probability(t.key, mechanisms, marks))
        hr *= E.hazard_ratio(t.key, mechanisms, marks) * (E.RESPONDER_HAZARD_RATIO if responder else 1.0)
        months = float(r.exponential(E.MEAN_MONTHS_ON_TREATMENT_RESPONDER if responder else E.MEAN_MONTHS_ON_TREATMENT_NON_RESPONDER))
        # A responder stays on the line until its response is seen: past the first assessment.
        shortest = FIRST_ASSESSMENT_DAY + 7.0 if responder else 21.0
        end = _date(start, max(shortest, months * 30.44))
        tid = f"{pid}-T{n}"
        rows.append({"treatment_id": tid, "patient_id": pid, "sample_id": p.sample_id, "line": n,
                     "start_date": start, "end_date": end, "drugs": regimen, "pre_biopsy": False})
        responses.extend(_assessments(r, pid, tid, start, end, responder))
        start = _date(end, float(r.integers(14, 60)))
    return rows, responses, hr


def _assessments(r: np.random.Generator, pid: str, tid: str, start: dt.date, end: dt.date, responder: bool) -> list[dict]:
    """RECIST assessments every ~8 weeks: responders reach PR/CR, everyone ends in PD. A
    responder's first assessment may still be SD (30 %) only when a second one follows
    within the line, so every responder's best response is CR or PR."""
    out = []
    day, n = FIRST_ASSESSMENT_DAY, 0
    total = (end - start).days
    while day < total:
        n += 1
        if responder:
            early_sd = n == 1 and r.random() < 0.3
            resp = ("SD" if total > 2 * FIRST_ASSESSMENT_DAY + 7 else "PR") if early_sd else ("CR" if r.random() < 0.15 else "PR")
        else:
            resp = "SD"
        out.append({"patient_id": pid, "treatment_id": tid, "response_date": _date(start, day), "response": resp,
                    "measurement_done": True, "bone_only_disease": False})
        day += 56 + int(r.integers(-7, 8))
    final = "CLINICAL_PROGRESSION" if r.random() < 0.1 else "PD"
    if not responder or r.random() < 0.9:
        out.append({"patient_id": pid, "treatment_id": tid, "response_date": end, "response": final,
                    "measurement_done": final == "PD", "bone_only_disease": False})
    return out
