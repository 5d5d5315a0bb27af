"""A small hand-made store for the cohort and disclosure tests: every patient's attributes
are written out here, so each expected cohort can be counted by eye."""

from __future__ import annotations

import datetime as dt
from typing import Any

from onconode.ingest.values import to_arrow
from onconode.model import TABLES_BY_NAME
from onconode.store import Store

D = dt.date
# patient: dataset, sex, birth year, location, doid, biopsy site, sampling date, tmb, msi, hr, wgd, purity
PATIENTS: dict[str, tuple[Any, ...]] = {
    "P01": ("D1", "male", 1950, "Colorectum", "219", "Liver", D(2020, 1, 10), 4.0, "MSS", "HR_PROFICIENT", True, 0.60),
    "P02": ("D1", "female", 1960, "Colorectum", "1993", "Liver", D(2020, 2, 10), 30.0, "MSI", "HR_PROFICIENT", False, 0.40),
    "P03": ("D1", "female", 1970, "Colorectum", "9256", "Lymph node", D(2020, 3, 10), 12.0, "MSS", "HR_PROFICIENT", False, 0.80),
    "P04": ("D1", "male", 1945, "Skin", "8923", "Skin", D(2021, 1, 5), 25.0, "MSS", "HR_PROFICIENT", True, 0.70),
    "P05": ("D1", "female", 1980, "Skin", "8923", "Lymph node", D(2021, 6, 1), 8.0, "MSS", "HR_PROFICIENT", False, 0.30),
    "P06": ("D1", "female", 1955, "Breast", "1612", "Liver", D(2019, 5, 5), 2.0, "MSS", "HR_DEFICIENT", True, 0.50),
    "P07": ("D1", "female", 1965, "Ovary", "2394", "Peritoneum", D(2022, 7, 7), 3.0, "MSS", "HR_DEFICIENT", False, 0.90),
    "P08": ("D1", "male", 1940, "Lung", "3910", "Lung", D(2018, 8, 8), 15.0, "MSS", "HR_PROFICIENT", True, 0.20),
    "P09": ("D1", "male", 1975, "Lung", "5409", "Liver", D(2023, 9, 9), 9.0, "MSS", "CANNOT_BE_DETERMINED", False, 0.65),
    "P10": ("D1", "male", 1985, "Prostate", "10283", "Bone", D(2024, 1, 1), 1.0, "MSS", "HR_PROFICIENT", False, 0.45),
    "P11": ("D2", "female", 1990, "Colorectum", "234", "Liver", D(2024, 3, 3), 5.0, "MSS", "HR_PROFICIENT", False, 0.55),
    "P12": ("D2", "male", 1952, "Lung", "3908", "Brain", D(2024, 4, 4), 11.0, "MSS", "HR_PROFICIENT", True, 0.35),
}
SECOND_SAMPLE = "P03"  # P03 has a second biopsy P03U (a lymph-node-free liver biopsy, MSI-high)
# (sample, gene, coding effect, hotspot, biallelic, hgvs protein, filter, default_filtered)
MUTATIONS = [
    ("P01T", "KRAS", "MISSENSE", "HOTSPOT", False, "p.Gly12Asp", "PASS", False),
    ("P02T", "BRAF", "MISSENSE", "HOTSPOT", False, "p.Val600Glu", "PASS", False),
    ("P03T", "KRAS", "MISSENSE", "NON_HOTSPOT", False, "p.Ala146Thr", "PASS", False),
    ("P04T", "BRAF", "MISSENSE", "HOTSPOT", False, "p.Val600Glu", "PASS", False),
    ("P05T", "BRAF", "MISSENSE", "NEAR_HOTSPOT", False, "p.Lys601Glu", "PASS", False),
    ("P06T", "BRCA1", "NONSENSE_OR_FRAMESHIFT", "NON_HOTSPOT", True, "p.Glu23fs", "PASS", False),
    ("P07T", "BRCA2", "NONSENSE_OR_FRAMESHIFT", "NON_HOTSPOT", True, "p.Ser1982fs", "PASS", False),
    ("P08T", "EGFR", "MISSENSE", "HOTSPOT", False, "p.Leu858Arg", "PASS", False),
    ("P08T", "TP53", "MISSENSE", "HOTSPOT", True, "p.Arg175His", "PASS", False),
    ("P09T", "TP53", "SPLICE", "NON_HOTSPOT", False, None, "PASS", False),
    ("P10T", "KRAS", "MISSENSE", "HOTSPOT", False, "p.Gly12Val", "LOW_QUAL", False),   # failed filter: not counted
    ("P11T", "KRAS", "SYNONYMOUS", "NON_HOTSPOT", False, "p.Gly12=", "PASS", False),   # silent: not counted
    ("P12T", "KRAS", "MISSENSE", "HOTSPOT", False, "p.Gly12Cys", "PASS", True),        # default-filtered: not counted
]
# (sample, gene, cna call)
COPY_NUMBER = [("P06T", "ERBB2", "AMP"), ("P08T", "MET", "AMP"), ("P05T", "CDKN2A", "HOMDEL"), ("P04T", "CDKN2A", "HETLOSS")]
# (sample, gene, driver, likelihood)
DRIVERS = [("P01T", "KRAS", "MUTATION", 0.95), ("P09T", "TP53", "MUTATION", 0.4), ("P10T", "PTEN", "DEL", 1.0)]
FUSIONS = [("P10T", "TMPRSS2", "ERG"), ("P12T", "EML4", "ALK")]
# (patient, line, start, end, [(drug, type, mechanism)], [(date, response)])
TREATMENTS = [
    ("P01", 1, D(2020, 2, 1), D(2020, 8, 1), [("Cetuximab", "Targeted therapy", "Anti-EGFR"), ("Oxaliplatin", "Chemotherapy", "Platinum")],
     [(D(2020, 4, 1), "SD"), (D(2020, 6, 1), "PD")]),
    ("P02", 1, D(2020, 3, 1), D(2021, 3, 1), [("Pembrolizumab", "Immunotherapy", "Anti-PD-1")], [(D(2020, 5, 1), "PR"), (D(2020, 9, 1), "CR")]),
    ("P03", 1, D(2020, 4, 1), None, [("Cetuximab", "Targeted therapy", "Anti-EGFR")], [(D(2020, 6, 1), "PR")]),
    ("P04", 1, D(2021, 2, 1), D(2021, 12, 1), [("Dabrafenib", "Targeted therapy", "BRAF inhibitor")], [(D(2021, 4, 1), "PR"), (D(2021, 10, 1), "PD")]),
    ("P04", 2, D(2022, 1, 1), D(2022, 5, 1), [("Pembrolizumab", "Immunotherapy", "Anti-PD-1")], [(D(2022, 3, 1), "PD")]),
    ("P05", 1, D(2021, 7, 1), D(2021, 9, 1), [("Dabrafenib", "Targeted therapy", "BRAF inhibitor")], [(D(2021, 8, 1), "PD")]),
    ("P06", 2, D(2019, 6, 1), D(2020, 6, 1), [("Olaparib", "Targeted therapy", "PARP inhibitor")], [(D(2019, 8, 1), "PR")]),
    ("P07", 1, D(2022, 8, 1), D(2022, 10, 1), [("Carboplatin", "Chemotherapy", "Platinum")], [(D(2022, 9, 1), "NE")]),
    ("P08", 1, D(2018, 9, 1), D(2019, 1, 1), [("Osimertinib", "Targeted therapy", "EGFR TKI")], [(D(2018, 11, 1), "SD")]),
]
DEATHS = {"P01": D(2021, 1, 1), "P04": D(2022, 6, 1), "P06": D(2021, 5, 5), "P08": D(2019, 3, 3)}
LAST_FOLLOW_UP = D(2025, 1, 1)


def _sample_row(pid: str, sid: str, a: tuple[Any, ...], site: str | None = None, date: dt.date | None = None) -> dict[str, Any]:
    return {"sample_id": sid, "patient_id": pid, "sampling_date": date or a[6], "biopsy_site": site or a[5],
            "primary_tumor_location": a[3], "primary_tumor_doids": a[4]}


def rows() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in (
        "patient", "sample", "tumor_profile", "somatic_variant", "gene_copy_number", "driver", "fusion",
        "treatment", "treatment_drug", "treatment_response")}
    for pid, a in PATIENTS.items():
        out["patient"].append({"patient_id": pid, "dataset_id": a[0], "sex": a[1], "birth_year": a[2],
                               "diagnosis_date": D(a[6].year - 1, a[6].month, 1), "death_date": DEATHS.get(pid),
                               "last_follow_up_date": DEATHS.get(pid, LAST_FOLLOW_UP)})
        out["sample"].append(_sample_row(pid, f"{pid}T", a))
        out["tumor_profile"].append({"sample_id": f"{pid}T", "ref_genome": "GRCh37", "tmb_per_mb": a[7],
                                     "tmb_status": "HIGH" if a[7] > 10 else "LOW", "msi_status": a[8], "hr_status": a[9],
                                     "whole_genome_duplication": a[10], "purity": a[11], "ploidy": 3.0 if a[10] else 2.0,
                                     "profiled": "mutations" if pid == "P11" else None})
    a = PATIENTS[SECOND_SAMPLE]
    out["sample"].append(_sample_row(SECOND_SAMPLE, "P03U", a, site="Liver", date=D(2020, 9, 1)))
    out["tumor_profile"].append({"sample_id": "P03U", "ref_genome": "GRCh37", "tmb_per_mb": 40.0, "tmb_status": "HIGH",
                                 "msi_status": "MSI", "hr_status": "HR_PROFICIENT", "whole_genome_duplication": False,
                                 "purity": 0.5, "ploidy": 2.0})
    for i, (sid, gene, eff, hot, bi, prot, flt, dflt) in enumerate(MUTATIONS):
        out["somatic_variant"].append({"sample_id": sid, "chromosome": "1", "position": 1000 + i, "ref": "A", "alt": "T",
                                       "gene": gene, "coding_effect": eff, "hotspot": hot, "biallelic": bi,
                                       "hgvs_protein": prot, "filter": flt, "default_filtered": dflt})
    for sid, gene, call in COPY_NUMBER:
        out["gene_copy_number"].append({"sample_id": sid, "gene": gene, "transcript": "T1", "cna_call": call})
    for sid, gene, drv, lik in DRIVERS:
        out["driver"].append({"sample_id": sid, "gene": gene, "transcript": "T1", "driver": drv, "driver_likelihood": lik})
    for sid, five, three in FUSIONS:
        out["fusion"].append({"sample_id": sid, "name": f"{five}_{three}", "five_prime_gene": five, "three_prime_gene": three,
                              "five_prime_breakend_id": 1, "three_prime_breakend_id": 2, "reported": True})
    for pid, line, start, end, drugs, responses in TREATMENTS:
        tid = f"{pid}-T{line}"
        out["treatment"].append({"treatment_id": tid, "patient_id": pid, "line": line, "start_date": start, "end_date": end})
        for drug, typ, mech in drugs:
            out["treatment_drug"].append({"treatment_id": tid, "patient_id": pid, "drug": drug, "type": typ, "mechanism": mech})
        for date, resp in responses:
            out["treatment_response"].append({"patient_id": pid, "treatment_id": tid, "response_date": date, "response": resp})
    return out


def load(store: Store, source: str = "test") -> None:
    with store.transaction(source) as tx:
        for name, rs in rows().items():
            tx.replace(name, to_arrow(TABLES_BY_NAME[name], rs))
