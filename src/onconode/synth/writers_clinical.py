"""The cohort's clinical records as the TSV folder of docs/clinical-tsv.md (un-curated text)."""

from __future__ import annotations

from pathlib import Path

from onconode.synth.clinical import DATASET
from onconode.synth.cohort import Cohort

FILES = {
    "datasets.tsv": ("dataset_id", "title", "description", "consent_duo", "licence_type"),
    "patients.tsv": ("patient_id", "dataset_id", "sex", "birth_year", "hospital_code", "registration_date",
                     "diagnosis_date", "death_date", "last_follow_up_date", "informed_consent_date"),
    "consents.tsv": ("patient_id", "duo_code", "modifier", "consent_date"),
    "biopsies.tsv": ("sample_id", "patient_id", "sampling_date", "arrival_date", "tissue_source", "biopsy_site",
                     "biopsy_location", "primary_tumor_location", "pathology_tumor_percentage", "normal_tissue_source",
                     "haematological_diagnosis", "haematological_diagnosis_code", "eln_risk"),
    "treatments.tsv": ("treatment_id", "patient_id", "sample_id", "line", "start_date", "end_date", "drugs", "pre_biopsy"),
    "responses.tsv": ("patient_id", "treatment_id", "response_date", "response", "measurement_done", "bone_only_disease"),
}


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


def write_clinical(folder: Path, c: Cohort) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    records = {"datasets.tsv": [DATASET], "patients.tsv": c.patients, "consents.tsv": c.consents,
               "biopsies.tsv": c.samples, "treatments.tsv": c.treatments, "responses.tsv": c.responses}
    for name, columns in FILES.items():
        with open(folder / name, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("\t".join(columns) + "\n")
            for r in records[name]:
                fh.write("\t".join(_cell(r.get(k)) for k in columns) + "\n")
