"""The treatment tables of the harmonized model: regimens (one line of therapy each), their
drugs, response assessments, and survival endpoints as a source gives them. Patient-level
clinical data, kept apart from the sample-level genomic tables of `tables.py`."""

from __future__ import annotations

from onconode.model import codes as C
from onconode.model.columns import PATIENT_ID, B, D, F, I, S
from onconode.model.schema import Table, col

TREATMENT = Table(
    "treatment",
    "A systemic treatment regimen (one line) of a patient; its drugs are in treatment_drug.",
    owner="patient_id",
    key=("treatment_id",),
    level="patient",
    columns=(
        col("treatment_id", S, "Treatment identifier, unique in the node.", required=True),
        PATIENT_ID,
        col("sample_id", S, "Biopsy after which this treatment was given (Hartwig links post-biopsy treatment to its biopsy)."),
        col("line", I, "Line of therapy (1 = first line).", minimum=0, maximum=30),
        col("start_date", D, "Start date.", required=True),
        col("end_date", D, "End date; empty while ongoing."),
        col("regimen", S, "Regimen name: the drug names joined with '/'."),
        col("type", S, "Treatment type(s), joined with '/'."),
        col("mechanism", S, "Mechanism(s), joined with '/'."),
        col("pre_biopsy", B, "Given before the biopsy (pre-treatment)."),
    ),
)

TREATMENT_DRUG = Table(
    "treatment_drug",
    "One drug of a treatment regimen, curated to a canonical name, type, mechanism and ATC code.",
    owner="patient_id",
    key=("treatment_id", "drug"),
    level="patient",
    columns=(
        col("treatment_id", S, "Treatment the drug belongs to.", required=True),
        PATIENT_ID,
        col("drug", S, "Canonical drug name.", required=True),
        col("type", S, "Drug type, e.g. Chemotherapy, Immunotherapy, Targeted therapy.", codes=C.TREATMENT_TYPES),
        col("mechanism", S, "Mechanism, e.g. Anti-EGFR, BRAF inhibitor, Anti-PD-1, PARP inhibitor."),
        col("atc_code", S, "WHO ATC code where known, e.g. L01FE01."),
        col("curated", B, "Whether the recorded drug name was found in the curation table."),
    ),
)

TREATMENT_RESPONSE = Table(
    "treatment_response",
    "A response assessment of a treatment (RECIST 1.1 plus clinical progression).",
    owner="patient_id",
    key=("patient_id", "treatment_id", "response_date"),
    level="patient",
    columns=(
        PATIENT_ID,
        col("treatment_id", S, "Treatment assessed.", required=True),
        col("response_date", D, "Date of the assessment.", required=True),
        col("response", S, "Overall response.", required=True, codes=C.RESPONSES),
        col("measurement_done", B, "Whether a measurement was done."),
        col("bone_only_disease", B, "Bone-only disease (not measurable by RECIST)."),
    ),
)

SURVIVAL_ENDPOINT = Table(
    "survival_endpoint",
    "A survival endpoint as the source gives it (time and event, e.g. cBioPortal's OS_MONTHS / OS_STATUS), "
    "for sources without the dates survival is otherwise derived from; one row per patient and endpoint.",
    owner="patient_id",
    key=("patient_id", "endpoint"),
    level="patient",
    source="cBioPortal clinical <PREFIX>_MONTHS + <PREFIX>_STATUS pairs (OS, DFS, PFS, DSS ...)",
    columns=(
        PATIENT_ID,
        col("endpoint", S, "Endpoint name as the source calls it, e.g. OS, DFS, PFS (analysed as given:OS ...).", required=True),
        col("months", F, "Time from the source's own anchor (diagnosis, treatment start ...) to the event or censoring; "
            "days are months x 365.25 / 12.", required=True, unit="months", minimum=0),
        col("event", B, "True when the endpoint's event happened (status 1:...), false when censored (0:...).", required=True),
        col("status", S, "The status as written in the source, e.g. 1:DECEASED, 0:DiseaseFree."),
        col("source", S, "Where the endpoint came from, e.g. cBioPortal OS_MONTHS/OS_STATUS."),
    ),
)
